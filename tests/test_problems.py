"""Problem records through the real `itsm` process and real git: new, link, workaround,
resolve, close, list, show; links kept on both sides in one commit; every (state, action)
pair of the problem lifecycle; `itsm check` on one-sided links.

Speed: one desk with tickets and problems in every state is built once through the CLI and
copied per test. After each successful command the desk is validated in-process with the
same `check_desk` that `itsm check` runs (the `itsm check` process itself is exercised at the
end of this file): a process per check would double the file's runtime.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from itsm.core.model import Article, Problem, Ticket
from itsm.domain.lifecycle import PROBLEM_TRANSITIONS
from itsm.operations import desk_check, desk_init
from itsm.records import markdown
from itsm.storage.store import Desk
from tests.conftest import NOW, RunItsm, Templates, git, run_cli, snapshot

MONTH = "2026-11"
LATER = "2026-11-27T14:30:00Z"
PRB_RE = re.compile(r"^PRB-[0-9ABCDEFGHJKMNPQRSTVWXYZ]{6}$")
ENTRY_RE = re.compile(r"<!-- [0-9A-Z]{8} -->")

# The problem lifecycle as the issue states it, written out independently of the code:
# open -> known_error (a workaround) -> resolved (a fix) -> closed; links allowed until closed.
EXPECTED_TRANSITIONS: dict[str, dict[str, str]] = {
    "link": {"open": "open", "known_error": "known_error", "resolved": "resolved"},
    "workaround": {"open": "known_error", "known_error": "known_error"},
    "resolve": {"open": "resolved", "known_error": "resolved"},
    "close": {"resolved": "closed"},
    # Issue 9: a link made by mistake comes off until the problem is closed; a fix that did
    # not hold reopens a resolved problem (to known_error when it has a workaround).
    "unlink": {"open": "open", "known_error": "known_error", "resolved": "resolved"},
    "reopen": {"resolved": "open"},
}
STATES = ("open", "known_error", "resolved", "closed")


# -- helpers ------------------------------------------------------------------------------


def ok(run_itsm: RunItsm, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command that must succeed with nothing on stderr; return its stdout."""
    done = run_itsm(*args, input=input, env=env)
    assert done.returncode == 0, (args, done.stderr)
    assert done.stderr == "", args
    return done.stdout


def new_ticket(run_itsm: RunItsm, title: str, *args: str) -> str:
    out = ok(run_itsm, "new", "--quiet", title, "-c", "network/vpn", *args)
    assert re.fullmatch(r"INC-[0-9A-Z]{6}\n", out)
    return out.strip()


def new_problem(run_itsm: RunItsm, title: str, *args: str, env: dict[str, str] | None = None) -> str:
    out = ok(run_itsm, "problem", "new", title, *args, env=env)
    assert PRB_RE.match(out.strip())
    assert out == out.strip() + "\n"
    return out.strip()


def problem_path(desk: Path, problem_id: str) -> Path:
    return desk / "problems" / f"{problem_id}.md"


def ticket_path(desk: Path, ticket_id: str) -> Path:
    return desk / "tickets" / MONTH / f"{ticket_id}.md"


def read_problem(desk: Path, problem_id: str) -> Problem:
    record = markdown.parse(problem_path(desk, problem_id).read_text(encoding="utf-8"), "problem")
    assert isinstance(record, Problem)
    return record


def read_ticket(desk: Path, ticket_id: str) -> Ticket:
    record = markdown.parse(ticket_path(desk, ticket_id).read_text(encoding="utf-8"), "ticket")
    assert isinstance(record, Ticket)
    return record


def commit_count(desk: Path) -> int:
    return int(git(desk, "rev-list", "--count", "HEAD").strip())


def last_subject(desk: Path) -> str:
    return git(desk, "log", "-1", "--format=%s").strip()


def last_files(desk: Path) -> list[str]:
    return sorted(git(desk, "show", "--name-only", "--format=", "HEAD").split())


def assert_clean(desk: Path) -> None:
    """What `itsm check` would say: no fault; and git has everything committed."""
    assert [str(f) for f in desk_check.check_desk(Desk.discover(desk))] == []
    assert git(desk, "status", "--porcelain") == ""


def assert_refused_unchanged(desk: Path, run_itsm: RunItsm, args: tuple[str, ...], message: str) -> None:
    before = snapshot(desk)
    done = run_itsm(*args)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", f"itsm: error: {message}\n"), args
    assert snapshot(desk) == before
    assert git(desk, "status", "--porcelain") == ""


def assert_linked(desk: Path, ticket_id: str, problem_id: str, status: str, time: str = NOW) -> None:
    """The ticket side of a link: `problem` set, a `link` entry last, the status unchanged."""
    ticket = read_ticket(desk, ticket_id)
    assert (ticket.problem, ticket.status, ticket.updated) == (problem_id, status, time)
    last = ticket.timeline[-1]
    assert (last.time, last.kind, last.actor, last.text) == (
        time, "link", "Alice Moreau", f"Linked to problem {problem_id}.",
    )


# -- one desk with everything, built once -------------------------------------------------


@dataclass(frozen=True)
class Built:
    new: str         # ticket, new, no problem: "VPN drops every few minutes"
    assigned: str    # ticket, assigned to Bob Martin, no problem: "VPN disconnects during calls"
    resolved: str    # ticket, resolved, no problem: "VPN slow after the update"
    closed: str      # ticket, closed, no problem: "VPN dropped in October"
    linked: str      # ticket, new, on `open`: "VPN tunnel resets at noon"
    wifi1: str       # ticket, new, on `known_error`: "Wi-Fi drops in room 4"
    wifi2: str       # ticket, new, on `known_error`: "Wi-Fi slow in the canteen"
    problems: dict[str, str]  # one problem per state


