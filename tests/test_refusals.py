"""Refusals: exit code 2, one `itsm: error:` line on stderr, no traceback, and nothing changed —
no file (git's own files included), no commit, no cache. And one malformed or hostile record
never stops the commands about the others."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FromTemplate, RunItsm, commit_all, git, snapshot

MONTH = "2026-11"
ID_HINT = "(an ID looks like INC-7QK3F2; any unique start of it will do, e.g. inc-7qk)"


def new(run_itsm: RunItsm, *args: str) -> str:
    done = run_itsm("new", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def ticket_file(desk: Path, ticket_id: str) -> Path:
    return desk / "tickets" / MONTH / f"{ticket_id}.md"


def assert_refused(desk: Path, before: dict[str, bytes], done: subprocess.CompletedProcess[str],
                   message: str | None = None) -> None:
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("itsm: error: ")
    assert done.stderr.endswith("\n")
    assert done.stderr.count("\n") == 1, done.stderr
    if message is not None:
        assert done.stderr == f"itsm: error: {message}\n"
    assert snapshot(desk) == before
    assert git(desk, "status", "--porcelain") == ""


@dataclass
class Desk2:
    """A desk with ticket `one`, and `twin` whose code starts like one's (an ambiguous prefix)."""

    root: Path
    one: str
    twin: str
    config_lines: int




@pytest.fixture
def desk2(desk: Path, run_itsm: RunItsm, from_template: FromTemplate) -> Desk2:
    """Built once through the real CLI, then copied (git repository and all) for each test."""

    def build() -> tuple[str, str]:
        one = new(run_itsm, "VPN drops", "-c", "network/vpn")
        twin = one[:8] + ("ZZ" if one[8:] != "ZZ" else "YY")
        text = ticket_file(desk, one).read_text()
        ticket_file(desk, twin).write_text(text.replace(f"id: {one}\n", f"id: {twin}\n"))
        commit_all(desk, "a twin, made by hand")
        checked = run_itsm("check")
        assert (checked.returncode, checked.stdout) == (0, ""), checked.stdout
        return one, twin

    one, twin = from_template("desk2", build)
    assert git(desk, "status", "--porcelain") == ""
    lines = (desk / "itsm.yaml").read_text().count("\n")
    return Desk2(desk, one, twin, lines)


def bad_config(d: Desk2) -> None:
    with (d.root / "itsm.yaml").open("a") as handle:
        handle.write("frobnicate: true\n")
    commit_all(d.root, "a config with a bad key")


@dataclass
class Case:
    args: tuple[str, ...]
    message: Callable[[Desk2], str]
    setup: Callable[[Desk2], None] | None = None


def _ambiguous(d: Desk2) -> str:
    return f"'{d.one[:8].lower()}' is ambiguous: {', '.join(sorted([d.one, d.twin]))} (type more of the ID)"


