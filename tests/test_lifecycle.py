"""The ticket lifecycle through the real `itsm` process and real git (docs/lifecycle.md).

Every command in every state: an allowed pair moves the ticket where the table in
itsm/domain/lifecycle.py says (with docs/lifecycle.md's footnotes), in one commit and one timeline
entry; a refused pair exits 2 with one line naming the states where the action is allowed,
and changes nothing. Then the parts of the lifecycle with rules of their own: the close
checklist, closing by the user's silence and `itsm autoclose`, reopen, resolve's links, and
functional, hierarchical and major-incident escalation.

The desks are built once through the CLI and copied (git repository and all) per test.
"""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

from itsm.core.model import STATUSES
from itsm.domain.lifecycle import SAID_AS, TRANSITIONS
from itsm.operations.desk_check import check_desk
from itsm.storage.store import Desk
from tests.conftest import NOW, FromTemplate, RunItsm, git, snapshot

MONTH = "2026-11"
ACTOR = "Alice Moreau"  # $ITSM_ACTOR in every test (conftest)
REPORTER = "Maria Lopez"
OWNER = "Ben Okoro"
STATES = ("new", "assigned", "in_progress", "pending", "resolved", "closed")
FIVE_DAYS_LATER = "2026-12-01T09:00:00Z"  # NOW + autoclose_days (5, the default)
ENTRY_RE = re.compile(
    r"^### (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) · ([a-z][a-z0-9_-]*) · (.+?) <!-- [0-9A-Z]{8} -->$", re.MULTILINE
)
T = TypeVar("T")


# -- helpers ------------------------------------------------------------------------------



def at(moment: str) -> dict[str, str]:
    return {"ITSM_NOW": moment}