def build(run_itsm: RunItsm) -> Built:
    fresh = new_ticket(run_itsm, "VPN drops every few minutes")
    assigned = new_ticket(run_itsm, "VPN disconnects during calls", "--owner", "Bob Martin")
    resolved = new_ticket(run_itsm, "VPN slow after the update", "--owner", "Bob Martin")
    ok(run_itsm, "resolve", resolved, "--fix", "Rolled the client back")
    closed = new_ticket(run_itsm, "VPN dropped in October", "--owner", "Bob Martin")
    for args in (("resolve", closed, "--fix", "Router restarted"), ("notify", closed), ("confirm", closed),
                 ("close", closed)):
        ok(run_itsm, *args)
    linked = new_ticket(run_itsm, "VPN tunnel resets at noon")
    wifi1 = new_ticket(run_itsm, "Wi-Fi drops in room 4")
    wifi2 = new_ticket(run_itsm, "Wi-Fi slow in the canteen")
    problems = {
        "open": new_problem(run_itsm, "VPN drops on PPPoE", "-c", "network/vpn", "-i", linked),
        "known_error": new_problem(run_itsm, "Wi-Fi roams badly", "-c", "network/wifi", "-i", wifi1, "-i", wifi2),
        "resolved": new_problem(run_itsm, "Printer queue sticks", "-c", "hardware/printer",
                                env={"ITSM_NOW": "2026-11-26T08:00:00Z"}),
        "closed": new_problem(run_itsm, "Mail stalls at quota", "-c", "email/mailbox",
                              "-d", "Mail stops when a mailbox is full.", env={"ITSM_NOW": "2026-11-25T09:00:00Z"}),
    }
    ok(run_itsm, "problem", "workaround", problems["known_error"], "Pin the client to one access point")
    ok(run_itsm, "problem", "resolve", problems["resolved"], "--fix", "Spooler patched", "--root-cause",
       "A spooler bug")
    ok(run_itsm, "problem", "workaround", problems["closed"], "Archive old mail")
    ok(run_itsm, "problem", "resolve", problems["closed"], "--fix", "Quota raised to 50 GB",
       "--root-cause", "Quota left at the 2010 default")
    ok(run_itsm, "problem", "close", problems["closed"])
    return Built(fresh, assigned, resolved, closed, linked, wifi1, wifi2, problems)