CASES: dict[str, Case] = {
    "unknown-id": Case(("show", "INC-ZZZZZZ"), lambda d: "no record matches 'INC-ZZZZZZ' (`itsm list` shows the tickets)"),
    "unknown-id-log": Case(("log", "INC-ZZZZ", "hello"), lambda d: "no record matches 'INC-ZZZZ' (`itsm list` shows the tickets)"),
    "unknown-prefix": Case(("show", "FOO-1234"), lambda d: "'FOO-1234': unknown ID prefix 'FOO' (this desk uses INC, KB, PRB, REQ)"),
    "ambiguous-id": Case(("show", "{one8}"), _ambiguous),
    "ambiguous-id-assign": Case(("assign", "{one8}", "--owner", "Bob Stone"), _ambiguous),
    "bad-impact": Case(("new", "Disk full", "--impact", "huge"), lambda d: "unknown impact 'huge' (use one of: high, medium, low)"),
    "bad-urgency-categorise": Case(("categorise", "{one}", "--urgency", "now"), lambda d: "unknown urgency 'now' (use one of: high, medium, low)"),
    "bad-channel": Case(("new", "Disk full", "--channel", "pigeon"),
                        lambda d: "unknown channel 'pigeon' (use one of: email, phone, chat, web, walk-in, monitoring)"),
    "unknown-category": Case(("new", "Disk full", "-c", "nope/nope"), lambda d: "unknown category 'nope/nope' (see the categories in itsm.yaml)"),
    "unknown-category-categorise": Case(("categorise", "{one}", "-c", "network/vnp"),
                                        lambda d: "unknown category 'network/vnp' (did you mean network/vpn, network/dns, network/wifi?)"),
    "unknown-group": Case(("new", "Disk full", "--group", "wizards"),
                          lambda d: "unknown group 'wizards' (groups: service-desk, identity, network, desktop-support, "
                                    "messaging, applications, infrastructure, suppliers)"),
    "empty-title": Case(("new", "   "), lambda d: "the title is empty (say in a few words what is wrong or needed)"),
    "unknown-kind": Case(("log", "{one}", "hello", "--kind", "fax"), lambda d: "unknown kind 'fax' (use one of: note, call, email, chat)"),
    "unknown-status-filter": Case(("list", "--status", "open"),
                                  lambda d: "unknown status 'open' (use one of: new, assigned, in_progress, pending, resolved, closed)"),
    # --type is a closed set like --status: a typo must be refused, not look like an empty desk.
    "unknown-type-filter": Case(("list", "--type", "incidnet"), lambda d: "unknown type 'incidnet' (use one of: incident, request)"),
    "unknown-priority-filter": Case(("list", "-p", "P0"), lambda d: "unknown priority 'P0' (use one of: P1, P2, P3, P4, P5)"),
    "format-xml": Case(("list", "--format", "xml"), lambda d: "unknown format 'xml' (use one of: table, md, csv, json)"),
    "bad-sort": Case(("list", "--sort", "mood"), lambda d: "cannot sort by 'mood' (use one of: priority, created, updated, status, id)"),
    "assign-nothing": Case(("assign", "{one}"), lambda d: "nothing to assign (give --owner NAME and/or --group GROUP)"),
    "assign-same": Case(("assign", "{one}", "--group", "network"),
                        lambda d: f"{d.one} already has that owner and group; nothing to change"),
    "categorise-nothing": Case(("categorise", "{one}"), lambda d: "nothing to categorise (give --category, --impact, --urgency or --type)"),
    "categorise-same": Case(("categorise", "{one}", "-c", "network/vpn"),
                            lambda d: f"{d.one} is already categorised that way; nothing to change"),
    "log-empty": Case(("log", "{one}", ""), lambda d: "nothing to log: the text is empty"),
    "log-blank-stdin": Case(("log", "{one}", "-"), lambda d: "nothing to log: the text is empty"),
    "bad-owner": Case(("assign", "{one}", "--owner", "Eve <eve@example.org>"),
                      lambda d: "owner 'Eve <eve@example.org>' is not a usable name (use a plain name or e-mail address without < >)"),
    "unknown-option": Case(("list", "--frobnicate"),
                           lambda d: "No such option: --frobnicate (Possible options: --format) (see 'itsm list --help')"),
    "unknown-command": Case(("frobnicate",), lambda d: "No such command 'frobnicate'. (see 'itsm --help')"),
    "missing-title": Case(("new",), lambda d: "Missing argument 'title'. (see 'itsm new --help')"),
    "config-bad-key-new": Case(
        ("new", "Disk full"),
        lambda d: f"itsm.yaml:{d.config_lines + 1}: unknown key 'frobnicate' (known: ids, default_group, default_channel, groups, categories, "
                  "priority_matrix, sla, business_hours, autoclose_days, chase, resolution_codes, git, requests, major_incident, email, alerts, serve) (fix itsm.yaml; `itsm check` lists every fault)",
        bad_config,
    ),
    "config-bad-key-log": Case(
        ("log", "{one}", "hello"),
        lambda d: f"itsm.yaml:{d.config_lines + 1}: unknown key 'frobnicate' (known: ids, default_group, default_channel, groups, categories, "
                  "priority_matrix, sla, business_hours, autoclose_days, chase, resolution_codes, git, requests, major_incident, email, alerts, serve) (fix itsm.yaml; `itsm check` lists every fault)",
        bad_config,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_bad_invocation_is_refused_and_changes_nothing(desk2: Desk2, run_itsm: RunItsm, name: str) -> None:
    case = CASES[name]
    if case.setup is not None:
        case.setup(desk2)
    args = [a.format(one=desk2.one, one8=desk2.one[:8].lower()) for a in case.args]
    before = snapshot(desk2.root)
    commits = git(desk2.root, "rev-parse", "HEAD")
    done = run_itsm(*args)
    assert_refused(desk2.root, before, done, case.message(desk2))
    assert git(desk2.root, "rev-parse", "HEAD") == commits


HOSTILE = {
    "dotdot": ("../../etc/passwd", "'../../etc/passwd' is not a record ID"),
    "absolute": ("/etc/passwd", "'/etc/passwd' is not a record ID"),
    "id-then-dotdot": ("INC-AAAA/../../x", "'INC-AAAA/../../x' is not a record ID"),
    "control-char": ("INC\x01", "'INC\\x01' is not a record ID"),
    "escape-sequence": ("INC-\x1b[2J", "'INC-\\x1b[2J' is not a record ID"),
    "newline": ("INC-AB\nCD", "'INC-AB\\nCD' is not a record ID"),
    "backslash": ("INC-AB\\..\\x", "'INC-AB\\\\..\\\\x' is not a record ID"),
    "glob": ("INC-*", "'INC-*' is not a record ID"),
    "empty": ("", "'' is not a record ID"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_ids_are_refused(desk2: Desk2, run_itsm: RunItsm, name: str) -> None:
    ref, message = HOSTILE[name]
    before = snapshot(desk2.root)
    for args in (("show", ref), ("log", ref, "a note")):
        done = run_itsm(*args)
        assert_refused(desk2.root, before, done, f"{message} {ID_HINT}")


@pytest.fixture
def outside_link(desk2: Desk2, tmp_path: Path) -> str:
    """tickets/2026-11/INC-EXT000.md is a symlink to a valid-looking ticket outside the desk."""
    secret = tmp_path / "outside" / "INC-EXT000.md"
    secret.parent.mkdir()
    text = ticket_file(desk2.root, desk2.one).read_text()
    secret.write_text(text.replace(f"id: {desk2.one}\n", "id: INC-EXT000\n"))
    ticket_file(desk2.root, "INC-EXT000").symlink_to(secret)
    commit_all(desk2.root, "a link out of the desk")
    return "INC-EXT000"


@pytest.mark.parametrize("args", [("show", "INC-EXT000"), ("show", "inc-ext"),
                                  ("log", "INC-EXT000", "hello"), ("assign", "INC-EXT000", "--owner", "Eve")])
def test_symlink_out_of_the_desk_is_refused(desk2: Desk2, outside_link: str, run_itsm: RunItsm,
                                            args: tuple[str, ...]) -> None:
    before = snapshot(desk2.root)
    done = run_itsm(*args)
    assert_refused(desk2.root, before, done,
                   f"tickets/{MONTH}/INC-EXT000.md is a link out of the desk; refusing to follow it")


def test_symlink_out_of_the_desk_does_not_stop_list(desk2: Desk2, outside_link: str, run_itsm: RunItsm) -> None:
    done = run_itsm("list", "--sort", "id", "--json")
    assert done.returncode == 0, done.stderr
    assert [row["id"] for row in json.loads(done.stdout)] == sorted([desk2.one, desk2.twin])
    assert done.stderr == (
        f"itsm: warning: skipping tickets/{MONTH}/INC-EXT000.md: is a link out of the desk; not read (run `itsm check`)\n"
    )


def test_symlink_out_of_the_desk_is_a_check_finding(desk2: Desk2, outside_link: str, run_itsm: RunItsm) -> None:
    done = run_itsm("check")
    assert done.returncode == 1
    assert done.stdout == f"tickets/{MONTH}/INC-EXT000.md: is a link out of the desk; not read\n"
    assert done.stderr == "itsm check: 1 fault in 1 file (3 tickets, 0 problems, 0 KB articles)\n"


def test_refusal_on_a_fresh_desk_creates_no_file(desk: Path, run_itsm: RunItsm) -> None:
    """The very first command on a new desk is refused: not even the cache folder appears."""
    before = snapshot(desk)
    for args in (("log", "INC-ZZZZ", "hello"), ("assign", "INC-ZZZZ", "--owner", "Bob Stone"),
                 ("categorise", "INC-ZZZZ", "--impact", "high")):
        done = run_itsm(*args)
        assert_refused(desk, before, done, "no record matches 'INC-ZZZZ' (`itsm list` shows the tickets)")


# -- a malformed record beside good ones --------------------------------------------------


@dataclass
class Broken:
    root: Path
    good: str
    bad: str
    bad_path: str


@pytest.fixture
def broken(desk: Path, run_itsm: RunItsm) -> Broken:
    good = new(run_itsm, "Printer jams", "-c", "hardware/printer")
    bad = new(run_itsm, "Mail slow", "-c", "email/mailbox")
    path = ticket_file(desk, bad)
    path.write_text(path.read_text().replace("title: Mail slow\n", "title: Mail: slow\n"))
    commit_all(desk, "a malformed record")
    return Broken(desk, good, bad, f"tickets/{MONTH}/{bad}.md")


def test_list_skips_a_malformed_record_and_warns(broken: Broken, run_itsm: RunItsm) -> None:
    done = run_itsm("list", "--json")
    assert done.returncode == 0
    assert [row["id"] for row in json.loads(done.stdout)] == [broken.good]
    assert done.stderr == (
        f"itsm: warning: skipping {broken.bad_path}:3: mapping values are not allowed here (run `itsm check`)\n"
    )


def test_show_of_a_good_record_works_beside_a_malformed_one(broken: Broken, run_itsm: RunItsm) -> None:
    done = run_itsm("show", broken.good, "--json")
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout)["title"] == "Printer jams"
    done = run_itsm("log", broken.good, "Cleared the jam")
    assert (done.returncode, done.stderr) == (0, "")
    assert git(broken.root, "log", "-1", "--format=%s").strip() == f"{broken.good} note: Cleared the jam"


def test_new_works_beside_a_malformed_record(broken: Broken, run_itsm: RunItsm) -> None:
    done = run_itsm("new", "Screen flickers")
    assert (done.returncode, done.stderr) == (0, "")
    new_id = done.stdout.strip()
    assert ticket_file(broken.root, new_id).is_file()
    assert git(broken.root, "log", "-1", "--format=%s").strip() == f"{new_id} new: Screen flickers"


@pytest.mark.parametrize("command", [("show",), ("log", "hello"), ("assign", "--owner", "Bob Stone")])
def test_commands_on_the_malformed_record_are_refused_naming_file_and_line(
    broken: Broken, run_itsm: RunItsm, command: tuple[str, ...]
) -> None:
    before = snapshot(broken.root)
    done = run_itsm(command[0], broken.bad, *command[1:])
    assert_refused(
        broken.root, before, done,
        f"{broken.bad_path}:3: mapping values are not allowed here (fix the file by hand (`itsm check` lists every fault))",
    )


def test_check_names_the_malformed_record(broken: Broken, run_itsm: RunItsm) -> None:
    done = run_itsm("check")
    assert done.returncode == 1
    assert done.stdout == f"{broken.bad_path}:3: mapping values are not allowed here\n"
    assert done.stderr == "itsm check: 1 fault in 1 file (2 tickets, 0 problems, 0 KB articles)\n"