def ok(run_itsm: RunItsm, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    done = run_itsm(*args, env=env)
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


def new(run_itsm: RunItsm, title: str, *args: str, env: dict[str, str] | None = None) -> str:
    done = ok(run_itsm, "new", title, "--reporter", REPORTER, *args, env=env)
    # Nothing on stderr but the look-alikes `new` shows (these tests make many "VPN drops").
    assert all(line == "looks like:" or line.startswith("  ") for line in done.stderr.splitlines()), done.stderr
    return done.stdout.strip()


def path_of(root: Path, ticket_id: str) -> Path:
    return root / "tickets" / MONTH / f"{ticket_id}.md"


def rel(ticket_id: str) -> str:
    return f"tickets/{MONTH}/{ticket_id}.md"


def field(path: Path, key: str) -> str:
    """A plain front-matter value, read without itsm's own reader."""
    front = path.read_text(encoding="utf-8").split("---\n")[1]
    match = re.search(rf"^{key}:(.*)$", front, re.MULTILINE)
    assert match, key
    return match.group(1).strip()


def entries(path: Path) -> list[tuple[str, str, str, str]]:
    """The timeline as (time, kind, actor, text), read without itsm's own reader."""
    return entries_of_text(path.read_text(encoding="utf-8").split("\n## Timeline\n", 1)[1])


def entries_of_text(text: str) -> list[tuple[str, str, str, str]]:
    """Each entry's text is what follows its heading and, when the entry changed keys, the
    `<!-- set {...} -->` line right under the heading."""
    found = list(ENTRY_RE.finditer(text))
    blocks = [text[m.end():found[i + 1].start() if i + 1 < len(found) else len(text)] for i, m in enumerate(found)]
    return [(m.group(1), m.group(2), m.group(3), SET_LINE_RE.sub("", block, count=1).strip())
            for m, block in zip(found, blocks, strict=True)]


SET_LINE_RE = re.compile(r"\A\n<!-- set \{.*\} -->$", re.MULTILINE)


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD").strip()


def commit_count(root: Path) -> int:
    return int(git(root, "rev-list", "--count", "HEAD").strip())


def subject(root: Path, rev: str = "HEAD") -> str:
    return git(root, "log", "-1", "--format=%s", rev).strip()


def files_of(root: Path, rev: str = "HEAD") -> list[str]:
    return sorted(git(root, "show", "--name-only", "--format=", rev).split())


def show_json(run_itsm: RunItsm, record_id: str) -> dict[str, Any]:
    done = ok(run_itsm, "show", record_id, "--json")
    data: dict[str, Any] = json.loads(done.stdout)
    return data


def list_ids(run_itsm: RunItsm, *args: str) -> list[str]:
    done = ok(run_itsm, "list", *args, "--json")
    return [row["id"] for row in json.loads(done.stdout)]


def assert_check_clean(run_itsm: RunItsm) -> None:
    done = run_itsm("check")
    assert (done.returncode, done.stdout) == (0, ""), done.stdout
    assert done.stderr.startswith("itsm check: ok ("), done.stderr


def assert_valid(root: Path) -> None:
    """What `itsm check` checks, run in-process (fast enough for every pair of the matrix); the
    escalation tests and tests/test_check.py run the real `itsm check`."""
    assert [str(f) for f in check_desk(Desk.open(root))] == []


def assert_refused(root: Path, before: dict[str, bytes], head_before: str,
                   done: subprocess.CompletedProcess[str], message: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert done.stderr == f"itsm: error: {message}\n"
    assert snapshot(root) == before
    assert head(root) == head_before
    assert git(root, "status", "--porcelain") == ""


def refused(run_itsm: RunItsm, root: Path, message: str, *args: str, env: dict[str, str] | None = None) -> None:
    before, head_before = snapshot(root), head(root)
    assert_refused(root, before, head_before, run_itsm(*args, env=env), message)


def commit_by_hand(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


def editor(tmp_path: Path, code: str) -> str:
    """A real editor: a Python script that rewrites the file it is given with `code`."""
    script = tmp_path / "fake-editor.py"
    script.write_text(
        f"#!{sys.executable}\n"
        "import pathlib, re, sys\n"
        "path = pathlib.Path(sys.argv[1])\n"
        "text = path.read_text(encoding='utf-8')\n"
        f"{code}\n"
        "path.write_text(text, encoding='utf-8')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


RETITLE = "text = re.sub(r'(?m)^title: .*$', 'title: Retitled by hand', text, count=1)"
DISOWN = "text = re.sub(r'(?m)^owner: .*$', 'owner:', text, count=1)"


def drop_resolution(path: Path) -> None:
    """Write by hand the state no command makes: resolved, but no resolution recorded."""
    text, found = re.subn(r"(?m)^resolution:\n(?:  .*\n)+", "resolution:\n", path.read_text(encoding="utf-8"))
    assert found == 1
    path.write_text(text, encoding="utf-8")


PRB_A = "PRB-2M9XD0"
PRB_B = "PRB-4TRN7B"
KB_A = "KB-H4W8N1"
KB_B = "KB-Z4F6P2"


def write_problem(root: Path, problem_id: str, title: str) -> None:
    (root / "problems" / f"{problem_id}.md").write_text(
        "---\n"
        f"id: {problem_id}\n"
        f"title: {title}\n"
        "status: open\n"
        "category: network/vpn\n"
        "owner: Carla Diaz\n"
        "incidents: []\n"
        "kb: []\n"
        "workaround:\n"
        "root_cause:\n"
        "fix:\n"
        "created: 2026-11-20T09:00:00Z\n"
        "updated: 2026-11-20T09:00:00Z\n"
        "resolved:\n"
        "closed:\n"
        "---\n"
        "\n"
        "Home users behind the new ISP routers lose the VPN every few minutes.\n"
        "\n"
        "## Timeline\n"
        "\n"
        "### 2026-11-20T09:00:00Z · created · Carla Diaz <!-- JADX272M -->\n"
        "\n"
        "Problem recorded.\n",
        encoding="utf-8",
    )


def write_kb(root: Path, kb_id: str, title: str) -> None:
    (root / "kb" / f"{kb_id}.md").write_text(
        "---\n"
        f"id: {kb_id}\n"
        f"title: '{title}'\n"
        "category: network/vpn\n"
        "tags:\n"
        "- vpn\n"
        "links: []\n"
        "author: Carla Diaz\n"
        "created: 2026-11-20T09:00:00Z\n"
        "updated:\n"
        "---\n"
        "\n"
        "## Symptoms\n"
        "\n"
        "The VPN drops every few minutes.\n"
        "\n"
        "## Workaround\n"
        "\n"
        "1. Set the VPN client to SSL-only.\n",
        encoding="utf-8",
    )


# -- one ticket in each state ---------------------------------------------------------------


@dataclass
class States:
    root: Path
    ids: dict[str, str]


def build_states(root: Path, run_itsm: RunItsm) -> dict[str, str]:
    """Six tickets, one per state, all at level 1 in service-desk with category network/vpn
    (whose group, network, is at level 2). Everything but `new` is owned by Ben Okoro; the
    resolved and closed ones were resolved with a fix, the user told and agreeing."""
    ids = {}
    for state in STATES:
        owner = () if state == "new" else ("--owner", OWNER)
        ids[state] = new(run_itsm, f"VPN drops ({state})", "-c", "network/vpn", "--group", "service-desk", *owner)
    for state in ("in_progress", "pending", "resolved", "closed"):
        ok(run_itsm, "log", ids[state], "Called Maria: drops since the router swap", "--kind", "call", "--actor", OWNER)
    ok(run_itsm, "pend", ids["pending"], "--reason", "waiting for Maria to test from home", "--actor", OWNER)
    for state in ("resolved", "closed"):
        ok(run_itsm, "resolve", ids[state], "--fix", "VPN profile reinstalled", "--actor", OWNER)
        ok(run_itsm, "notify", ids[state], "--actor", OWNER)
        ok(run_itsm, "confirm", ids[state])
    ok(run_itsm, "close", ids["closed"])
    for state, ticket_id in ids.items():
        assert field(path_of(root, ticket_id), "status") == state
    assert_check_clean(run_itsm)  # the real `itsm check`, once
    return ids


@pytest.fixture
def states(desk: Path, run_itsm: RunItsm, from_template: FromTemplate) -> States:
    ids = from_template("states", lambda: build_states(desk, run_itsm))
    assert git(desk, "status", "--porcelain") == ""
    return States(desk, ids)


# -- every command in every state -------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    action: str  # its row in itsm.domain.lifecycle.TRANSITIONS
    kind: str  # the kind of the timeline entry it writes, which also names its commit
    args: Callable[[str], tuple[str, ...]]
    editor: bool = False


COMMANDS: dict[str, Command] = {
    "assign": Command("assign", "assign", lambda i: ("assign", i, "--owner", "Carla Diaz")),
    "log": Command("log", "note", lambda i: ("log", i, "Asked Maria for the router model")),
    "categorise": Command("categorise", "categorise", lambda i: ("categorise", i, "--impact", "high")),
    "escalate": Command("escalate", "escalate", lambda i: ("escalate", i, "--level", "2")),
    "escalate-hierarchical": Command(
        "escalate-to", "hierarchical", lambda i: ("escalate", i, "--reason", "no-fix", "--to", "Dana Whitfield")),
    "pend": Command("pend", "pend", lambda i: ("pend", i, "--reason", "waiting for a new router")),
    "resume": Command("resume", "resume", lambda i: ("resume", i)),
    "resolve": Command("resolve", "resolve", lambda i: ("resolve", i, "--fix", "x")),
    "notify": Command("notify", "notify", lambda i: ("notify", i)),
    "confirm": Command("confirm", "confirm", lambda i: ("confirm", i)),
    "close": Command("close", "close", lambda i: ("close", i)),
    "reopen": Command("reopen", "reopen", lambda i: ("reopen", i, "--reason", "it dropped again")),
    "edit": Command("edit", "edit", lambda i: ("edit", i), editor=True),
}

# Footnote 3: a functional escalation is a hand-over; network (the level-2 group of
# network/vpn) names no queue owner, so nobody owns the ticket after it: the new ticket (never
# owned) stays new, the worked ones are assigned to nobody — where the table says. Every other
# allowed pair lands where the table says too (the log is by Alice Moreau, not the owner, so
# it does not start work; the reopened ticket has an owner, so footnote 5 does not apply).
FOOTNOTED: dict[str, str] = {}

# A few refusals written out in full, so the derived messages below are not only checked
# against themselves.
LITERALS = {
    ("pend", "new"): "cannot pend {id}: it is new; pend is allowed when assigned, in_progress",
    ("close", "in_progress"): "cannot close {id}: it is in_progress; close is allowed when resolved",
    ("escalate", "pending"): "cannot escalate {id}: it is pending; escalate is allowed when new, assigned, in_progress",
    ("reopen", "closed"): '{id} is closed; a closed ticket is final (open a new ticket that points back to it: '
                          'itsm new "..." --related {id})',
    ("edit", "closed"): '{id} is closed; a closed ticket is final (open a new ticket that points back to it: '
                        'itsm new "..." --related {id})',
}


# Allowed by the table, refused by a rule of the SLA (issue 9, item 2): a resolved ticket's
# impact is frozen, so its SLA outcome cannot be rewritten (its category may still change).
FROZEN = {
    ("categorise", "resolved"): "{id} is resolved: its impact is frozen, so its SLA outcome stays what it was "
                                "(if the resolution did not hold, reopen it first (itsm reopen {id} --reason ...))",
}


def refusal(action: str, ticket_id: str, state: str) -> str:
    """The refusal, derived from the table."""
    if state == "closed":
        return (f"{ticket_id} is closed; a closed ticket is final "
                f'(open a new ticket that points back to it: itsm new "..." --related {ticket_id})')
    allowed = ", ".join(TRANSITIONS[action])
    said = SAID_AS.get(action, action)
    return f"cannot {said} {ticket_id}: it is {state}; {said} is allowed when {allowed}"


def test_the_commands_cover_every_action_of_the_table() -> None:
    # start: see below; approve and reject act on a request waiting for approval, in every
    # state: tests/test_requests.py::test_approve_and_reject_in_every_state.
    assert {c.action for c in COMMANDS.values()} == set(TRANSITIONS) - {"start", "approve", "reject"}
    assert STATES == STATUSES


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_in_every_state(name: str, state: str, states: States, run_itsm: RunItsm,
                                      tmp_path: Path) -> None:
    command = COMMANDS[name]
    root, ticket_id = states.root, states.ids[state]
    path = path_of(root, ticket_id)
    before, head_before, timeline_before = snapshot(root), head(root), entries(path)
    count = commit_count(root)
    env = {"EDITOR": editor(tmp_path, RETITLE)} if command.editor else None

    done = run_itsm(*command.args(ticket_id), env=env)

    if (name, state) in FROZEN:
        assert_refused(root, before, head_before, done, FROZEN[name, state].format(id=ticket_id))
        return
    if state not in TRANSITIONS[command.action]:
        assert_refused(root, before, head_before, done, refusal(command.action, ticket_id, state))
        if (name, state) in LITERALS:
            assert done.stderr == "itsm: error: " + LITERALS[name, state].format(id=ticket_id) + "\n"
        return
    expected = FOOTNOTED.get(command.action, TRANSITIONS[command.action][state])
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    # One new timeline entry, at the end, by the actor, now; nothing before it changed.
    timeline = entries(path)
    assert timeline[:-1] == timeline_before
    when, kind, actor, text = timeline[-1]
    assert (when, kind, actor) == (NOW, command.kind, ACTOR)
    if command.editor:
        assert done.stdout == f"{ticket_id} edit: Edited by hand: title\n"
        assert field(path, "title") == "Retitled by hand"
    else:
        assert done.stdout == f"{ticket_id} {command.kind}: {text.splitlines()[0]} [{expected}]\n"
    assert field(path, "status") == expected
    # One new commit, on top of the old HEAD, naming the ticket and the entry, touching only it.
    assert commit_count(root) == count + 1
    assert git(root, "rev-parse", "HEAD~1").strip() == head_before
    assert subject(root).startswith(f"{ticket_id} {command.kind}: ")
    assert files_of(root) == [rel(ticket_id)]
    assert git(root, "status", "--porcelain") == ""
    assert_valid(root)


def test_the_owners_first_log_on_an_assigned_ticket_starts_work(states: States, run_itsm: RunItsm) -> None:
    ticket_id = states.ids["assigned"]
    done = ok(run_itsm, "log", ticket_id, "Looking at the VPN logs", "--actor", OWNER)
    assert done.stdout == f"{ticket_id} note: Looking at the VPN logs [in_progress]\n"
    assert field(path_of(states.root, ticket_id), "status") == "in_progress"
    assert subject(states.root) == f"{ticket_id} note: Looking at the VPN logs"
    assert_valid(states.root)


# -- the close checklist and closing by silence --------------------------------------------------


@dataclass
class Resolved:
    """Resolved tickets, each missing something on the close checklist."""

    root: Path
    ids: dict[str, str]

    def due(self) -> list[str]:
        """The tickets told at NOW and still silent, in the order autoclose walks the desk (by file)."""
        return sorted(self.ids[name] for name in ("unagreed", "quiet", "major", "loose"))

    def name(self, ticket_id: str) -> str:
        return next(name for name, i in self.ids.items() if i == ticket_id)


def build_resolved(run_itsm: RunItsm) -> dict[str, str]:
    ids = {
        "uncategorised": new(run_itsm, "Printer jams", "--owner", OWNER),  # told, agreed
        "untold": new(run_itsm, "Monitor flickers", "-c", "hardware/monitor", "--owner", OWNER),  # agreed (which tells)
        "unagreed": new(run_itsm, "VPN drops", "-c", "network/vpn", "--owner", OWNER),  # told at NOW
        "quiet": new(run_itsm, "VPN slow", "-c", "network/vpn", "--owner", OWNER),  # told at NOW
        "major": new(run_itsm, "VPN down for everyone", "-c", "network/vpn", "--owner", OWNER),  # told at NOW
        "loose": new(run_itsm, "Laptop slow", "--owner", OWNER),  # told at NOW, never categorised
        "recent": new(run_itsm, "Wi-Fi drops", "-c", "network/wifi", "--owner", OWNER),  # told 3 days later
    }
    ok(run_itsm, "escalate", ids["major"], "--reason", "impact", "--to", "Dana Whitfield", "--major")
    for ticket_id in ids.values():
        ok(run_itsm, "resolve", ticket_id, "--fix", "Driver reinstalled", "--actor", OWNER)
    for name in ("uncategorised", "unagreed", "quiet", "major", "loose"):
        ok(run_itsm, "notify", ids[name], "--actor", OWNER)
    ok(run_itsm, "notify", ids["recent"], "--actor", OWNER, env=at("2026-11-29T09:00:00Z"))
    for name in ("uncategorised", "untold"):
        ok(run_itsm, "confirm", ids[name])
    return ids


@pytest.fixture
def resolved(desk: Path, run_itsm: RunItsm, from_template: FromTemplate) -> Resolved:
    return Resolved(desk, from_template("resolved", lambda: build_resolved(run_itsm)))


def test_close_refused_until_the_ticket_is_categorised(resolved: Resolved, run_itsm: RunItsm) -> None:
    ticket_id = resolved.ids["uncategorised"]
    refused(run_itsm, resolved.root, f"cannot close {ticket_id}: not categorised (itsm categorise --category)",
            "close", ticket_id)
    ok(run_itsm, "categorise", ticket_id, "--category", "hardware/printer")
    done = ok(run_itsm, "close", ticket_id)
    assert done.stdout == f"{ticket_id} close: closed: the user agreed [closed]\n"
    assert_valid(resolved.root)


def test_close_refused_without_a_resolution(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "Printer offline", "-c", "hardware/printer", "--owner", OWNER)
    for step in (("resolve", ticket_id, "--fix", "Driver reinstalled"), ("notify", ticket_id), ("confirm", ticket_id)):
        ok(run_itsm, *step)
    drop_resolution(path_of(desk, ticket_id))
    commit_by_hand(desk, "the resolution taken out by hand: no command makes that state")
    refused(run_itsm, desk,
            f"cannot close {ticket_id}: no resolution recorded (itsm resolve --fix or --workaround)", "close", ticket_id)


def test_a_confirmation_tells_the_user_so_close_needs_no_notify(resolved: Resolved, run_itsm: RunItsm) -> None:
    """Confirmed without a notify: agreeing it is done is hearing it is (docs/lifecycle.md,
    "Facts kept for reports"); a ticket neither told nor agreed is refused (below)."""
    ticket_id = resolved.ids["untold"]
    assert field(path_of(resolved.root, ticket_id), "notified") == field(path_of(resolved.root, ticket_id), "confirmed")
    assert ok(run_itsm, "close", ticket_id).stdout == f"{ticket_id} close: closed: the user agreed [closed]\n"
    assert_valid(resolved.root)


def test_close_refused_until_the_user_agrees(resolved: Resolved, run_itsm: RunItsm) -> None:
    ticket_id = resolved.ids["unagreed"]
    refused(run_itsm, resolved.root,
            f"cannot close {ticket_id}: the user has not agreed (itsm confirm, or wait for silence until "
            f"{FIVE_DAYS_LATER})", "close", ticket_id)
    ok(run_itsm, "confirm", ticket_id, env=at("2026-11-26T10:00:00Z"))
    done = ok(run_itsm, "close", ticket_id, env=at("2026-11-26T10:05:00Z"))
    assert done.stdout == f"{ticket_id} close: closed: the user agreed [closed]\n"
    assert field(path_of(resolved.root, ticket_id), "closed") == "2026-11-26T10:05:00Z"
    assert_valid(resolved.root)


def test_close_lists_every_missing_item_in_order_with_its_hint(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "Laptop slow", "--owner", OWNER)
    ok(run_itsm, "resolve", ticket_id, "--fix", "Disk cleaned up")
    drop_resolution(path_of(desk, ticket_id))
    commit_by_hand(desk, "the resolution taken out by hand: no command makes that state")
    refused(run_itsm, desk,
            f"cannot close {ticket_id}: not categorised (itsm categorise --category); "
            "no resolution recorded (itsm resolve --fix or --workaround); "
            "the user has not been told (itsm notify); the user has not agreed (itsm confirm)",
            "close", ticket_id)


def test_close_after_autoclose_days_of_silence_since_the_user_was_told(resolved: Resolved,
                                                                       run_itsm: RunItsm) -> None:
    ticket_id = resolved.ids["unagreed"]
    path = path_of(resolved.root, ticket_id)
    assert field(path, "notified") == NOW
    refused(run_itsm, resolved.root,
            f"cannot close {ticket_id}: the user has not agreed (itsm confirm, or wait for silence until "
            f"{FIVE_DAYS_LATER})", "close", ticket_id, env=at("2026-12-01T08:59:59Z"))
    done = ok(run_itsm, "close", ticket_id, env=at(FIVE_DAYS_LATER))
    told = f"closed automatically: {REPORTER} was told on {NOW} and stayed silent for 5 days"
    assert done.stdout == f"{ticket_id} close: {told} [closed]\n"
    assert entries(path)[-1] == (FIVE_DAYS_LATER, "close", ACTOR, told)
    assert (field(path, "status"), field(path, "closed"), field(path, "confirmed")) == ("closed", FIVE_DAYS_LATER, "")
    assert subject(resolved.root) == f"{ticket_id} close: {told}"
    assert_valid(resolved.root)


def test_a_major_incident_never_closes_by_silence(resolved: Resolved, run_itsm: RunItsm) -> None:
    ticket_id = resolved.ids["major"]
    refused(run_itsm, resolved.root,
            f"cannot close {ticket_id}: the user has not agreed (itsm confirm); a major incident never closes by silence",
            "close", ticket_id, env=at("2026-12-26T09:00:00Z"))
    ok(run_itsm, "confirm", ticket_id, env=at("2026-12-26T09:00:00Z"))
    done = ok(run_itsm, "close", ticket_id, env=at("2026-12-26T09:05:00Z"))
    assert done.stdout == f"{ticket_id} close: closed: the user agreed [closed]\n"
    assert_valid(resolved.root)


# -- itsm autoclose ---------------------------------------------------------------------------------

SILENT = f"user silent since {NOW}"
LEFT_OPEN = {
    "major": "a major incident is never closed by silence",
    "loose": "not categorised (itsm categorise --category)",
}
TOLD = f"closed automatically: {REPORTER} was told on {NOW} and stayed silent for 5 days"


def test_autoclose_dry_run_says_what_it_would_close_and_changes_nothing(resolved: Resolved,
                                                                        run_itsm: RunItsm) -> None:
    before, head_before = snapshot(resolved.root), head(resolved.root)
    done = run_itsm("autoclose", "--dry-run", env=at(FIVE_DAYS_LATER))
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "".join(
        f"{i} left open: {LEFT_OPEN[resolved.name(i)]}\n" if resolved.name(i) in LEFT_OPEN
        else f"{i} would close: {SILENT}\n"
        for i in resolved.due()
    )
    assert snapshot(resolved.root) == before
    assert head(resolved.root) == head_before


def test_autoclose_closes_each_silent_ticket_in_its_own_commit(resolved: Resolved, run_itsm: RunItsm) -> None:
    root = resolved.root
    others = [i for name, i in resolved.ids.items() if name not in ("unagreed", "quiet")]
    untouched = {i: path_of(root, i).read_bytes() for i in others}
    count = commit_count(root)
    done = run_itsm("autoclose", env=at(FIVE_DAYS_LATER))
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == "".join(
        f"{i} left open: {LEFT_OPEN[resolved.name(i)]}\n" if resolved.name(i) in LEFT_OPEN else f"{i} closed: {SILENT}\n"
        for i in resolved.due()
    )
    closed = sorted([resolved.ids["unagreed"], resolved.ids["quiet"]])
    assert commit_count(root) == count + 2
    for rev, ticket_id in zip(("HEAD~1", "HEAD"), closed, strict=True):
        assert subject(root, rev) == f"{ticket_id} close: {TOLD}"
        assert git(root, "log", "-1", "--format=%an", rev).strip() == ACTOR
        assert files_of(root, rev) == [rel(ticket_id)]
        path = path_of(root, ticket_id)
        assert (field(path, "status"), field(path, "closed")) == ("closed", FIVE_DAYS_LATER)
        assert entries(path)[-1] == (FIVE_DAYS_LATER, "close", ACTOR, TOLD)
    for ticket_id, text in untouched.items():  # the major incident, the one not yet due, the rest
        assert path_of(root, ticket_id).read_bytes() == text, resolved.name(ticket_id)
    assert git(root, "status", "--porcelain") == ""
    assert_check_clean(run_itsm)


def test_autoclose_json(resolved: Resolved, run_itsm: RunItsm) -> None:
    done = run_itsm("autoclose", "--json", env=at(FIVE_DAYS_LATER))
    assert (done.returncode, done.stderr) == (0, "")
    assert json.loads(done.stdout) == [
        {"id": i, "closed": False, "reason": LEFT_OPEN[resolved.name(i)]} if resolved.name(i) in LEFT_OPEN
        else {"id": i, "closed": True, "reason": SILENT}
        for i in resolved.due()
    ]
    assert list_ids(run_itsm, "--status", "closed") == sorted([resolved.ids["unagreed"], resolved.ids["quiet"]])


def test_autoclose_dry_run_json_says_which_tickets_it_would_close(resolved: Resolved, run_itsm: RunItsm) -> None:
    """The dry run exists to say what the real run would do, and its text does ("would close",
    "left open"); its JSON must say it too, so a script can act on it. Today every entry says
    `"closed": false`, so a ticket that would close and one left open differ only in prose."""
    before = snapshot(resolved.root)
    done = run_itsm("autoclose", "--dry-run", "--json", env=at(FIVE_DAYS_LATER))
    assert (done.returncode, done.stderr) == (0, "")
    assert snapshot(resolved.root) == before
    assert json.loads(done.stdout) == [
        {"id": i, "closed": False, "reason": LEFT_OPEN[resolved.name(i)]} if resolved.name(i) in LEFT_OPEN
        else {"id": i, "closed": True, "reason": SILENT}
        for i in resolved.due()
    ]


# -- reopen ---------------------------------------------------------------------------------------------


def test_reopen_clears_the_resolution_and_a_later_resolve_works(states: States, run_itsm: RunItsm) -> None:
    root, ticket_id = states.root, states.ids["resolved"]
    done = ok(run_itsm, "reopen", ticket_id, "--reason", "Dropped again at 14:10", env=at("2026-11-26T14:15:00Z"))
    assert done.stdout == (f"{ticket_id} reopen: Dropped again at 14:10 "
                           "(was resolved with a fix: VPN profile reinstalled) [in_progress]\n")
    assert subject(root) == f"{ticket_id} reopen: Dropped again at 14:10"
    path = path_of(root, ticket_id)
    assert {k: field(path, k) for k in ("status", "owner", "resolved", "resolution", "notified", "confirmed")} == {
        "status": "in_progress", "owner": OWNER, "resolved": "", "resolution": "", "notified": "", "confirmed": "",
    }
    assert_valid(root)
    refused(run_itsm, root, f"cannot close {ticket_id}: it is in_progress; close is allowed when resolved",
            "close", ticket_id)
    done = ok(run_itsm, "resolve", ticket_id, "--fix", "MTU lowered to 1400", env=at("2026-11-26T15:00:00Z"))
    assert done.stdout == f"{ticket_id} resolve: fix: MTU lowered to 1400 [resolved]\n"
    data = show_json(run_itsm, ticket_id)
    assert {k: data[k] for k in ("status", "resolved", "resolution", "notified", "confirmed")} == {
        "status": "resolved", "resolved": "2026-11-26T15:00:00Z",
        "resolution": {"kind": "fix", "summary": "MTU lowered to 1400"}, "notified": None, "confirmed": None,
    }
    # The user's earlier word was about the earlier resolution: they must be told and agree again.
    refused(run_itsm, root, f"cannot close {ticket_id}: the user has not been told (itsm notify); "
            "the user has not agreed (itsm confirm)", "close", ticket_id)
    assert_valid(root)


def test_reopen_restarts_the_resolution_clock_from_the_reopen(states: States, run_itsm: RunItsm) -> None:
    """docs/lifecycle.md: the resolution clock "runs again from a reopen: the time it spent
    resolved does not count". The ticket (P3: 3d to resolve) was recorded and resolved at
    09:00, so none of its 3 days is used; reopened at 14:15, it is due 3 days after that."""
    path = path_of(states.root, states.ids["resolved"])
    assert field(path, "due_resolution") == "2026-11-29T09:00:00Z"
    ok(run_itsm, "reopen", states.ids["resolved"], "--reason", "Dropped again", env=at("2026-11-26T14:15:00Z"))
    assert field(path, "due_resolution") == "2026-11-29T14:15:00Z"


def test_reopen_of_a_ticket_nobody_owns_is_assigned_to_nobody(states: States, run_itsm: RunItsm, tmp_path: Path) -> None:
    """Footnote 5: it was owned before (worked tickets are never new again), so it is
    assigned without an owner, and `list --unowned` shows it."""
    ticket_id = states.ids["resolved"]
    ok(run_itsm, "edit", ticket_id, env={"EDITOR": editor(tmp_path, DISOWN)})
    assert field(path_of(states.root, ticket_id), "owner") == ""
    done = ok(run_itsm, "reopen", ticket_id, "--reason", "Dropped again")
    assert done.stdout.endswith(" [assigned]\n")
    assert field(path_of(states.root, ticket_id), "status") == "assigned"
    assert ticket_id in list_ids(run_itsm, "--unowned")
    assert_valid(states.root)


def test_a_closed_ticket_is_final_and_a_new_one_points_back_to_it(states: States, run_itsm: RunItsm) -> None:
    root, closed = states.root, states.ids["closed"]
    refused(run_itsm, root, f'{closed} is closed; a closed ticket is final (open a new ticket that points back to it: '
            f'itsm new "..." --related {closed})', "reopen", closed, "--reason", "Dropped again")
    closed_file = path_of(root, closed).read_bytes()
    done = ok(run_itsm, "new", "VPN drops again", "-c", "network/vpn", "--reporter", REPORTER,
              "--related", closed.lower(), "--json")
    data = json.loads(done.stdout)
    assert data["related"] == [closed]
    assert data["timeline"][0]["text"] == (
        f"Recorded from phone for {REPORTER}: P3 (impact medium, urgency medium); routed to network (level 2); "
        f"related to {closed}."
    )
    assert f"related:\n- {closed}\n" in path_of(root, data["id"]).read_text(encoding="utf-8")
    shown = ok(run_itsm, "show", data["id"]).stdout.splitlines()
    assert f"  related to {closed}" in shown
    assert path_of(root, closed).read_bytes() == closed_file
    assert_valid(root)


# -- resolve ----------------------------------------------------------------------------------------------


def test_resolve_takes_exactly_one_of_workaround_or_fix(states: States, run_itsm: RunItsm) -> None:
    ticket_id = states.ids["in_progress"]
    message = ("say how it was resolved: give exactly one of --workaround TEXT or --fix TEXT (an incident), "
               "or --fulfilled [TEXT] (a service request)")
    refused(run_itsm, states.root, message, "resolve", ticket_id)
    refused(run_itsm, states.root, message, "resolve", ticket_id, "--fix", "a", "--workaround", "b")


def test_resolve_refuses_an_empty_text(states: States, run_itsm: RunItsm) -> None:
    ticket_id = states.ids["in_progress"]
    refused(run_itsm, states.root, "the fix is empty (say in a sentence what restored the service)",
            "resolve", ticket_id, "--fix", "")
    refused(run_itsm, states.root, "the workaround is empty (say in a sentence what restored the service)",
            "resolve", ticket_id, "--workaround", "  \n ")


def test_resolve_refuses_an_unknown_code_and_records_a_known_one(states: States, run_itsm: RunItsm) -> None:
    ticket_id = states.ids["in_progress"]
    refused(run_itsm, states.root,
            "unknown resolution code 'fixed-it' (use one of: fixed, workaround-applied, configuration-changed, "
            "hardware-replaced, software-updated, user-guided, request-fulfilled, supplier-fixed, no-fault-found, "
            "duplicate)", "resolve", ticket_id, "--fix", "Router firmware updated", "--code", "fixed-it")
    done = ok(run_itsm, "resolve", ticket_id, "--fix", "Router firmware updated", "--code", "software-updated")
    assert done.stdout == f"{ticket_id} resolve: fix: Router firmware updated [software-updated] [resolved]\n"
    assert show_json(run_itsm, ticket_id)["resolution"] == {
        "kind": "fix", "summary": "Router firmware updated", "code": "software-updated",
    }
    assert_valid(states.root)


def test_resolve_with_a_problem_links_both_sides_in_one_commit(states: States, run_itsm: RunItsm) -> None:
    root, ticket_id = states.root, states.ids["in_progress"]
    write_problem(root, PRB_A, "VPN drops behind the new ISP routers")
    commit_by_hand(root, "a problem, written by hand")
    count = commit_count(root)
    done = run_itsm("resolve", ticket_id, "--workaround", "VPN client set to SSL-only", "--problem", "prb-2m9",
                    "--actor", "Carla Diaz", env=at("2026-11-26T11:00:00Z"))
    assert (done.returncode, done.stderr) == (0, "")  # on a problem: no warning
    assert done.stdout == f"{ticket_id} resolve: workaround: VPN client set to SSL-only (problem {PRB_A}) [resolved]\n"
    assert commit_count(root) == count + 1
    assert subject(root) == f"{ticket_id} resolve: workaround: VPN client set to SSL-only (problem {PRB_A})"
    assert files_of(root) == [f"problems/{PRB_A}.md", rel(ticket_id)]
    assert field(path_of(root, ticket_id), "problem") == PRB_A
    problem = show_json(run_itsm, PRB_A)
    assert problem["incidents"] == [ticket_id]
    last = problem["timeline"][-1]
    assert (last["time"], last["actor"], last["kind"], last["text"]) == (
        "2026-11-26T11:00:00Z", "Carla Diaz", "link", f"Linked {ticket_id}: VPN drops (in_progress)")
    assert len(problem["timeline"]) == 2
    assert git(root, "status", "--porcelain") == ""
    assert_valid(root)


def test_a_ticket_linked_to_one_problem_cannot_be_linked_to_another(states: States, run_itsm: RunItsm) -> None:
    root, ticket_id = states.root, states.ids["in_progress"]
    write_problem(root, PRB_A, "VPN drops behind the new ISP routers")
    write_problem(root, PRB_B, "VPN gateway drops idle tunnels")
    commit_by_hand(root, "two problems, written by hand")
    ok(run_itsm, "resolve", ticket_id, "--fix", "ISP router firmware updated", "--problem", PRB_A)
    ok(run_itsm, "reopen", ticket_id, "--reason", "Dropped again")
    refused(run_itsm, root, f"{ticket_id} is already linked to {PRB_A}",
            "resolve", ticket_id, "--fix", "Gateway idle timeout raised", "--problem", PRB_B)
    # The same problem again: the link stands, the problem is not touched, nothing is doubled.
    problem_file = (root / "problems" / f"{PRB_A}.md").read_bytes()
    ok(run_itsm, "resolve", ticket_id, "--fix", "ISP router replaced", "--problem", PRB_A)
    assert files_of(root) == [rel(ticket_id)]
    assert (root / "problems" / f"{PRB_A}.md").read_bytes() == problem_file
    assert f"incidents:\n- {ticket_id}\nkb:" in problem_file.decode()
    assert "incidents: []\n" in (root / "problems" / f"{PRB_B}.md").read_text(encoding="utf-8")
    assert_valid(root)


def test_resolve_kb_is_repeatable(states: States, run_itsm: RunItsm) -> None:
    root, ticket_id = states.root, states.ids["in_progress"]
    write_kb(root, KB_A, "VPN: switch the client to SSL-only")
    write_kb(root, KB_B, "VPN: lower the MTU")
    commit_by_hand(root, "two KB articles, written by hand")
    done = run_itsm("resolve", ticket_id, "--workaround", "VPN client set to SSL-only", "--kb", "kb-h4w",
                    "--kb", KB_B)
    assert (done.returncode, done.stderr) == (0, "")  # in the KB: no warning
    assert done.stdout == (f"{ticket_id} resolve: workaround: VPN client set to SSL-only "
                           f"(KB {KB_A}, KB {KB_B}) [resolved]\n")
    assert f"\nkb:\n- {KB_A}\n- {KB_B}\n" in path_of(root, ticket_id).read_text(encoding="utf-8")
    assert files_of(root) == [rel(ticket_id)]
    assert_valid(root)


def test_a_workaround_on_no_problem_and_no_kb_draws_a_warning(states: States, run_itsm: RunItsm) -> None:
    root, ticket_id = states.root, states.ids["in_progress"]
    count = commit_count(root)
    done = run_itsm("resolve", ticket_id, "--workaround", "Router rebooted")
    assert done.returncode == 0
    assert done.stderr == (f"itsm: warning: {ticket_id}: this workaround is recorded only on the ticket; "
                           "link a problem (--problem) or a KB article (--kb) so the next person finds it\n")
    assert done.stdout == f"{ticket_id} resolve: workaround: Router rebooted [resolved]\n"
    assert commit_count(root) == count + 1
    assert field(path_of(root, ticket_id), "status") == "resolved"
    assert_valid(root)


def test_resolving_an_uncategorised_ticket_warns_that_close_will_refuse_it(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "Something is odd")
    done = run_itsm("resolve", ticket_id, "--fix", "Restarted the service")
    assert done.returncode == 0
    assert done.stderr == (f"itsm: warning: {ticket_id} is not categorised, and `itsm close` will refuse it until it "
                           f"is (itsm categorise {ticket_id} --category ...)\n")
    # A refusal still says one line only: warnings come once the change is done.
    done = run_itsm("resolve", ticket_id, "--fix", "again")
    assert done.returncode == 2 and done.stderr.count("\n") == 1


def test_whoever_resolves_a_ticket_nobody_owned_becomes_its_owner(states: States, run_itsm: RunItsm) -> None:
    ticket_id = states.ids["new"]
    assert field(path_of(states.root, ticket_id), "owner") == ""
    ok(run_itsm, "resolve", ticket_id, "--fix", "VPN profile reinstalled", "--actor", "Carla Diaz",
       env=at("2026-11-26T09:20:00Z"))
    path = path_of(states.root, ticket_id)
    assert [field(path, k) for k in ("status", "owner", "responded")] == ["resolved", "Carla Diaz", "2026-11-26T09:20:00Z"]
    assert_valid(states.root)


def test_a_reporter_who_resolves_their_own_unowned_ticket_gave_its_first_response(states: States,
                                                                                  run_itsm: RunItsm) -> None:
    """docs/lifecycle.md: the response clock stops "the first time the ticket gets an owner".
    Resolving a ticket nobody owned gives it one, even when the resolver reported it."""
    ticket_id = states.ids["new"]
    ok(run_itsm, "resolve", ticket_id, "--fix", "Rebooted the router myself", "--actor", REPORTER,
       env=at("2026-11-26T09:20:00Z"))
    path = path_of(states.root, ticket_id)
    assert [field(path, k) for k in ("owner", "responded")] == [REPORTER, "2026-11-26T09:20:00Z"]


# -- escalation ---------------------------------------------------------------------------------------------

ESCALATION_CONFIG = """\
default_group: service-desk
groups:
  service-desk:
    level: 1
    manager: Dana Whitfield
    escalates_to: network
  walk-in:
    level: 1
  network:
    level: 2
    manager: Priya Raman
  identity:
    level: 2
    manager: Tom Okafor
    owner: Quinn Adeyemi
  desktop-support:
    level: 2
  infrastructure:
    level: 3
    manager: Sven Lindqvist
categories:
  network/vpn:
    group: network
  access/password:
    group: identity
  hardware/laptop:
    group: desktop-support
  infra/server:
    group: infrastructure
  other:
    group: service-desk
"""


@pytest.fixture
def esc(desk: Path, run_itsm: RunItsm) -> Path:
    """Two level-1 groups (service-desk, the default, escalates to network; walk-in), three at
    level 2 (identity has a queue owner; desktop-support no manager), one at level 3."""
    (desk / "itsm.yaml").write_text(ESCALATION_CONFIG, encoding="utf-8")
    commit_by_hand(desk, "groups and categories for escalation")
    return desk


@pytest.mark.parametrize(("case", "new_args", "level", "moves"), [
    # 1. the current group's escalates_to, before the category's group (identity, also level 2)
    ("escalates-to", ("-c", "access/password", "--group", "service-desk"), "2",
     "level 1 -> 2; group service-desk -> network"),
    # 2. the category's group (walk-in names no escalates_to; three groups are at level 2)
    ("category", ("-c", "hardware/laptop", "--group", "walk-in"), "2", "level 1 -> 2; group walk-in -> desktop-support"),
    # 3. the desk's default group for level 1 (walk-in is at level 1 too)
    ("default-level-1", ("-c", "network/vpn"), "1", "level 2 -> 1; group network -> service-desk"),
    # 4. the only group at that level
    ("only-group", ("-c", "network/vpn"), "3", "level 2 -> 3; group network -> infrastructure"),
])
def test_functional_escalation_picks_the_default_group_in_the_documented_order(
        case: str, new_args: tuple[str, ...], level: str, moves: str, esc: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "VPN drops", *new_args)
    assert_valid(esc)
    done = ok(run_itsm, "escalate", ticket_id, "--level", level)
    assert done.stdout == f"{ticket_id} escalate: {moves} [new]\n"
    assert subject(esc) == f"{ticket_id} escalate: {moves}"
    assert_check_clean(run_itsm)


def test_functional_escalation_without_a_default_group_asks_for_one(esc: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "Something odd", "-c", "other", "--group", "walk-in")
    assert_valid(esc)
    refused(run_itsm, esc,
            f"no default level-2 group for {ticket_id} (pass --group (level-2 groups: network, identity, desktop-support))",
            "escalate", ticket_id, "--level", "2")
    done = ok(run_itsm, "escalate", ticket_id, "--level", "2", "--group", "desktop-support")
    assert done.stdout == f"{ticket_id} escalate: level 1 -> 2; group walk-in -> desktop-support [new]\n"
    assert_check_clean(run_itsm)


def test_functional_escalation_clears_the_owner_and_the_worked_ticket_is_assigned_to_nobody(
        esc: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "VPN drops", "-c", "network/vpn", "--group", "service-desk", "--owner", OWNER)
    assert_valid(esc)
    ok(run_itsm, "log", ticket_id, "Checked the client logs", "--actor", OWNER)
    assert_valid(esc)
    done = ok(run_itsm, "escalate", ticket_id, "--level", "2", "--actor", OWNER, "--note", "no fix at level 1")
    moves = f"level 1 -> 2; group service-desk -> network; owner {OWNER} -> (none) (no fix at level 1)"
    assert done.stdout == f"{ticket_id} escalate: {moves} [assigned]\n"
    assert subject(esc) == f"{ticket_id} escalate: {moves}"
    path = path_of(esc, ticket_id)
    assert [field(path, k) for k in ("status", "owner", "group", "level")] == ["assigned", "", "network", "2"]
    assert list_ids(run_itsm, "--unowned") == [ticket_id]
    assert_check_clean(run_itsm)


def test_functional_escalation_to_a_queue_owner_assigns_it_to_them(esc: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "Password reset loops", "-c", "access/password", "--group", "walk-in", "--owner", OWNER)
    assert_valid(esc)
    done = ok(run_itsm, "escalate", ticket_id, "--level", "2")
    assert done.stdout == (f"{ticket_id} escalate: level 1 -> 2; group walk-in -> identity; "
                           f"owner {OWNER} -> Quinn Adeyemi [assigned]\n")
    path = path_of(esc, ticket_id)
    assert [field(path, k) for k in ("status", "owner", "group", "level")] == ["assigned", "Quinn Adeyemi", "identity", "2"]
    assert_check_clean(run_itsm)


def test_functional_escalation_refusals(esc: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "VPN drops", "-c", "network/vpn")
    assert_valid(esc)
    refused(run_itsm, esc, f"{ticket_id} is already at level 2 in network",
            "escalate", ticket_id, "--level", "2", "--group", "network")
    refused(run_itsm, esc, "level 4 does not exist (support levels are 1, 2 and 3)", "escalate", ticket_id, "--level", "4")
    refused(run_itsm, esc, "escalate either functionally (--level/--group) or hierarchically (--to/--reason), not both",
            "escalate", ticket_id, "--level", "3", "--reason", "slow")
    assert_check_clean(run_itsm)


def test_hierarchical_escalation_tells_the_groups_manager_by_default(esc: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "VPN drops", "-c", "network/vpn", "--owner", OWNER)
    assert_valid(esc)
    file_before = path_of(esc, ticket_id).read_text(encoding="utf-8")
    done = ok(run_itsm, "escalate", ticket_id, "--reason", "slow", env=at("2026-11-26T10:00:00Z"))
    assert done.stdout == f"{ticket_id} hierarchical: told Priya Raman: the response is too slow [assigned]\n"
    assert subject(esc) == f"{ticket_id} hierarchical: to Priya Raman (slow)"
    path = path_of(esc, ticket_id)
    assert field(path, "status") == "assigned"
    assert entries(path)[-1] == ("2026-11-26T10:00:00Z", "hierarchical", ACTOR, "told Priya Raman: the response is too slow")
    assert entries(path)[:-1] == entries_of_text(file_before.split("\n## Timeline\n", 1)[1])
    assert_check_clean(run_itsm)


def test_hierarchical_escalation_needs_to_when_the_group_has_no_manager(esc: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "Laptop will not boot", "-c", "hardware/laptop")
    assert_valid(esc)
    refused(run_itsm, esc, "the group desktop-support has no manager in itsm.yaml "
            "(name the person with --to, or set groups.<group>.manager)", "escalate", ticket_id, "--reason", "no-fix")
    done = ok(run_itsm, "escalate", ticket_id, "--reason", "no-fix", "--to", "Marcus Chen")
    assert done.stdout == f"{ticket_id} hierarchical: told Marcus Chen: no fix has been found [new]\n"
    assert_check_clean(run_itsm)


def test_declaring_a_p1_ticket_major_says_who_was_told_and_that_it_stays_p1(esc: Path, run_itsm: RunItsm) -> None:
    ticket_id = new(run_itsm, "VPN down for everyone", "-c", "network/vpn", "--impact", "high", "--urgency", "high")
    assert field(path_of(esc, ticket_id), "priority") == "P1"
    done = ok(run_itsm, "escalate", ticket_id, "--reason", "impact", "--major")
    assert done.stdout == f"{ticket_id} major: Major incident declared, Priya Raman told; priority stays P1. [new]\n"
    assert_check_clean(run_itsm)


def test_a_major_incident_is_p1_listed_and_declared_once(esc: Path, run_itsm: RunItsm) -> None:
    other = new(run_itsm, "Printer jams", "-c", "other")
    ticket_id = new(run_itsm, "VPN down for everyone", "-c", "network/vpn", "--owner", OWNER)
    assert field(path_of(esc, ticket_id), "priority") == "P3"
    assert_valid(esc)
    count = commit_count(esc)
    done = ok(run_itsm, "escalate", ticket_id, "--reason", "impact", "--major", env=at("2026-11-26T09:30:00Z"))
    assert done.stdout == (f"{ticket_id} major: Major incident declared, Priya Raman told; "
                           "impact medium -> high, priority P3 -> P1. [assigned]\n")
    assert commit_count(esc) == count + 1
    assert subject(esc) == f"{ticket_id} hierarchical: to Priya Raman (impact); major incident declared"
    data = show_json(run_itsm, ticket_id)
    assert (data["major"], data["priority"], data["status"]) == (True, "P1", "assigned")
    assert [(e["time"], e["kind"], e["text"]) for e in data["timeline"][-2:]] == [
        ("2026-11-26T09:30:00Z", "hierarchical", "told Priya Raman: the impact is serious"),
        ("2026-11-26T09:30:00Z", "major", "Major incident declared, Priya Raman told; impact medium -> high, priority P3 -> P1."),
    ]
    assert_check_clean(run_itsm)
    assert list_ids(run_itsm, "--major") == [ticket_id]
    assert other in list_ids(run_itsm)
    refused(run_itsm, esc, f"{ticket_id} is already a major incident (escalate without --major)",
            "escalate", ticket_id, "--reason", "impact", "--to", "Dana Whitfield", "--major")
    # Impact x urgency would now say P4; a major incident stays P1.
    done = ok(run_itsm, "categorise", ticket_id, "--impact", "low", env=at("2026-11-26T09:40:00Z"))
    assert done.stdout == f"{ticket_id} categorise: impact high -> low [assigned]\n"
    path = path_of(esc, ticket_id)
    assert [field(path, k) for k in ("major", "priority", "impact")] == ["true", "P1", "low"]
    assert_check_clean(run_itsm)