def runner(root: Path) -> RunItsm:
    """conftest's `run_itsm`, in the template's folder."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return run_cli(cwd or root, *args, input=input, env=env)

    return run


def _built(root: Path) -> Built:
    desk_init.init(root)
    built = build(runner(root))
    for state, problem_id in built.problems.items():
        assert read_problem(root, problem_id).status == state
    statuses = [read_ticket(root, t).status for t in (built.new, built.assigned, built.resolved, built.closed)]
    assert statuses == ["new", "assigned", "resolved", "closed"]
    assert_clean(root)
    return built


@pytest.fixture
def built_desk(pinned_env: None, tmp_path: Path, templates: Templates) -> tuple[Path, Built]:
    copy = tmp_path / "desk"
    return copy, templates.copy("problems", copy, _built)


@pytest.fixture
def desk(built_desk: tuple[Path, Built]) -> Path:
    """Overrides conftest's empty desk: a copy (git repository and all) of the desk above, built
    once through the CLI with the same pinned clock and identity."""
    return built_desk[0]


@pytest.fixture
def b(built_desk: tuple[Path, Built]) -> Built:
    return built_desk[1]


# -- new ----------------------------------------------------------------------------------


def test_new_links_both_sides_in_one_commit(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    before = commit_count(desk)
    problem_id = new_problem(
        run_itsm, "VPN tunnel drops on home routers", "-c", "network/vpn",
        "-d", "Tunnels drop on PPPoE lines.", "-i", b.new, "-i", b.assigned, env={"ITSM_NOW": LATER},
    )
    text = ENTRY_RE.sub("<!-- ENTRY -->", problem_path(desk, problem_id).read_text(encoding="utf-8"))
    assert text == (
        "---\n"
        f"id: {problem_id}\n"
        "title: VPN tunnel drops on home routers\n"
        "status: open\n"
        "category: network/vpn\n"
        "owner: Alice Moreau\n"
        "incidents:\n"
        f"- {b.new}\n"
        f"- {b.assigned}\n"
        "kb: []\n"
        "workaround:\n"
        "root_cause:\n"
        "fix:\n"
        f"created: {LATER}\n"
        f"updated: {LATER}\n"
        "resolved:\n"
        "closed:\n"
        "---\n"
        "\n"
        "Tunnels drop on PPPoE lines.\n"
        "\n"
        "## Timeline\n"
        "\n"
        f"### {LATER} · created · Alice Moreau <!-- ENTRY -->\n"
        '<!-- set {"title": "VPN tunnel drops on home routers", "status": "open", "category": "network/vpn", '
        f'"owner": "Alice Moreau", "incidents": ["{b.new}", "{b.assigned}"]}} -->\n'
        "\n"
        f"Problem recorded, from {b.new}, {b.assigned}.\n"
    )
    assert_linked(desk, b.new, problem_id, "new", LATER)
    assert_linked(desk, b.assigned, problem_id, "assigned", LATER)
    assert commit_count(desk) == before + 1
    assert last_subject(desk) == f"{problem_id} new: VPN tunnel drops on home routers"
    assert last_files(desk) == sorted([
        f"problems/{problem_id}.md", f"tickets/{MONTH}/{b.new}.md", f"tickets/{MONTH}/{b.assigned}.md",
    ])
    assert_clean(desk)


def test_new_takes_id_prefixes_and_links_a_ticket_named_twice_once(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    problem_id = new_problem(run_itsm, "VPN drops", "-i", b.new[:7].lower(), "-i", b.new)
    assert read_problem(desk, problem_id).incidents == (b.new,)
    assert [e.kind for e in read_ticket(desk, b.new).timeline] == ["created", "link"]
    assert last_files(desk) == sorted([f"problems/{problem_id}.md", f"tickets/{MONTH}/{b.new}.md"])
    assert_clean(desk)


def test_new_description_dash_reads_stdin_and_json_prints_the_record(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    out = ok(run_itsm, "problem", "new", "Old VPN outages", "-c", "network/vpn", "--description", "-",
             "--incident", b.closed, "--json", input="The tunnel stops\n\nwhen the gateway restarts.\n")
    data = json.loads(out)
    problem_id = data["id"]
    assert PRB_RE.match(problem_id)
    entry_id = data["timeline"][0]["id"]
    assert data == {
        "kind": "problem", "id": problem_id, "title": "Old VPN outages", "status": "open",
        "category": "network/vpn", "owner": "Alice Moreau", "incidents": [b.closed], "kb": [],
        "workaround": None, "root_cause": None, "fix": None, "created": NOW, "updated": NOW,
        "resolved": None, "closed": None, "description": "The tunnel stops\n\nwhen the gateway restarts.",
        "timeline": [{"id": entry_id, "time": NOW, "actor": "Alice Moreau", "kind": "created",
                      "text": f"Problem recorded, from {b.closed}.",
                      "changes": {"title": "Old VPN outages", "status": "open", "category": "network/vpn",
                                  "owner": "Alice Moreau", "incidents": [b.closed]}}],
    }
    assert read_problem(desk, problem_id).description == "The tunnel stops\n\nwhen the gateway restarts."
    # Decision: a closed ticket can be linked (problem management looks back at past incidents).
    assert_linked(desk, b.closed, problem_id, "closed")
    assert last_subject(desk) == f"{problem_id} new: Old VPN outages"
    assert_clean(desk)


def test_new_without_incidents(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    problem_id = new_problem(run_itsm, "Printers lose their queue")
    problem = read_problem(desk, problem_id)
    assert (problem.incidents, problem.category, problem.status, problem.owner) == ((), None, "open", "Alice Moreau")
    assert [(e.kind, e.text) for e in problem.timeline] == [("created", "Problem recorded.")]
    assert last_files(desk) == [f"problems/{problem_id}.md"]
    assert_clean(desk)


@pytest.mark.parametrize("case", ["unknown ticket", "linked elsewhere", "unknown category", "empty title"])
def test_new_refusals_change_nothing(desk: Path, run_itsm: RunItsm, b: Built, case: str) -> None:
    wifi = b.problems["known_error"]
    args, message = {
        "unknown ticket": (("VPN drops", "-i", b.new, "-i", "INC-ZZZZZZ"),
                           "no record matches 'INC-ZZZZZZ' (`itsm list` shows the tickets)"),
        "linked elsewhere": (("VPN drops", "-i", b.new, "-i", b.wifi1),
                             f"{b.wifi1} is already linked to {wifi} "
                             f"(a ticket has one problem; unlink it from {wifi} first by hand)"),
        "unknown category": (("VPN drops", "-c", "network/vpm", "-i", b.new),
                             "unknown category 'network/vpm' (did you mean network/vpn, network/dns, network/wifi?)"),
        "empty title": (("  ", "-i", b.new), "the title is empty (say in a few words what is wrong or needed)"),
    }[case]
    assert_refused_unchanged(desk, run_itsm, ("problem", "new", *args), message)


# -- link ---------------------------------------------------------------------------------


def test_link_writes_both_sides_in_one_commit(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    problem_id = b.problems["open"]
    before = commit_count(desk)
    out = ok(run_itsm, "problem", "link", problem_id, b.assigned, b.closed, env={"ITSM_NOW": LATER})
    assert out == f"{problem_id} link: linked {b.assigned}, {b.closed} [open]\n"
    assert commit_count(desk) == before + 1
    assert last_subject(desk) == f"{problem_id} link: linked {b.assigned}, {b.closed}"
    assert last_files(desk) == sorted([
        f"problems/{problem_id}.md", f"tickets/{MONTH}/{b.assigned}.md", f"tickets/{MONTH}/{b.closed}.md",
    ])
    problem = read_problem(desk, problem_id)
    assert (problem.incidents, problem.status, problem.updated) == ((b.linked, b.assigned, b.closed), "open", LATER)
    last = problem.timeline[-1]
    assert (last.time, last.kind, last.actor, last.text) == (LATER, "link", "Alice Moreau",
                                                             f"linked {b.assigned}, {b.closed}")
    assert_linked(desk, b.assigned, problem_id, "assigned", LATER)
    # Decision: a closed ticket can be linked, and stays closed.
    assert_linked(desk, b.closed, problem_id, "closed", LATER)
    assert_clean(desk)


def test_link_skips_a_ticket_already_on_the_problem(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    problem_id = b.problems["open"]
    linked_text = ticket_path(desk, b.linked).read_bytes()
    out = ok(run_itsm, "problem", "link", problem_id, b.linked, b.resolved.lower())
    assert out == f"{problem_id} link: linked {b.resolved} [open]\n"
    assert ticket_path(desk, b.linked).read_bytes() == linked_text
    assert read_problem(desk, problem_id).incidents == (b.linked, b.resolved)
    assert_linked(desk, b.resolved, problem_id, "resolved")
    assert last_files(desk) == sorted([f"problems/{problem_id}.md", f"tickets/{MONTH}/{b.resolved}.md"])
    assert_clean(desk)


@pytest.mark.parametrize("case", ["already linked", "linked elsewhere", "one of two elsewhere", "unknown ticket",
                                  "a problem as ticket", "unknown problem"])
def test_link_refusals_change_nothing(desk: Path, run_itsm: RunItsm, b: Built, case: str) -> None:
    problem_id, wifi = b.problems["open"], b.problems["known_error"]
    elsewhere = f"{b.wifi1} is already linked to {wifi} (a ticket has one problem; unlink it from {wifi} first by hand)"
    args, message = {
        "already linked": ((problem_id, b.linked), f"{problem_id} and {b.linked} are already linked; nothing to link"),
        "linked elsewhere": ((problem_id, b.wifi1), elsewhere),
        "one of two elsewhere": ((problem_id, b.new, b.wifi1), elsewhere),
        "unknown ticket": ((problem_id, b.new, "INC-ZZZZZZ"),
                           "no record matches 'INC-ZZZZZZ' (`itsm list` shows the tickets)"),
        "a problem as ticket": ((problem_id, wifi), f"'{wifi}' is a problem ID; this command takes a ticket"),
        "unknown problem": (("PRB-ZZZZZZ", b.new), "no record matches 'PRB-ZZZZZZ' (the problems are in problems/)"),
    }[case]
    assert_refused_unchanged(desk, run_itsm, ("problem", "link", *args), message)


# -- every (state, action) pair ------------------------------------------------------------


def test_the_expected_table_is_the_code_table() -> None:
    assert PROBLEM_TRANSITIONS == EXPECTED_TRANSITIONS


ACTION_ARGS: dict[str, tuple[str, ...]] = {
    "link": (),  # the ticket to link is added in the test
    "workaround": ("Reconnect to the guest network",),
    "resolve": ("--fix", "Firmware 4.2 installed", "--root-cause", "A firmware bug"),
    "close": (),
}
SUMMARY = {
    "workaround": "Reconnect to the guest network",
    "resolve": "fix: Firmware 4.2 installed",
    "close": "closed",
}


@pytest.mark.parametrize(("state", "action"), [(s, a) for a in EXPECTED_TRANSITIONS for s in STATES
                                               if a not in ("unlink", "reopen")])  # tested apart, below
def test_every_state_action_pair(desk: Path, run_itsm: RunItsm, b: Built, state: str, action: str) -> None:
    problem_id = b.problems[state]
    before_problem = read_problem(desk, problem_id)
    assert before_problem.status == state
    args = ("problem", action, problem_id, *ACTION_ARGS[action], *((b.new,) if action == "link" else ()))
    after_state = EXPECTED_TRANSITIONS[action].get(state)
    if after_state is None:
        if state == "closed":
            message = f"{problem_id} is closed; a closed problem is final (open a new problem record)"
        else:
            allowed = ", ".join(EXPECTED_TRANSITIONS[action])
            message = f"cannot {action} {problem_id}: it is {state}; {action} is allowed when {allowed}"
        assert_refused_unchanged(desk, run_itsm, args, message)
        return
    before = commit_count(desk)
    out = ok(run_itsm, *args, env={"ITSM_NOW": LATER})
    summary = f"linked {b.new}" if action == "link" else SUMMARY[action]
    expected = f"{problem_id} {action}: {summary} [{after_state}]\n"
    if action == "resolve":  # every incident on these problems is still new
        for ticket_id in before_problem.incidents:
            title = read_ticket(desk, ticket_id).title
            expected += f"  still open: {ticket_id} [new] {title} (itsm resolve {ticket_id} --fix ...)\n"
    assert out == expected
    assert commit_count(desk) == before + 1
    assert last_subject(desk) == f"{problem_id} {action}: {summary}"
    problem = read_problem(desk, problem_id)
    assert problem.status == after_state
    last = problem.timeline[-1]
    assert (problem.updated, last.time, last.kind, last.actor) == (LATER, LATER, action, "Alice Moreau")
    if action == "link":
        assert problem.incidents == (*before_problem.incidents, b.new)
        assert_linked(desk, b.new, problem_id, "new", LATER)
    elif action == "workaround":
        assert (problem.workaround, last.text) == ("Reconnect to the guest network", "Reconnect to the guest network")
    elif action == "resolve":
        assert (problem.fix, problem.root_cause, problem.resolved, last.text) == (
            "Firmware 4.2 installed", "A firmware bug", LATER, "fix: Firmware 4.2 installed\nRoot cause: A firmware bug",
        )
        assert problem.workaround == before_problem.workaround  # a fix keeps the workaround on record
    else:
        assert (problem.closed, problem.fix) == (LATER, before_problem.fix)
    if action != "link":
        assert last_files(desk) == [f"problems/{problem_id}.md"]
    assert_clean(desk)


# -- workaround ---------------------------------------------------------------------------


def test_workaround_dash_reads_stdin_and_the_subject_is_its_first_line(desk: Path, run_itsm: RunItsm,
                                                                       b: Built) -> None:
    problem_id = b.problems["open"]
    out = ok(run_itsm, "problem", "workaround", problem_id, "-", "--json",
             input="1. Open the VPN client.\n2. Choose SSL-only.\n")
    data = json.loads(out)
    steps = "1. Open the VPN client.\n2. Choose SSL-only."
    assert (data["id"], data["status"], data["workaround"], data["timeline"][-1]["text"]) == (
        problem_id, "known_error", steps, steps,
    )
    assert last_subject(desk) == f"{problem_id} workaround: 1. Open the VPN client."
    problem = read_problem(desk, problem_id)
    assert (problem.status, problem.workaround) == ("known_error", steps)
    assert_clean(desk)


@pytest.mark.parametrize("text", ["", "  \n\t "])
def test_empty_workaround_is_refused(desk: Path, run_itsm: RunItsm, b: Built, text: str) -> None:
    assert_refused_unchanged(desk, run_itsm, ("problem", "workaround", b.problems["open"], text),
                             "the workaround is empty (say what restores service, step by step)")


# -- resolve ------------------------------------------------------------------------------


def resolve_with_four_incidents(desk: Path, run_itsm: RunItsm, b: Built, *extra: str) -> tuple[str, str]:
    """Resolve the open problem with incidents new, assigned, resolved and closed."""
    problem_id = b.problems["open"]
    ok(run_itsm, "problem", "link", problem_id, b.resolved, b.assigned, b.closed)
    out = ok(run_itsm, "problem", "resolve", problem_id, "--fix", "Gateway MTU set to 1400",
             "--root-cause", "ISP PPPoE overhead", *extra, env={"ITSM_NOW": LATER})
    return problem_id, out


def test_resolve_lists_the_linked_incidents_still_open(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    problem_id, out = resolve_with_four_incidents(desk, run_itsm, b)
    assert out == (
        f"{problem_id} resolve: fix: Gateway MTU set to 1400 [resolved]\n"
        f"  still open: {b.linked} [new] VPN tunnel resets at noon (itsm resolve {b.linked} --fix ...)\n"
        f"  still open: {b.assigned} [assigned] VPN disconnects during calls (itsm resolve {b.assigned} --fix ...)\n"
    )
    problem = read_problem(desk, problem_id)
    assert (problem.status, problem.fix, problem.root_cause, problem.resolved, problem.updated) == (
        "resolved", "Gateway MTU set to 1400", "ISP PPPoE overhead", LATER, LATER,
    )
    last = problem.timeline[-1]
    assert (last.kind, last.text) == ("resolve", "fix: Gateway MTU set to 1400\nRoot cause: ISP PPPoE overhead")
    assert last_subject(desk) == f"{problem_id} resolve: fix: Gateway MTU set to 1400"
    assert last_files(desk) == [f"problems/{problem_id}.md"]
    # Resolving the problem leaves the incidents alone: each is resolved on its own.
    assert [read_ticket(desk, t).status for t in (b.linked, b.assigned)] == ["new", "assigned"]
    assert_clean(desk)


def test_resolve_json_has_the_open_incidents(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    problem_id, out = resolve_with_four_incidents(desk, run_itsm, b, "--json")
    data = json.loads(out)
    assert data["open_incidents"] == [
        {"id": b.linked, "status": "new", "title": "VPN tunnel resets at noon"},
        {"id": b.assigned, "status": "assigned", "title": "VPN disconnects during calls"},
    ]
    assert (data["id"], data["status"], data["fix"], data["root_cause"], data["resolved"]) == (
        problem_id, "resolved", "Gateway MTU set to 1400", "ISP PPPoE overhead", LATER,
    )
    assert data["incidents"] == [b.linked, b.resolved, b.assigned, b.closed]


def test_resolve_without_root_cause_and_nothing_left_open(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    """Resolved, and warned: a problem's purpose is its cause (issue 9, item 10)."""
    problem_id = new_problem(run_itsm, "VPN outages", "-i", b.closed, "-i", b.resolved)
    done = run_itsm("problem", "resolve", problem_id, "--fix", "Client 5.1 rolled out")
    assert (done.returncode, done.stdout) == (0, f"{problem_id} resolve: fix: Client 5.1 rolled out [resolved]\n")
    assert done.stderr == (f"itsm: warning: {problem_id} is resolved without a root cause: the next person will "
                           "not learn why it happened (say it with --root-cause when you resolve a problem)\n")
    problem = read_problem(desk, problem_id)
    assert (problem.status, problem.root_cause, problem.timeline[-1].text) == (
        "resolved", None, "fix: Client 5.1 rolled out",
    )
    assert_clean(desk)


