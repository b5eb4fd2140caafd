"""SLA facts a desk manager can trust (issue 9, items 2-5), as hand-computed tables.

Pure: tickets are built as values whose timelines carry set lines (`changes`), the way
itsm writes them, so the clocks can read which priority was in force when. Default
targets: P1 15m/4h, P2 30m/8h, P3 4h/3d, P4 8h/5d, P5 1d/10d; around the clock unless the
case's config says otherwise. 2026-11-02 is a Monday; 2026-11-07 a Saturday.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm.core import timeutil
from itsm.core.model import Entry, Ticket
from itsm.domain import sla
from tests.conftest import commit_all, git, snapshot
from tests.test_sla import at, load_config

REPORTER = "Rita User"
AGENT = "Alice Moreau"
BERLIN = ("business_hours:\n  timezone: Europe/Berlin\n  days: {mon: '08:00-18:00', tue: '08:00-18:00', "
          "wed: '08:00-18:00', thu: '08:00-18:00', fri: '08:00-18:00'}\n")


# (time, actor, kind, text, changes)
Step = tuple[str, str, str, str, dict[str, Any]]


def ticket(priority: str, steps: list[Step]) -> Ticket:
    """A ticket whose entries carry set lines; its fields are the timeline folded."""
    entries = tuple(Entry(f"E{i:07d}", when, actor, kind, text, tuple(changes.items()))
                    for i, (when, actor, kind, text, changes) in enumerate(steps))
    fields: dict[str, Any] = {"priority": priority}
    for *_, changes in steps:
        fields.update({k: v for k, v in changes.items() if k in ("priority", "owner", "status", "waiting_on")})
    return Ticket(id="INC-TEST01", title="The VPN drops", reporter=REPORTER, created=steps[0][0],
                  updated=steps[-1][0], timeline=entries, **fields)


def created(when: str, priority: str) -> Step:
    return (when, REPORTER, "created", "Recorded from web", {"status": "new", "priority": priority})


def reclassified(when: str, priority: str, kind: str = "categorise") -> Step:
    return (when, AGENT, kind, f"priority -> {priority}", {"priority": priority})


def owner(when: str, name: str = "Olga Owner") -> Step:
    return (when, AGENT, "assign", f"owner (none) -> {name}", {"owner": name, "status": "assigned"})


# -- item 2: a breach is a fact ---------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    config: str
    steps: list[Step]
    now: str
    # (state, due, breached earlier as [(priority, due)]) for response, then resolution
    response: tuple[str, str, list[tuple[str, str]]]
    resolution: tuple[str, str, list[tuple[str, str]]]


D = "2026-11-02T"
FACTS: dict[str, Fact] = {
    "downgrade-keeps-the-breach": Fact(
        # The issue's case: a P1 recorded 09:00, owner at once; its 4h resolution target
        # passed at 13:00; set to medium/medium (P3) at 14:05. The breach stays; the P3 target
        # counts from 14:05: 3 days later.
        "", [created(D + "09:00:00Z", "P1"), owner(D + "09:00:00Z"), reclassified(D + "14:05:00Z", "P3")],
        D + "15:00:00Z",
        ("met", D + "09:15:00Z", []),
        ("due", "2026-11-05T14:05:00Z", [("P1", D + "13:00:00Z")]),
    ),
    "downgrade-then-resolved-in-time-is-still-missed": Fact(
        "", [created(D + "09:00:00Z", "P1"), owner(D + "09:00:00Z"), reclassified(D + "14:05:00Z", "P3"),
             (D + "16:00:00Z", AGENT, "resolve", "fix: new profile", {"status": "resolved"})],
        "2026-11-10T09:00:00Z",
        ("met", D + "09:15:00Z", []),
        ("missed", "2026-11-05T14:05:00Z", [("P1", D + "13:00:00Z")]),  # 14:05 + 72h; stopped at 16:00
    ),
    "downgrade-before-the-breach-is-no-breach": Fact(
        "", [created(D + "09:00:00Z", "P1"), owner(D + "09:00:00Z"), reclassified(D + "12:00:00Z", "P3")],
        D + "15:00:00Z",
        ("met", D + "09:15:00Z", []),
        ("due", "2026-11-05T12:00:00Z", []),  # 3h of 4h used as P1: not passed
    ),
    "upgrade-from-saturday-does-not-breach-in-the-past": Fact(
        # The issue's case: a P3 recorded Saturday 10:00 Berlin (09:00Z), upgraded to P1 Monday
        # 09:00 Berlin. P1 is always on. Counted from the change: 15m and 4h from Monday 08:00Z.
        BERLIN + "  always_on: [P1]\n",
        [created("2026-11-07T09:00:00Z", "P3"), reclassified("2026-11-09T08:00:00Z", "P1")],
        "2026-11-09T08:10:00Z",
        ("due", "2026-11-09T08:15:00Z", []),
        ("due", "2026-11-09T12:00:00Z", []),
    ),
    "upgrade-from-saturday-counted-from-creation": Fact(
        # sla.on_priority_change: from_creation (ServiceNow's retroactive start): the P1 targets
        # count from Saturday, so they are passed — but only from the moment P1 is in force,
        # never "since Saturday".
        BERLIN + "  always_on: [P1]\nsla:\n  on_priority_change: from_creation\n",
        [created("2026-11-07T09:00:00Z", "P3"), reclassified("2026-11-09T08:00:00Z", "P1")],
        "2026-11-09T08:10:00Z",
        ("breached", "2026-11-09T08:00:00Z", []),
        ("breached", "2026-11-09T08:00:00Z", []),
    ),
    "a-major-declaration-counts-from-the-declaration": Fact(
        # A P3 recorded 09:00, owned at once, declared major (P1) at 11:00: P1's 4h from 11:00.
        "", [created(D + "09:00:00Z", "P3"), owner(D + "09:00:00Z"),
             reclassified(D + "11:00:00Z", "P1", kind="hierarchical")],
        D + "14:00:00Z",
        ("met", D + "13:00:00Z", []),  # answered at 09:00 under P3: its deadline stays
        ("due", D + "15:00:00Z", []),
    ),
    "a-change-after-resolution-does-not-rewrite-the-outcome": Fact(
        # Resolved at 12:00 as P3 (met). A later upgrade (a hand edit before this rule) to P1,
        # whose 4h would have been passed at 13:00, changes nothing: the clock had stopped.
        "", [created(D + "09:00:00Z", "P3"), owner(D + "09:00:00Z"),
             (D + "12:00:00Z", AGENT, "resolve", "fix", {"status": "resolved"}),
             reclassified(D + "15:00:00Z", "P1", kind="edit")],
        D + "16:00:00Z",
        ("met", D + "13:00:00Z", []),
        ("met", "2026-11-05T09:00:00Z", []),
    ),
    "pending-does-not-hide-a-breach-already-made": Fact(
        "", [created(D + "09:00:00Z", "P1"), owner(D + "09:00:00Z"),
             (D + "14:00:00Z", AGENT, "pend", "waiting for the user", {"status": "pending", "waiting_on": "user"}),
             reclassified(D + "14:30:00Z", "P3")],
        D + "16:00:00Z",
        ("met", D + "09:15:00Z", []),
        ("paused", "2026-11-05T16:00:00Z", [("P1", D + "13:00:00Z")]),  # as if resumed now: 16:00 + 72h
    ),
}


def stood(standings: list[sla.Standing], clock: str) -> tuple[str, str, list[tuple[str, str]]]:
    s = next(s for s in standings if s.clock == clock)
    return s.state, timeutil.format(s.due), [(b.priority, timeutil.format(b.due)) for b in s.earlier]


@pytest.mark.parametrize("name", list(FACTS))
def test_breach_facts(name: str, tmp_path: Path) -> None:
    case = FACTS[name]
    config = load_config(tmp_path, case.config)
    standings = sla.standing(ticket("P3", case.steps), config, at(case.now))
    assert stood(standings, "response") == case.response
    assert stood(standings, "resolution") == case.resolution


def test_the_words_keep_the_earlier_breach(tmp_path: Path) -> None:
    config = load_config(tmp_path, "")
    case = FACTS["downgrade-keeps-the-breach"]
    standings = sla.standing(ticket("P3", case.steps), config, at(case.now))
    resolution = next(s for s in standings if s.clock == "resolution")
    assert resolution.words(at(case.now)) == (
        "resolution due in 2d 23h 5m (2026-11-05T14:05:00Z), also breached as P1 (due 2026-11-02T13:00:00Z)")
    assert resolution.short(at(case.now)) == "BREACHED as P1"


# -- items 3 and 5: what is a response, which waits pause ---------------------------------------


@dataclass(frozen=True)
class Response:
    config: str
    steps: list[Step]
    responded: str | None


RESPONSES: dict[str, Response] = {
    "owner-only-ignores-a-call": Response(
        "sla:\n  response_stops_on: [owner]\n",
        [created(D + "09:00:00Z", "P3"), (D + "09:10:00Z", AGENT, "call", "called Rita", {}),
         owner(D + "09:40:00Z")],
        D + "09:40:00Z"),
    "contact-only-ignores-the-owner": Response(
        "sla:\n  response_stops_on: [contact]\n",
        [created(D + "09:00:00Z", "P3"), owner(D + "09:10:00Z"),
         (D + "09:40:00Z", AGENT, "email", "Dear Rita", {})],
        D + "09:40:00Z"),
    "both-by-default-the-first-wins": Response(
        "", [created(D + "09:00:00Z", "P3"), owner(D + "09:10:00Z"),
             (D + "09:40:00Z", AGENT, "email", "Dear Rita", {})],
        D + "09:10:00Z"),
    "a-reply-from-the-user-is-not-our-response": Response(
        "", [created(D + "09:00:00Z", "P3"), (D + "09:10:00Z", AGENT, "email-in", "Rita: any news?", {}),
             (D + "09:20:00Z", REPORTER, "call", "Rita called in", {})],
        None),
    "a-problem-link-is-not-a-response": Response(
        "", [created(D + "09:00:00Z", "P3"), (D + "09:10:00Z", AGENT, "link", "Linked to problem PRB-1", {"problem": "PRB-1"})],
        None),
    "resolving-is-a-response": Response(
        "", [created(D + "09:00:00Z", "P3"), (D + "09:30:00Z", AGENT, "resolve", "fix", {"status": "resolved"})],
        D + "09:30:00Z"),
}


@pytest.mark.parametrize("name", list(RESPONSES))
def test_first_response(name: str, tmp_path: Path) -> None:
    case = RESPONSES[name]
    config = load_config(tmp_path, case.config)
    subject = ticket("P3", case.steps)
    responded = sla.first_response(subject, config)
    assert (timeutil.format(responded) if responded else None) == case.responded
    clock = sla.clocks(subject, config, at(D + "12:00:00Z")).response
    assert clock is not None
    # The clock and `responded` never disagree.
    assert (timeutil.format(clock.stopped) if clock.stopped else None) == case.responded
    assert sla.with_deadlines(subject, config, at(D + "12:00:00Z")).responded == case.responded


def pend_steps(on: str) -> list[Step]:
    return [created(D + "09:00:00Z", "P2"), owner(D + "09:00:00Z"),
            (D + "10:00:00Z", AGENT, "pend", f"waiting on {on}", {"status": "pending", "waiting_on": on}),
            (D + "13:00:00Z", AGENT, "resume", "resumed", {"status": "in_progress", "waiting_on": None})]


@pytest.mark.parametrize(("on", "config", "used", "due"), [
    # P2 resolution 8h from 09:00, pending 10:00-13:00; now 14:00.
    ("user", "", "2h", D + "20:00:00Z"),  # 1h + 1h; paused 3h: 17:00 + 3h
    ("supplier", "", "5h", D + "17:00:00Z"),  # the supplier's wait is the desk's: the clock ran
    ("change", "", "5h", D + "17:00:00Z"),
    ("supplier", "sla:\n  pause_on: [user, supplier]\n", "2h", D + "20:00:00Z"),
    ("user", "sla:\n  pause_on: []\n", "5h", D + "17:00:00Z"),
])
def test_only_listed_waits_pause(on: str, config: str, used: str, due: str, tmp_path: Path) -> None:
    clock = sla.clocks(ticket("P2", pend_steps(on)), load_config(tmp_path, config), at(D + "14:00:00Z")).resolution
    assert clock is not None
    assert (timeutil.span(clock.used), timeutil.format(clock.due)) == (used, due)


def test_waits_are_reported_by_whom_they_waited_on() -> None:
    steps = [*pend_steps("supplier"),
             (D + "15:00:00Z", AGENT, "pend", "waiting on the user", {"status": "pending", "waiting_on": "user"})]
    assert {k: timeutil.span(v) for k, v in sla.waits(ticket("P2", steps), at(D + "16:00:00Z")).items()} == {
        "supplier": "3h", "user": "1h"}


# -- the property: a recorded breach is never turned into a met target --------------------------

PRIORITY = st.sampled_from(["P1", "P2", "P3", "P4", "P5"])
OPERATION = st.one_of(
    st.tuples(st.just("reclassify"), PRIORITY),
    st.tuples(st.just("pend"), st.sampled_from(["user", "supplier"])),
    st.tuples(st.just("resume"), st.just("")),
    st.tuples(st.just("resolve"), st.just("")),
    st.tuples(st.just("reopen"), st.just("")),
    st.tuples(st.just("call"), st.just("")),
    st.tuples(st.just("owner"), st.just("")),
)


@settings(max_examples=150, deadline=None)
@given(first=PRIORITY, operations=st.lists(st.tuples(st.integers(1, 600), OPERATION), max_size=14),
       from_creation=st.booleans(), business=st.booleans())
def test_no_sequence_turns_a_recorded_breach_into_a_met_target(
    tmp_path_factory: pytest.TempPathFactory, first: str, operations: list[tuple[int, tuple[str, str]]],
    from_creation: bool, business: bool,
) -> None:
    text = (BERLIN if business else "") + ("sla:\n  on_priority_change: from_creation\n" if from_creation else "")
    config = load_config(tmp_path_factory.mktemp("c"), text)
    moment = at(D + "09:00:00Z")
    steps: list[Step] = [created(timeutil.format(moment), first)]
    status, priority = "new", first
    breached = {"response": False, "resolution": False}
    for minutes, (operation, value) in operations:
        moment = moment + timeutil.parse_duration(f"{minutes}m")
        when = timeutil.format(moment)
        # Only what the lifecycle allows, so the timeline is one itsm could write.
        if operation == "reclassify" and status not in ("resolved",) and value != priority:
            steps.append(reclassified(when, value))
            priority = value
        elif operation == "pend" and status in ("assigned", "in_progress"):
            steps.append((when, AGENT, "pend", "wait", {"status": "pending", "waiting_on": value}))
            status = "pending"
        elif operation == "resume" and status == "pending":
            steps.append((when, AGENT, "resume", "go", {"status": "in_progress", "waiting_on": None}))
            status = "in_progress"
        elif operation == "resolve" and status != "resolved":
            steps.append((when, AGENT, "resolve", "fix", {"status": "resolved", "waiting_on": None}))
            status = "resolved"
        elif operation == "reopen" and status == "resolved":
            steps.append((when, AGENT, "reopen", "again", {"status": "in_progress"}))
            status = "in_progress"
        elif operation == "call":
            steps.append((when, AGENT, "call", "called", {}))
        elif operation == "owner" and status == "new":
            steps.append(owner(when))
            status = "assigned"
        subject = ticket(priority, steps)
        state = sla.clocks(subject, config, moment)
        for clock_name, clock in (("response", state.response), ("resolution", state.resolution)):
            assert clock is not None
            if breached[clock_name]:
                assert clock.ever_breached, (clock_name, steps)
            breached[clock_name] = clock.ever_breached


# -- the same rules through the real CLI, on a fresh `itsm init` desk -------------------------


def _cli(run_itsm: Any, *args: str, at_time: str) -> Any:
    done = run_itsm(*args, env={"ITSM_NOW": at_time})
    assert done.returncode == 0, (args, done.stderr)
    return done


def _show(run_itsm: Any, ticket_id: str, at_time: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_cli(run_itsm, "show", ticket_id, "--json", at_time=at_time).stdout)
    return data


def test_the_issue_downgrade_stays_breached_in_chase_and_show(desk: Path, run_itsm: Any) -> None:
    # A P1 recorded 09:00 with an owner; breached at 13:00; set to medium/medium at 14:05.
    ticket_id = _cli(run_itsm, "new", "Payroll down", "--impact", "high", "--urgency", "high", "-r", "rita@example.org",
                     "--owner", "Olga Owner", at_time=D + "09:00:00Z").stdout.strip()
    _cli(run_itsm, "categorise", ticket_id, "--impact", "medium", "--urgency", "medium", at_time=D + "14:05:00Z")
    data = _show(run_itsm, ticket_id, D + "15:00:00Z")
    assert data["priority"] == "P3"
    assert data["sla"]["resolution"]["breached_earlier"] == [{"priority": "P1", "due": D + "13:00:00Z"}]
    chased = json.loads(_cli(run_itsm, "chase", "--json", at_time=D + "15:00:00Z").stdout)
    assert [row["id"] for row in chased] == [ticket_id]
    assert any("breached as P1" in issue["what"] for issue in chased[0]["issues"])
    # Resolved the next day, inside the P3 target: the outcome is still a miss.
    _cli(run_itsm, "resolve", ticket_id, "--fix", "restarted the payroll service", at_time="2026-11-03T09:00:00Z")
    data = _show(run_itsm, ticket_id, "2026-11-03T10:00:00Z")
    assert data["sla"]["resolution"]["state"] == "missed"


def test_priority_and_impact_are_frozen_once_resolved(desk: Path, run_itsm: Any) -> None:
    ticket_id = _cli(run_itsm, "new", "Printer jam", "-c", "hardware/printer", "--owner", "Olga Owner",
                     at_time=D + "09:00:00Z").stdout.strip()
    _cli(run_itsm, "resolve", ticket_id, "--fix", "cleared the jam", at_time=D + "10:00:00Z")
    before = snapshot(desk)
    for args in (("categorise", ticket_id, "--impact", "high"), ("categorise", ticket_id, "--urgency", "low"),
                 ("categorise", ticket_id, "--type", "request")):
        done = run_itsm(*args, env={"ITSM_NOW": D + "11:00:00Z"})
        assert (done.returncode, done.stdout) == (2, "")
        assert f"{ticket_id} is resolved: its" in done.stderr and "frozen" in done.stderr
        assert len(done.stderr.strip().splitlines()) <= 2  # the error and its hint
    assert snapshot(desk) == before
    # The category may still be corrected: close needs it.
    _cli(run_itsm, "categorise", ticket_id, "-c", "hardware/monitor", at_time=D + "11:00:00Z")


def test_pend_on_a_supplier_keeps_the_clock_running_and_says_so(desk: Path, run_itsm: Any) -> None:
    ticket_id = _cli(run_itsm, "new", "Disk failing", "--impact", "high", "--urgency", "medium",
                     "--owner", "Olga Owner", at_time=D + "09:00:00Z").stdout.strip()  # P2: 8h
    done = _cli(run_itsm, "pend", ticket_id, "--on", "supplier", "--reason", "Dell sends a disk",
                at_time=D + "10:00:00Z")
    assert "waiting on supplier: Dell sends a disk (the SLA clocks keep running)" in done.stdout
    data = _show(run_itsm, ticket_id, D + "18:00:00Z")
    assert (data["status"], data["waiting_on"]) == ("pending", "supplier")
    assert data["sla"]["resolution"]["state"] == "breached"  # 9h > 8h: the wait was the desk's
    # The wait is the supplier's, and shown as such.
    assert data["waited_minutes"] == {"supplier": 480}
    shown = _cli(run_itsm, "show", ticket_id, at_time=D + "18:00:00Z").stdout
    assert "\n  waited: on supplier 8h\n" in shown
    done = run_itsm("pend", ticket_id, "--on", "vendor", "--reason", "x")
    assert done.returncode == 2 and "unknown wait (--on) 'vendor'" in done.stderr


def test_a_user_reply_resumes_a_ticket_pending_on_the_user(desk: Path, run_itsm: Any) -> None:
    ticket_id = _cli(run_itsm, "new", "No audio", "-r", "rita@example.org", "--owner", "Olga Owner",
                     at_time=D + "09:00:00Z").stdout.strip()
    _cli(run_itsm, "pend", ticket_id, "--reason", "asked Rita to test the headset", at_time=D + "10:00:00Z")
    _cli(run_itsm, "log", ticket_id, "Rita: still no audio", "--kind", "email", "--from-user", at_time=D + "11:00:00Z")
    data = _show(run_itsm, ticket_id, D + "11:00:00Z")
    assert (data["status"], data["waiting_on"]) == ("in_progress", None)
    assert [(e["kind"], e["text"]) for e in data["timeline"][-2:]] == [
        ("email-in", "Rita: still no audio"), ("resume", "resumed: the user replied")]
    # A reply while waiting on a supplier does not end the supplier's wait.
    _cli(run_itsm, "pend", ticket_id, "--on", "supplier", "--reason", "new headset ordered", at_time=D + "12:00:00Z")
    _cli(run_itsm, "log", ticket_id, "Rita: any news?", "--kind", "chat", "--from-user", at_time=D + "13:00:00Z")
    assert _show(run_itsm, ticket_id, D + "13:00:00Z")["status"] == "pending"
    done = run_itsm("log", ticket_id, "hello", "--from-user")
    assert done.returncode == 2 and "a note is internal" in done.stderr


def test_a_user_reply_after_notify_stops_autoclose(desk: Path, run_itsm: Any) -> None:
    # The issue's case: told it is resolved, the user answered "still no audio"; five silent
    # days later autoclose must not close it as "stayed silent".
    ticket_id = _cli(run_itsm, "new", "No audio", "-c", "hardware/phone", "-r", "rita@example.org",
                     "--owner", "Olga Owner", at_time=D + "09:00:00Z").stdout.strip()
    _cli(run_itsm, "resolve", ticket_id, "--fix", "new driver", at_time=D + "10:00:00Z")
    _cli(run_itsm, "notify", ticket_id, at_time=D + "10:05:00Z")
    _cli(run_itsm, "log", ticket_id, "Rita: still no audio", "--kind", "email", "--from-user", at_time=D + "12:00:00Z")
    done = _cli(run_itsm, "autoclose", "--json", at_time="2026-11-09T09:00:00Z")
    result = json.loads(done.stdout)
    assert [(r["id"], r["closed"]) for r in result] == [(ticket_id, False)]
    assert "the user replied after being told" in json.dumps(result)
    assert _show(run_itsm, ticket_id, "2026-11-09T09:00:00Z")["status"] == "resolved"
    chased = json.loads(_cli(run_itsm, "chase", "--json", at_time="2026-11-02T13:00:00Z").stdout)
    assert [(row["id"], row["what"]) for row in chased] == [(ticket_id, "the user replied after resolution")]
    # Reopen is still possible: the ticket was never closed.
    _cli(run_itsm, "reopen", ticket_id, "--reason", "still no audio", at_time="2026-11-09T09:05:00Z")


def test_check_verifies_responded_and_fix_derives_it(desk: Path, run_itsm: Any) -> None:
    ticket_id = _cli(run_itsm, "new", "VPN drops", "-r", "rita@example.org", at_time=D + "09:00:00Z").stdout.strip()
    _cli(run_itsm, "log", ticket_id, "looking at the logs", at_time=D + "09:10:00Z")  # internal: no response
    path = next((desk / "tickets").glob(f"*/{ticket_id}.md"))
    assert "\nresponded:\n" in path.read_text()
    path.write_text(path.read_text().replace("\nresponded:\n", f"\nresponded: {D}09:10:00Z\n"))
    commit_all(desk, "an older itsm counted the note")
    done = run_itsm("check")
    assert done.returncode == 1
    assert f"responded is {D}09:10:00Z but the timeline's first response is none yet" in done.stdout
    done = run_itsm("check", "--fix")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"itsm check: {ticket_id}: responded and SLA deadlines derived afresh" in done.stderr
    assert "\nresponded:\n" in path.read_text()
    assert git(desk, "status", "--porcelain") == ""
    assert git(desk, "log", "-1", "--format=%s") == "check --fix: responded and SLA deadlines derived afresh\n"


def test_a_long_supplier_wait_is_chased_as_such(desk: Path, run_itsm: Any) -> None:
    ticket_id = _cli(run_itsm, "new", "Disk failing", "--owner", "Olga Owner", at_time=D + "09:00:00Z").stdout.strip()
    _cli(run_itsm, "pend", ticket_id, "--on", "supplier", "--reason", "Dell sends a disk", at_time=D + "10:00:00Z")
    # chase.pending_after is 5d: from Monday 10:00, Saturday 10:00 around the clock.
    rows = json.loads(_cli(run_itsm, "chase", "--json", at_time="2026-11-07T09:59:00Z").stdout)
    assert [i["what"] for i in rows[0]["issues"]] == ["resolution SLA breached"]  # the desk's clock ran on
    rows = json.loads(_cli(run_itsm, "chase", "--json", at_time="2026-11-07T10:00:00Z").stdout)
    assert {"what": "waiting on supplier too long", "since": D + "10:00:00Z"} in rows[0]["issues"]
