"""`itsm check`: every fault as `path:line: message` (the line of the offending key), exit 1;
a clean desk exits 0. Broken records are written by hand from a good one made by `itsm new`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import FromTemplate, RunItsm, commit_all, git

MONTH = "2026-11"
PRB = "PRB-2M9XD0"


@dataclass
class Good:
    root: Path
    id: str
    path: Path

    @property
    def rel(self) -> str:
        return f"tickets/{MONTH}/{self.id}.md"

    def edit(self, old: str, new: str) -> None:
        text = self.path.read_text()
        assert text.count(old) == 1, old
        self.path.write_text(text.replace(old, new))


def line_of(path: Path, key: str) -> int:
    """1-based line of a front-matter key, counted independently of itsm."""
    lines = path.read_text().split("\n")
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(f"{key}:"))


def problem_text(incidents: list[str]) -> str:
    listed = "".join(f"- {i}\n" for i in incidents)
    return (
        "---\n"
        f"id: {PRB}\n"
        "title: Mailbox quota fills up\n"
        "status: open\n"
        "category: email/mailbox\n"
        "owner:\n"
        f"incidents:\n{listed}"
        "kb: []\n"
        "workaround:\n"
        "root_cause:\n"
        "fix:\n"
        "created: 2026-11-26T09:00:00Z\n"
        "updated: 2026-11-26T09:00:00Z\n"
        "resolved:\n"
        "closed:\n"
        "---\n"
        "\n"
        "Mail stalls when a mailbox passes its quota.\n"
        "\n"
        "## Timeline\n"
    )


@pytest.fixture
def good(desk: Path, run_itsm: RunItsm, from_template: FromTemplate) -> Good:
    """One good ticket made by `itsm new`: built once, then the desk (git and all) is copied per test."""

    def build() -> str:
        done = run_itsm("new", "Mail slow", "-c", "email/mailbox")
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    ticket_id: str = from_template("good", build)
    path = desk / "tickets" / MONTH / f"{ticket_id}.md"
    # The canonical layout these tests count lines in.
    assert [line_of(path, k) for k in ("id", "title", "status", "priority", "category", "owner", "problem", "created")] \
        == [2, 3, 5, 6, 9, 12, 16, 19]
    return Good(desk, ticket_id, path)


def run_check(run_itsm: RunItsm, desk: Path | None = None) -> tuple[int, str, str]:
    """`itsm check` on what was committed, as CI runs it (uncommitted edits are only warnings,
    tested on their own)."""
    if desk is not None and git(desk, "status", "--porcelain"):
        commit_all(desk, "a broken record, committed")
    done = run_itsm("check")
    return done.returncode, done.stdout, done.stderr


def test_clean_desk_passes(good: Good, run_itsm: RunItsm) -> None:
    assert run_itsm("assign", good.id, "--owner", "Bob Stone").returncode == 0
    assert run_itsm("log", good.id, "Looking at the quota", "--actor", "Bob Stone").returncode == 0
    assert run_itsm("new", "Printer jams", "--owner", "Carla Diaz", "-t", "request").returncode == 0
    # A problem (written by hand, with no timeline yet) and an incident that link each other both ways.
    (good.root / "problems" / f"{PRB}.md").write_text(problem_text([]))
    commit_all(good.root)
    assert run_itsm("problem", "link", PRB, good.id).returncode == 0
    assert run_check(run_itsm, good.root) == (0, "", "itsm check: ok (2 tickets, 1 problem, 0 KB articles)\n")
    done = run_itsm("check", "--json")
    assert (done.returncode, json.loads(done.stdout), done.stderr) == (0, [], "")


def test_empty_desk_passes(desk: Path, run_itsm: RunItsm) -> None:
    assert run_check(run_itsm, desk) == (0, "", "itsm check: ok (0 tickets, 0 problems, 0 KB articles)\n")


def _resolved_without_resolution(g: Good) -> None:
    g.edit("\nstatus: new\n", "\nstatus: resolved\n")
    g.edit("\nresolved:\n", "\nresolved: 2026-11-26T10:00:00Z\n")


def _closed_without_time(g: Good) -> None:
    _resolved_without_resolution(g)
    g.edit("\nstatus: resolved\n", "\nstatus: closed\n")
    g.edit("\nresolution:\n", "\nresolution: {kind: fix, summary: Quota raised}\n")
    g.edit("\nnotified:\n", "\nnotified: 2026-11-26T10:05:00Z\n")


@dataclass
class Fault:
    breaks: Callable[[Good], None]
    key: str
    message: Callable[[Good], str]
    # The keys the hand edit also set without a timeline entry: (key, as written, as the timeline says).
    disagreements: tuple[tuple[str, str, str], ...] = ()


def created_entry(g: Good) -> str:
    """`entry <ID> (created, <time>)` of the good ticket, read straight from its file."""
    heading = next(line for line in g.path.read_text().split("\n") if " · created · " in line)
    time, entry_id = heading.split(" ")[1], heading.rsplit("<!-- ", 1)[1][:8]
    return f"entry {entry_id} (created, {time})"


def disagreement(g: Good, key: str, written: str, said: str) -> str:
    source = created_entry(g) if said != "empty" else "no entry ever set it"
    return (f"{key} is {written} but the timeline says {said} ({source}); "
            "the front-matter must tell what the timeline did")


FAULTS: dict[str, Fault] = {
    "priority-disagrees-with-matrix": Fault(
        lambda g: g.edit("\npriority: P3\n", "\npriority: P1\n"), "priority",
        lambda g: "priority is P1 but impact medium x urgency medium gives P3 (priority is derived, never typed)",
        (("priority", "P1", "P3"),)),
    "priority-without-impact": Fault(
        lambda g: g.edit("\nimpact: medium\n", "\nimpact:\n"), "priority",
        lambda g: "priority 'P3' needs both impact and urgency", (("impact", "empty", "medium"),)),
    "unknown-status": Fault(
        lambda g: g.edit("\nstatus: new\n", "\nstatus: frozen\n"), "status",
        lambda g: "status 'frozen' must be one of new, assigned, in_progress, pending, resolved, closed",
        (("status", "frozen", "new"),)),
    "resolved-without-resolution": Fault(
        _resolved_without_resolution, "status", lambda g: "status is resolved but no resolution is recorded",
        (("status", "resolved", "new"), ("resolved", "2026-11-26T10:00:00Z", "empty"))),
    "closed-without-closed-time": Fault(
        _closed_without_time, "status", lambda g: "status is closed but 'closed' has no time",
        (("status", "closed", "new"), ("resolved", "2026-11-26T10:00:00Z", "empty"),
         ("resolution", "kind: fix, summary: Quota raised", "empty"), ("notified", "2026-11-26T10:05:00Z", "empty"))),
    "in-progress-without-owner": Fault(
        lambda g: g.edit("\nstatus: new\n", "\nstatus: in_progress\n"), "owner",
        lambda g: "status is in_progress but nobody owns the ticket", (("status", "in_progress", "new"),)),
    "new-with-owner": Fault(
        lambda g: g.edit("\nowner:\n", "\nowner: Bob Stone\n"), "status",
        lambda g: "status is new but the ticket has an owner (should be assigned)", (("owner", "Bob Stone", "empty"),)),
    "unknown-category": Fault(
        lambda g: g.edit("\ncategory: email/mailbox\n", "\ncategory: email/pigeon\n"), "category",
        lambda g: "category 'email/pigeon' is not in the taxonomy of itsm.yaml",
        (("category", "email/pigeon", "email/mailbox"),)),
    "unknown-group": Fault(
        lambda g: g.edit("\ngroup: messaging\n", "\ngroup: wizards\n"), "group",
        lambda g: "unknown group 'wizards' (groups: service-desk, identity, network, desktop-support, messaging, "
                  "applications, infrastructure, suppliers)", (("group", "wizards", "messaging"),)),
    "bad-timestamp": Fault(
        lambda g: g.edit("\nupdated: 2026-11-26T09:00:00Z\n", "\nupdated: yesterday\n"), "updated",
        lambda g: "updated 'yesterday' is not a UTC time like 2026-11-26T09:00:00Z"),
    "problem-does-not-exist": Fault(
        lambda g: g.edit("\nproblem:\n", "\nproblem: PRB-ZZZZZZ\n"), "problem",
        lambda g: "problem PRB-ZZZZZZ does not exist", (("problem", "PRB-ZZZZZZ", "empty"),)),
    "malformed-yaml": Fault(
        lambda g: g.edit("\ntitle: Mail slow\n", "\ntitle: Mail: slow\n"), "title",
        lambda g: "mapping values are not allowed here"),
    "bad-value-type": Fault(
        lambda g: g.edit("\nlevel: 2\n", "\nlevel: two\n"), "level", lambda g: "'level': must be a whole number"),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_each_ticket_fault_is_reported_at_its_line(good: Good, run_itsm: RunItsm, name: str) -> None:
    fault = FAULTS[name]
    fault.breaks(good)
    expected = [(line_of(good.path, fault.key), fault.message(good))]
    expected += [(line_of(good.path, key), disagreement(good, key, written, said))
                 for key, written, said in fault.disagreements]
    code, out, err = run_check(run_itsm, good.root)
    assert out == "".join(f"{good.rel}:{line}: {message}\n" for line, message in sorted(expected))
    assert code == 1
    faults = "1 fault" if len(expected) == 1 else f"{len(expected)} faults"
    assert err == f"itsm check: {faults} in 1 file (1 ticket, 0 problems, 0 KB articles)\n"


def test_a_front_matter_that_is_never_closed_says_so(good: Good, run_itsm: RunItsm) -> None:
    good.edit("\nreassignments: 0\n---\n", "\nreassignments: 0\n")
    code, out, _ = run_check(run_itsm, good.root)
    assert (code, out) == (1, f"{good.rel}:1: the front-matter is never closed: add a '---' line after its last key\n")


def test_a_wrong_created_time_is_one_fault_not_a_cascade(good: Good, run_itsm: RunItsm) -> None:
    good.edit("\ncreated: 2026-11-26T09:00:00Z\n", "\ncreated: 26/11/2026\n")
    code, out, _ = run_check(run_itsm, good.root)
    assert (code, out) == (1, f"{good.rel}:19: created '26/11/2026' is not a UTC time like 2026-11-26T09:00:00Z\n")


def test_a_timeline_fault_names_the_line_of_its_entry(good: Good, run_itsm: RunItsm) -> None:
    assert run_itsm("log", good.id, "Called the user", env={"ITSM_NOW": "2026-11-26T10:00:00Z"}).returncode == 0
    text = good.path.read_text()
    good.path.write_text(text.replace("### 2026-11-26T10:00:00Z · note", "### 2026-11-26T08:00:00Z · note"))
    line = next(n for n, text in enumerate(good.path.read_text().split("\n"), 1) if " · note · " in text)
    entry_id = good.path.read_text().split(" · note · Alice Moreau <!-- ", 1)[1][:8]
    code, out, _ = run_check(run_itsm, good.root)
    assert (code, out) == (1, f"{good.rel}:{line}: timeline entry {entry_id} (2026-11-26T08:00:00Z) is earlier "
                              "than the one before it\n")


def test_ticket_filed_in_the_wrong_month(good: Good, run_itsm: RunItsm) -> None:
    moved = good.root / "tickets" / "2026-10" / good.path.name
    moved.parent.mkdir()
    good.path.rename(moved)
    code, out, _ = run_check(run_itsm, good.root)
    assert out == f"tickets/2026-10/{good.id}.md:19: filed under 2026-10/ but created in 2026-11\n"
    assert code == 1


def test_duplicate_id_in_two_month_folders(good: Good, run_itsm: RunItsm) -> None:
    copy = good.root / "tickets" / "2026-10" / good.path.name
    copy.parent.mkdir()
    copy.write_text(good.path.read_text().replace("\ncreated: 2026-11-26T09:00:00Z\n", "\ncreated: 2026-10-15T09:00:00Z\n"))
    code, out, err = run_check(run_itsm, good.root)
    assert out == (
        f"tickets/2026-10/{good.id}.md:2: duplicate ID {good.id} (also in {good.rel})\n"
        f"{good.rel}:2: duplicate ID {good.id} (also in tickets/2026-10/{good.id}.md)\n"
    )
    assert code == 1
    assert err == "itsm check: 2 faults in 2 files (2 tickets, 0 problems, 0 KB articles)\n"


def test_id_that_does_not_match_the_file_name(good: Good, run_itsm: RunItsm) -> None:
    other = good.path.with_name("INC-ZZZZZZ.md")
    other.write_text(good.path.read_text())
    code, out, _ = run_check(run_itsm, good.root)
    assert out == f"tickets/{MONTH}/INC-ZZZZZZ.md:2: id '{good.id}' does not match the file name\n"
    assert code == 1


def test_problem_listing_an_incident_that_does_not_link_back(good: Good, run_itsm: RunItsm) -> None:
    problem = good.root / "problems" / f"{PRB}.md"
    problem.write_text(problem_text([good.id]))
    code, out, err = run_check(run_itsm, good.root)
    assert out == f"problems/{PRB}.md:{line_of(problem, 'incidents')}: lists {good.id}, but {good.id} links no problem\n"
    assert line_of(problem, "incidents") == 7
    assert code == 1
    assert err == "itsm check: 1 fault in 1 file (1 ticket, 1 problem, 0 KB articles)\n"


def test_ticket_linking_a_problem_that_does_not_list_it(good: Good, run_itsm: RunItsm) -> None:
    (good.root / "problems" / f"{PRB}.md").write_text(problem_text([]))
    good.edit("\nproblem:\n", f"\nproblem: {PRB}\n")
    code, out, _ = run_check(run_itsm, good.root)
    assert out == (f"{good.rel}:16: links {PRB}, but {PRB} does not list {good.id}\n"
                   f"{good.rel}:16: {disagreement(good, 'problem', PRB, 'empty')}\n")
    assert code == 1


def test_problem_listing_a_missing_incident(good: Good, run_itsm: RunItsm) -> None:
    (good.root / "problems" / f"{PRB}.md").write_text(problem_text(["INC-ZZZZZZ"]))
    code, out, _ = run_check(run_itsm, good.root)
    assert out == f"problems/{PRB}.md:7: incident INC-ZZZZZZ does not exist\n"
    assert code == 1


def test_several_faults_sorted_by_file_and_line_and_json(good: Good, run_itsm: RunItsm) -> None:
    good.edit("\nstatus: new\n", "\nstatus: in_progress\n")
    good.edit("\npriority: P3\n", "\npriority: P5\n")
    second = run_itsm("new", "Printer jams", "-c", "hardware/printer").stdout.strip()
    broken = good.root / "tickets" / MONTH / f"{second}.md"
    broken.write_text(broken.read_text().replace("\ntitle: Printer jams\n", "\ntitle: Printer: jams\n"))
    expected = sorted(
        [
            {"path": good.rel, "line": 5, "message": disagreement(good, "status", "in_progress", "new")},
            {"path": good.rel, "line": 6, "message": disagreement(good, "priority", "P5", "P3")},
            {"path": good.rel, "line": 6,
             "message": "priority is P5 but impact medium x urgency medium gives P3 (priority is derived, never typed)"},
            {"path": good.rel, "line": 12, "message": "status is in_progress but nobody owns the ticket"},
            {"path": f"tickets/{MONTH}/{second}.md", "line": 3, "message": "mapping values are not allowed here"},
        ],
        key=lambda f: (str(f["path"]), int(str(f["line"])), str(f["message"])),
    )
    code, out, err = run_check(run_itsm, good.root)
    assert code == 1
    assert out == "".join(f"{f['path']}:{f['line']}: {f['message']}\n" for f in expected)
    assert err == "itsm check: 5 faults in 2 files (2 tickets, 0 problems, 0 KB articles)\n"
    done = run_itsm("check", "--json")
    assert done.returncode == 1
    assert done.stderr == ""
    assert json.loads(done.stdout) == [{**f, "severity": "error"} for f in expected]


def test_closed_without_the_user_told_is_an_impossible_state(good: Good, run_itsm: RunItsm) -> None:
    _closed_without_time(good)
    good.edit("\nnotified: 2026-11-26T10:05:00Z\n", "\nnotified:\n")
    good.edit("\nclosed:\n", "\nclosed: 2026-11-26T11:00:00Z\n")
    code, out, _ = run_check(run_itsm, good.root)
    rel = f"tickets/2026-11/{good.id}.md"
    assert (code, out) == (1, "".join(f"{rel}:{line}: {message}\n" for line, message in [
        (5, disagreement(good, "status", "closed", "new")),
        (5, "status is closed but the user was never told ('notified' has no time)"),
        (22, disagreement(good, "resolved", "2026-11-26T10:00:00Z", "empty")),
        (23, disagreement(good, "closed", "2026-11-26T11:00:00Z", "empty")),
        (26, disagreement(good, "resolution", "kind: fix, summary: Quota raised", "empty")),
    ]))