@pytest.mark.parametrize("fix", ["", "   "])
def test_empty_fix_is_refused(desk: Path, run_itsm: RunItsm, b: Built, fix: str) -> None:
    assert_refused_unchanged(desk, run_itsm, ("problem", "resolve", b.problems["open"], "--fix", fix),
                             "the fix is empty (say what removed the cause)")


# -- show ---------------------------------------------------------------------------------


def test_show_prints_workaround_root_cause_fix_incidents_and_timeline(desk: Path, run_itsm: RunItsm,
                                                                      b: Built) -> None:
    problem_id = b.problems["closed"]
    shown = ok(run_itsm, "problem", "show", problem_id)
    assert shown == (
        f"{problem_id}  Mail stalls at quota\n"
        "  problem, closed; category email/mailbox; owner Alice Moreau\n"
        "  incidents: (none); KB (none)\n"
        "  workaround: Archive old mail\n"
        "  root cause: Quota left at the 2010 default\n"
        "  fix: Quota raised to 50 GB\n"
        "\n"
        "Mail stops when a mailbox is full.\n"
        "\n"
        "Timeline:\n"
        "  2026-11-25T09:00:00Z  created    Alice Moreau\n"
        "      Problem recorded.\n"
        f"  {NOW}  workaround Alice Moreau\n"
        "      Archive old mail\n"
        f"  {NOW}  resolve    Alice Moreau\n"
        "      fix: Quota raised to 50 GB\n"
        "      Root cause: Quota left at the 2010 default\n"
        f"  {NOW}  close      Alice Moreau\n"
        "      closed\n"
    )


def test_show_with_incidents_and_through_itsm_show(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    problem_id = b.problems["known_error"]
    shown = ok(run_itsm, "problem", "show", problem_id.lower()[:7])
    assert shown.splitlines()[:4] == [
        f"{problem_id}  Wi-Fi roams badly",
        "  problem, known_error; category network/wifi; owner Alice Moreau",
        f"  incidents: {b.wifi1}, {b.wifi2}; KB (none)",
        "  workaround: Pin the client to one access point",
    ]
    assert ok(run_itsm, "show", problem_id) == shown
    data = json.loads(ok(run_itsm, "problem", "show", problem_id, "--json"))
    assert (data["kind"], data["id"], data["path"], data["incidents"], data["workaround"]) == (
        "problem", problem_id, f"problems/{problem_id}.md", [b.wifi1, b.wifi2], "Pin the client to one access point",
    )
    assert [e["kind"] for e in data["timeline"]] == ["created", "workaround"]


def test_show_names_the_kb_articles_its_incidents_were_resolved_with(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    problem_id = b.problems["known_error"]
    done = run_itsm("kb", "new", "Wi-Fi roaming between access points", "--body", "Pin the client.")
    assert done.returncode == 0, done.stderr
    kb_id = done.stdout.strip()
    ok(run_itsm, "resolve", b.wifi1, "--workaround", "Pinned to one access point", "--kb", kb_id)
    shown = ok(run_itsm, "problem", "show", problem_id)
    assert shown.splitlines()[2:4] == [f"  incidents: {b.wifi1}, {b.wifi2}; KB (none)",
                                       f"  {kb_id} used on {b.wifi1}"]
    data = json.loads(ok(run_itsm, "problem", "show", problem_id, "--json"))
    assert data["kb_used_by_incidents"] == {kb_id: [b.wifi1]}


@pytest.mark.parametrize("case", ["unknown", "a ticket"])
def test_show_refusals(desk: Path, run_itsm: RunItsm, b: Built, case: str) -> None:
    ref, message = {
        "unknown": ("PRB-ZZZZZZ", "no record matches 'PRB-ZZZZZZ' (the problems are in problems/)"),
        "a ticket": (b.new, f"'{b.new}' is a ticket ID; this command takes a problem"),
    }[case]
    assert_refused_unchanged(desk, run_itsm, ("problem", "show", ref), message)


# -- list ---------------------------------------------------------------------------------


def test_list_most_incidents_first_then_oldest(run_itsm: RunItsm, b: Built) -> None:
    p = b.problems
    assert ok(run_itsm, "problem", "list") == (
        "id          status       category            incidents  owner         title\n"
        "----------  -----------  ----------------  -----------  ------------  --------------------\n"
        f"{p['known_error']}  known_error  network/wifi                2  Alice Moreau  Wi-Fi roams badly\n"
        f"{p['open']}  open         network/vpn                 1  Alice Moreau  VPN drops on PPPoE\n"
        f"{p['closed']}  closed       email/mailbox               0  Alice Moreau  Mail stalls at quota\n"
        f"{p['resolved']}  resolved     hardware/printer            0  Alice Moreau  Printer queue sticks\n"
    )


@pytest.mark.parametrize(("args", "states"), [
    (("--status", "open", "--status", "resolved"), ["open", "resolved"]),
    (("--category", "network"), ["known_error", "open"]),
    (("-c", "net"), []),
    (("-c", "network/vpn", "-s", "known_error"), []),
])
def test_list_filters(run_itsm: RunItsm, b: Built, args: tuple[str, ...], states: list[str]) -> None:
    rows = json.loads(ok(run_itsm, "problem", "list", *args, "--json"))
    assert [row["id"] for row in rows] == [b.problems[s] for s in states]


def test_list_formats(run_itsm: RunItsm, b: Built) -> None:
    p = b.problems
    assert ok(run_itsm, "problem", "list", "-c", "network", "--format", "csv") == (
        "id,status,category,incidents,owner,title\n"
        f"{p['known_error']},known_error,network/wifi,2,Alice Moreau,Wi-Fi roams badly\n"
        f"{p['open']},open,network/vpn,1,Alice Moreau,VPN drops on PPPoE\n"
    )
    assert ok(run_itsm, "problem", "list", "-s", "known_error", "--format", "md") == (
        "| id         | status      | category     |   incidents | owner        | title             |\n"
        "|------------|-------------|--------------|-------------|--------------|-------------------|\n"
        f"| {p['known_error']} | known_error | network/wifi |           2 | Alice Moreau | Wi-Fi roams badly |\n"
    )
    rows = json.loads(ok(run_itsm, "problem", "list", "--format", "json"))
    assert [row["id"] for row in rows] == [p["known_error"], p["open"], p["closed"], p["resolved"]]
    assert rows[0]["incidents"] == [b.wifi1, b.wifi2]
    assert (rows[2]["kind"], rows[2]["status"], rows[2]["fix"], rows[2]["created"]) == (
        "problem", "closed", "Quota raised to 50 GB", "2026-11-25T09:00:00Z",
    )


@pytest.mark.parametrize(("args", "message"), [
    (("--status", "known-error"), "unknown status 'known-error' (use one of: open, known_error, resolved, closed)"),
    (("--format", "xml"), "unknown format 'xml' (use one of: table, md, csv, json)"),
])
def test_list_refusals(desk: Path, run_itsm: RunItsm, b: Built, args: tuple[str, ...], message: str) -> None:
    assert_refused_unchanged(desk, run_itsm, ("problem", "list", *args), message)


# -- `itsm check`: a one-sided link --------------------------------------------------------


def line_of(path: Path, key: str) -> int:
    """1-based line of a front-matter key, counted independently of itsm."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(f"{key}:"))


def edit_file(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


SUMMARY_ONE = "itsm check: 1 fault in 1 file (7 tickets, 4 problems, 0 KB articles)\n"


def test_itsm_check_is_clean_on_the_built_desk(run_itsm: RunItsm, b: Built) -> None:
    done = run_itsm("check")
    assert (done.returncode, done.stdout, done.stderr) == (
        0, "", "itsm check: ok (7 tickets, 4 problems, 0 KB articles)\n",
    )


def disagreement(path: Path, kind: str, key: str, written: str, said: str) -> str:
    """check's message for a key edited by hand: the timeline entry that set it last says otherwise."""
    record = markdown.parse(path.read_text(encoding="utf-8"), kind)
    assert not isinstance(record, Article)
    entry = [e for e in record.timeline if key in dict(e.changes)][-1]
    return (f"{key} is {written} but the timeline says {said} (entry {entry.id} ({entry.kind}, {entry.time})); "
            "the front-matter must tell what the timeline did")


def test_check_flags_a_ticket_that_dropped_its_problem(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    problem_id = b.problems["known_error"]
    ticket = ticket_path(desk, b.wifi2)
    edit_file(ticket, f"problem: {problem_id}\n", "problem:\n")
    git(desk, "commit", "-qam", "hand edit")
    done = run_itsm("check")
    line = line_of(problem_path(desk, problem_id), "incidents")
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        f"problems/{problem_id}.md:{line}: lists {b.wifi2}, but {b.wifi2} links no problem\n"
        f"tickets/{MONTH}/{b.wifi2}.md:{line_of(ticket, 'problem')}: "
        f"{disagreement(ticket, 'ticket', 'problem', 'empty', problem_id)}\n",
        "itsm check: 2 faults in 2 files (7 tickets, 4 problems, 0 KB articles)\n",
    )


def test_check_flags_a_problem_that_dropped_its_ticket(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    problem_id = b.problems["known_error"]
    problem = problem_path(desk, problem_id)
    edit_file(problem, f"- {b.wifi2}\n", "")
    git(desk, "commit", "-qam", "hand edit")
    done = run_itsm("check")
    line = line_of(ticket_path(desk, b.wifi2), "problem")
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        f"problems/{problem_id}.md:{line_of(problem, 'incidents')}: "
        f"{disagreement(problem, 'problem', 'incidents', b.wifi1, f'{b.wifi1}, {b.wifi2}')}\n"
        f"tickets/{MONTH}/{b.wifi2}.md:{line}: links {problem_id}, but {problem_id} does not list {b.wifi2}\n",
        "itsm check: 2 faults in 2 files (7 tickets, 4 problems, 0 KB articles)\n",
    )


def test_check_flags_a_ticket_pointing_at_another_problem(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    first, second = b.problems["open"], b.problems["known_error"]
    ticket = ticket_path(desk, b.linked)
    edit_file(ticket, f"problem: {first}\n", f"problem: {second}\n")
    git(desk, "commit", "-qam", "hand edit")
    done = run_itsm("check")
    assert done.returncode == 1
    assert done.stdout == (
        f"problems/{first}.md:{line_of(problem_path(desk, first), 'incidents')}: "
        f"lists {b.linked}, but {b.linked} links {second}\n"
        f"tickets/{MONTH}/{b.linked}.md:{line_of(ticket, 'problem')}: "
        f"links {second}, but {second} does not list {b.linked}\n"
        f"tickets/{MONTH}/{b.linked}.md:{line_of(ticket, 'problem')}: "
        f"{disagreement(ticket, 'ticket', 'problem', second, first)}\n"
    )
    assert done.stderr == "itsm check: 3 faults in 2 files (7 tickets, 4 problems, 0 KB articles)\n"


@pytest.mark.parametrize("side", ["problem side missing", "ticket side missing"])
def test_link_repairs_a_one_sided_link(desk: Path, run_itsm: RunItsm, b: Built, side: str) -> None:
    """The fix for the finding above is `itsm problem link`: it must not answer that there is
    nothing to link while `itsm check` still reports the link as one-sided."""
    problem_id = b.problems["known_error"]
    if side == "problem side missing":
        edit_file(problem_path(desk, problem_id), f"- {b.wifi2}\n", "")
    else:
        edit_file(ticket_path(desk, b.wifi2), f"problem: {problem_id}\n", "problem:\n")
    git(desk, "commit", "-qam", "hand edit")
    assert run_itsm("check").returncode == 1
    before = commit_count(desk)
    done = run_itsm("problem", "link", problem_id, b.wifi2)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert commit_count(desk) == before + 1
    assert read_problem(desk, problem_id).incidents == (b.wifi1, b.wifi2)
    assert read_ticket(desk, b.wifi2).problem == problem_id
    assert_clean(desk)


# -- issue 9, item 10: unlink, reopen, close with open incidents, no incident onto a closed problem --


def test_unlink_takes_the_link_off_both_sides_in_one_commit(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    problem_id = b.problems["known_error"]
    before = commit_count(desk)
    out = ok(run_itsm, "problem", "unlink", problem_id, b.wifi2.lower())
    assert out == f"{problem_id} unlink: unlinked {b.wifi2} [known_error]\n"
    assert commit_count(desk) == before + 1
    assert last_subject(desk) == f"{problem_id} unlink: unlinked {b.wifi2}"
    assert last_files(desk) == sorted([f"problems/{problem_id}.md", f"tickets/{MONTH}/{b.wifi2}.md"])
    problem, ticket = read_problem(desk, problem_id), read_ticket(desk, b.wifi2)
    assert (problem.incidents, problem.status) == ((b.wifi1,), "known_error")
    assert (ticket.problem, ticket.status) == (None, "new")
    last = ticket.timeline[-1]
    assert (last.time, last.kind, last.text) == (NOW, "unlink", f"Unlinked from problem {problem_id}.")
    assert problem.timeline[-1].kind == "unlink"
    assert_clean(desk)
    # Linked again later, as the link was before: nothing is in the way.
    assert ok(run_itsm, "problem", "link", problem_id, b.wifi2) == f"{problem_id} link: linked {b.wifi2} [known_error]\n"
    assert_clean(desk)


@pytest.mark.parametrize("case", ["not linked", "linked elsewhere", "closed problem", "no ticket named"])
def test_unlink_refusals_change_nothing(desk: Path, run_itsm: RunItsm, b: Built, case: str) -> None:
    args, message = {
        "not linked": ((b.problems["open"], b.new), f"{b.new} is not linked to {b.problems['open']}"),
        "linked elsewhere": ((b.problems["open"], b.wifi1),
                             f"{b.wifi1} is not linked to {b.problems['open']} (its problem: {b.problems['known_error']})"),
        "closed problem": ((b.problems["closed"], b.new),
                           f"{b.problems['closed']} is closed; a closed problem is final (open a new problem record)"),
        "no ticket named": ((b.problems["open"],), "Missing argument 'ID...'."),
    }[case]
    if case == "no ticket named":
        before = snapshot(desk)
        done = run_itsm("problem", "unlink", *args)
        assert done.returncode == 2 and message in done.stderr
        assert snapshot(desk) == before
        return
    assert_refused_unchanged(desk, run_itsm, ("problem", "unlink", *args), message)


def test_a_fix_that_did_not_hold_reopens_the_problem(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    problem_id = b.problems["resolved"]
    out = ok(run_itsm, "problem", "reopen", problem_id, "--reason", "Queue sticks again since Monday")
    assert out == f"{problem_id} reopen: Queue sticks again since Monday [open]\n"
    problem = read_problem(desk, problem_id)
    assert (problem.status, problem.fix, problem.resolved, problem.root_cause) == ("open", None, None, "A spooler bug")
    assert problem.timeline[-1].text == "Queue sticks again since Monday\nThe fix that did not hold: Spooler patched"
    assert_clean(desk)
    # Fixed again, properly this time: the lifecycle goes on.
    ok(run_itsm, "problem", "resolve", problem_id, "--fix", "Spooler replaced", "--root-cause", "Driver 3.1")
    assert read_problem(desk, problem_id).status == "resolved"
    assert_clean(desk)


def test_a_reopened_known_error_keeps_its_workaround(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    problem_id = b.problems["known_error"]
    ok(run_itsm, "problem", "resolve", problem_id, "--fix", "Firmware 4.2", "--root-cause", "Roaming bug")
    out = ok(run_itsm, "problem", "reopen", problem_id, "--reason", "Roams badly again")
    assert out == f"{problem_id} reopen: Roams badly again [known_error]\n"
    problem = read_problem(desk, problem_id)
    assert (problem.status, problem.workaround, problem.fix) == (
        "known_error", "Pin the client to one access point", None)
    assert_clean(desk)


@pytest.mark.parametrize("state", ["open", "known_error", "closed"])
def test_only_a_resolved_problem_reopens(desk: Path, run_itsm: RunItsm, b: Built, state: str) -> None:
    problem_id = b.problems[state]
    message = (f"{problem_id} is closed; a closed problem is final (open a new problem record)" if state == "closed"
               else f"cannot reopen {problem_id}: it is {state}; reopen is allowed when resolved")
    assert_refused_unchanged(desk, run_itsm, ("problem", "reopen", problem_id, "--reason", "again"), message)


def test_closing_with_open_incidents_is_refused_unless_forced(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    problem_id = b.problems["known_error"]
    ok(run_itsm, "problem", "resolve", problem_id, "--fix", "Firmware 4.2", "--root-cause", "Roaming bug")
    assert_refused_unchanged(
        desk, run_itsm, ("problem", "close", problem_id),
        f"{problem_id} still has open incidents: {b.wifi1} [new], {b.wifi2} [new] (resolve them first "
        "(itsm resolve ID ...), or close anyway with --force)")
    out = ok(run_itsm, "problem", "close", problem_id, "--force")
    assert out == f"{problem_id} close: closed, with open incidents: {b.wifi1} [new], {b.wifi2} [new] [closed]\n"
    assert read_problem(desk, problem_id).status == "closed"
    assert_clean(desk)


def test_resolving_an_incident_onto_a_closed_problem_is_refused(desk: Path, run_itsm: RunItsm, b: Built) -> None:
    closed = b.problems["closed"]
    assert_refused_unchanged(
        desk, run_itsm, ("resolve", b.assigned, "--workaround", "Archived old mail", "--problem", closed),
        f'{closed} is closed; a closed problem takes no new incidents (open a new problem for it: '
        f'itsm problem new "..." -i {b.assigned})')
