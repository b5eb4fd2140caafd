"""Service requests are not incidents (issue 9, item 6): docs/lifecycle.md "Service requests".

Every instant below is computed by hand. Monday 2026-11-02 is in CET (UTC+1): 09:00 in
Berlin is 08:00Z. The default targets: P3 (impact and urgency medium) responds in 4h and
resolves in 3d. The desk's itsm.yaml is one of CONFIGS (every other key at its default):

    requests: targets {onboarding/new-starter: 10d, software: 3d, software/license: 2d,
              default: 5d}; approval [software/license]
    berlin:   Mon-Fri 08:00-18:00 Europe/Berlin
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from itsm.config import defaults, settings
from itsm.config import loading as config_mod
from itsm.core import timeutil
from itsm.core.model import Resolution, Ticket
from itsm.domain import record_rules, service_requests
from itsm.domain.lifecycle import TRANSITIONS
from itsm.operations import desk_init
from tests.conftest import NOW, RunItsm, Templates, git, run_cli, snapshot

MONDAY_0900 = "2026-11-02T09:00:00Z"  # around the clock: UTC
BERLIN_MONDAY_0900 = "2026-11-02T08:00:00Z"
REQUESTS = (
    "requests:\n"
    "  targets: {onboarding/new-starter: 10d, software: 3d, software/license: 2d, default: 5d}\n"
    "  approval: [software/license]\n"
)
BERLIN = (
    "business_hours:\n  timezone: Europe/Berlin\n"
    "  days: {mon: '08:00-18:00', tue: '08:00-18:00', wed: '08:00-18:00', thu: '08:00-18:00', fri: '08:00-18:00'}\n"
)
GROUPS = "groups:\n  service-desk: {level: 1, manager: Sam Boss}\n  desktop-support: {level: 2, manager: Dana Boss}\n"
CONFIGS = {
    "24x7": REQUESTS,
    "berlin": BERLIN + REQUESTS,
    "plain-24x7": "",  # no requests section: requests keep their priority's targets
    "plain-berlin": BERLIN,
}


def use_config(desk: Path, name: str) -> None:
    (desk / "itsm.yaml").write_text(CONFIGS[name])
    git(desk, "commit", "-q", "-am", f"itsm.yaml: {name}")


def at(run_itsm: RunItsm, when: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_itsm(*args, env={"ITSM_NOW": when})


def ok(run_itsm: RunItsm, when: str, *args: str) -> str:
    done = at(run_itsm, when, *args)
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout.strip()


def shown(run_itsm: RunItsm, when: str, ticket_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(ok(run_itsm, when, "show", ticket_id, "--json"))
    return data


# -- the resolution deadline of a request ---------------------------------------------------------

# name: (config, `itsm new` arguments after the title, recorded at, due_response, due_resolution)
DEADLINES: dict[str, tuple[str, tuple[str, ...], str, str, str]] = {
    # The issue's case: needed by the 30th, so due at the end of the 30th, not on the 5th.
    "needed-by-date-24x7": ("24x7", ("-t", "request", "-c", "onboarding/new-starter", "--due", "2026-11-30"),
                            MONDAY_0900, "2026-11-02T13:00:00Z", "2026-11-30T23:59:59Z"),
    # The end of the working day: Monday 30 November 18:00 CET.
    "needed-by-date-berlin": ("berlin", ("-t", "request", "-c", "onboarding/new-starter", "--due", "2026-11-30"),
                              BERLIN_MONDAY_0900, "2026-11-02T12:00:00Z", "2026-11-30T17:00:00Z"),
    # Saturday 28 November has no working time: Friday 27 November 18:00 CET.
    "needed-by-saturday-berlin": ("berlin", ("-t", "request", "--due", "2026-11-28"),
                                  BERLIN_MONDAY_0900, "2026-11-02T12:00:00Z", "2026-11-27T17:00:00Z"),
    # A time without an offset is the desk's local time; with one, as written. It overrides
    # the category's target (10 working days).
    "needed-by-local-time": ("berlin", ("-t", "request", "-c", "onboarding/new-starter", "--due", "2026-11-30T12:00"),
                             BERLIN_MONDAY_0900, "2026-11-02T12:00:00Z", "2026-11-30T11:00:00Z"),
    "needed-by-utc-time": ("berlin", ("-t", "request", "--needed-by", "2026-11-04T12:00:00Z"),
                           BERLIN_MONDAY_0900, "2026-11-02T12:00:00Z", "2026-11-04T12:00:00Z"),
    # The category's request target: 10 days around the clock...
    "category-target-24x7": ("24x7", ("-t", "request", "-c", "onboarding/new-starter"),
                             MONDAY_0900, "2026-11-02T13:00:00Z", "2026-11-12T09:00:00Z"),
    # ...10 working days under business hours: Tue 3 ... Fri 13, Mon 16 at 09:00 CET.
    "category-target-working-days": ("berlin", ("-t", "request", "-c", "onboarding/new-starter"),
                                     BERLIN_MONDAY_0900, "2026-11-02T12:00:00Z", "2026-11-16T08:00:00Z"),
    # `software` covers software/install: 3 working days, Thursday 09:00 CET.
    "parent-category-target": ("berlin", ("-t", "request", "-c", "software/install"),
                               BERLIN_MONDAY_0900, "2026-11-02T12:00:00Z", "2026-11-05T08:00:00Z"),
    # No key covers hardware/laptop: `default`, 5 working days, next Monday 09:00 CET.
    "default-target": ("berlin", ("-t", "request", "-c", "hardware/laptop"),
                       BERLIN_MONDAY_0900, "2026-11-02T12:00:00Z", "2026-11-09T08:00:00Z"),
    # No request targets at all: the priority's (P3: 3d), as for an incident.
    "priority-target-24x7": ("plain-24x7", ("-t", "request", "-c", "hardware/laptop"),
                             MONDAY_0900, "2026-11-02T13:00:00Z", "2026-11-05T09:00:00Z"),
    "priority-target-berlin": ("plain-berlin", ("-t", "request", "-c", "hardware/laptop"),
                               BERLIN_MONDAY_0900, "2026-11-02T12:00:00Z", "2026-11-05T08:00:00Z"),
    # Incidents keep today's path: request targets and --due are not theirs.
    "incident-keeps-its-priority-target": ("24x7", ("-c", "onboarding/new-starter"),
                                           MONDAY_0900, "2026-11-02T13:00:00Z", "2026-11-05T09:00:00Z"),
}


@pytest.mark.parametrize("name", list(DEADLINES))
def test_the_deadlines_of_a_request(desk: Path, run_itsm: RunItsm, name: str) -> None:
    config, args, recorded, due_response, due_resolution = DEADLINES[name]
    use_config(desk, config)
    ticket_id = ok(run_itsm, recorded, "new", "Laptop and accounts for Tom Berg", *args, "-q")
    data = shown(run_itsm, recorded, ticket_id)
    assert (data["due_response"], data["due_resolution"]) == (due_response, due_resolution)
    assert data["approval"] is None
    assert data["needed_by"] == (due_resolution if "--due" in args or "--needed-by" in args else None)
    assert run_itsm("check").returncode == 0


def test_a_request_needed_on_the_30th_is_not_breached_on_the_5th(desk: Path, run_itsm: RunItsm) -> None:
    """The issue's case, side by side with an incident recorded at the same moment."""
    use_config(desk, "24x7")
    request = ok(run_itsm, MONDAY_0900, "new", "New starter: Tom Berg", "-t", "request",
                 "-c", "onboarding/new-starter", "--due", "2026-11-30", "--owner", "Ben Okoro", "-q")
    incident = ok(run_itsm, MONDAY_0900, "new", "Laptop will not boot", "-c", "hardware/laptop",
                  "--owner", "Ben Okoro", "-q")
    # (instant, the request's resolution state, the incident's)
    table = [
        ("2026-11-05T09:00:00Z", "due", "due"),
        ("2026-11-05T09:00:01Z", "due", "breached"),
        ("2026-11-30T23:59:59Z", "due", "breached"),
        ("2026-12-01T00:00:00Z", "breached", "breached"),
    ]
    for when, request_state, incident_state in table:
        assert shown(run_itsm, when, request)["sla"]["resolution"]["state"] == request_state, when
        assert shown(run_itsm, when, incident)["sla"]["resolution"]["state"] == incident_state, when
    rows = json.loads(ok(run_itsm, "2026-11-05T10:00:00Z", "chase", "--json"))
    issues = {row["id"]: [issue["what"] for issue in row["issues"]] for row in rows}
    assert issues[incident][0] == "resolution SLA breached"
    assert not any("breached" in what for what in issues.get(request, []))


# -- approval --------------------------------------------------------------------------------------


def test_waiting_for_approval_does_not_count(desk: Path, run_itsm: RunItsm) -> None:
    """Requested Monday 09:00, approved Wednesday 09:00, a 2-working-day target: due Friday
    09:00 (not Wednesday); the response's 4 working hours run from Wednesday 09:00 too."""
    use_config(desk, "berlin")
    ticket_id = ok(run_itsm, BERLIN_MONDAY_0900, "new", "Visio licence for Maria", "-t", "request",
                   "-c", "software/license", "-r", "Maria Lopez", "-q")
    waiting = shown(run_itsm, "2026-11-03T16:00:00Z", ticket_id)
    assert waiting["approval"] == "requested"
    assert {clock: s["state"] for clock, s in waiting["sla"].items()} == {"response": "paused", "resolution": "paused"}
    assert waiting["sla"]["resolution"]["left_minutes"] == 20 * 60  # two working days of 10 hours
    done = at(run_itsm, "2026-11-04T08:00:00Z", "approve", ticket_id, "--note", "Maria's manager agreed by mail")
    assert done.returncode == 0, done.stderr
    assert "approved after 2d waiting" in done.stdout
    approved = shown(run_itsm, "2026-11-04T08:00:00Z", ticket_id)
    assert approved["approval"] == "approved"
    assert (approved["due_response"], approved["due_resolution"]) == ("2026-11-04T12:00:00Z", "2026-11-06T08:00:00Z")
    assert [e["changes"] for e in approved["timeline"] if e["kind"] == "approve"] == [{"approval": "approved"}]
    table = [  # (instant, resolution state)
        ("2026-11-04T09:00:00Z", "due"),
        ("2026-11-06T08:00:00Z", "due"),
        ("2026-11-06T08:00:01Z", "breached"),
    ]
    for when, state in table:
        assert shown(run_itsm, when, ticket_id)["sla"]["resolution"]["state"] == state, when
    # Fulfilled the next morning: met.
    ok(run_itsm, "2026-11-05T08:00:00Z", "resolve", ticket_id, "--fulfilled", "licence assigned")
    done_data = shown(run_itsm, "2026-11-09T08:00:00Z", ticket_id)
    assert done_data["resolution"] == {"kind": "fulfilled", "summary": "licence assigned"}
    assert done_data["sla"]["resolution"]["state"] == "met"
    assert run_itsm("check").returncode == 0


def test_a_needed_by_date_stays_put_across_the_approval(desk: Path, run_itsm: RunItsm) -> None:
    use_config(desk, "berlin")
    ticket_id = ok(run_itsm, BERLIN_MONDAY_0900, "new", "Visio licence", "-t", "request", "-c", "software/license",
                   "--due", "2026-11-30", "-q")
    ok(run_itsm, "2026-11-04T08:00:00Z", "approve", ticket_id)
    assert shown(run_itsm, "2026-11-04T08:00:00Z", ticket_id)["due_resolution"] == "2026-11-30T17:00:00Z"


def test_a_rejected_request_ends_resolved_then_closes_as_usual(desk: Path, run_itsm: RunItsm) -> None:
    use_config(desk, "berlin")
    ticket_id = ok(run_itsm, BERLIN_MONDAY_0900, "new", "Second monitor", "-t", "request", "-c", "software/license",
                   "-r", "Maria Lopez", "-q")
    done = at(run_itsm, "2026-11-02T10:00:00Z", "reject", ticket_id, "--reason", "no budget this quarter")
    assert done.returncode == 0, done.stderr
    data = shown(run_itsm, "2026-11-20T10:00:00Z", ticket_id)
    assert (data["status"], data["approval"], data["resolved"]) == ("resolved", "rejected", "2026-11-02T10:00:00Z")
    assert data["resolution"] == {"kind": "rejected", "summary": "no budget this quarter"}
    assert {clock: s["state"] for clock, s in data["sla"].items()} == {"response": "met", "resolution": "met"}
    ok(run_itsm, "2026-11-02T10:05:00Z", "notify", ticket_id, "--note", "mailed Maria")
    ok(run_itsm, "2026-11-09T10:05:00Z", "close", ticket_id)  # silent for autoclose_days
    assert shown(run_itsm, "2026-11-09T10:05:00Z", ticket_id)["status"] == "closed"
    assert run_itsm("check").returncode == 0


def test_who_may_approve_when_approvers_are_listed(desk: Path, run_itsm: RunItsm) -> None:
    (desk / "itsm.yaml").write_text(GROUPS + REQUESTS + "  approvers: [Petra Budget]\n")
    git(desk, "commit", "-q", "-am", "approvers")
    first = ok(run_itsm, NOW, "new", "Visio licence", "-t", "request", "-c", "software/license", "-q")
    second = ok(run_itsm, NOW, "new", "Project licence", "-t", "request", "-c", "software/license", "-q")
    before = snapshot(desk)
    done = at(run_itsm, NOW, "approve", first, "--actor", "Alice Moreau")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("itsm: error: Alice Moreau may not approve requests "
                           "(requests.approvers in itsm.yaml: Petra Budget, Dana Boss)\n")
    assert snapshot(desk) == before
    assert at(run_itsm, NOW, "approve", first, "--actor", "Petra Budget").returncode == 0
    assert at(run_itsm, NOW, "reject", second, "--reason", "no", "--actor", "Dana Boss").returncode == 0  # group manager


def test_categorising_moves_a_ticket_onto_and_off_the_request_path(desk: Path, run_itsm: RunItsm) -> None:
    use_config(desk, "24x7")
    ticket_id = ok(run_itsm, MONDAY_0900, "new", "Need Visio", "-q")
    ok(run_itsm, MONDAY_0900, "categorise", ticket_id, "-t", "request", "-c", "software/license")
    assert shown(run_itsm, MONDAY_0900, ticket_id)["approval"] == "requested"
    ok(run_itsm, "2026-11-02T10:00:00Z", "categorise", ticket_id, "-t", "incident")
    data = shown(run_itsm, "2026-11-02T10:00:00Z", ticket_id)
    assert (data["type"], data["approval"], data["needed_by"]) == ("incident", None, None)
    assert run_itsm("check").returncode == 0


# -- refusals: exit 2, one line, nothing changed ------------------------------------------------------

# name: (`itsm` arguments, with {req} a request needing no approval, {waiting} one waiting for
# approval, {approved} an approved one, {rejected} a rejected one, {inc} an incident, {major}
# a major incident, {prb} a problem; the error message)
REFUSALS: dict[str, tuple[tuple[str, ...], str]] = {
    "due-in-the-past": (("new", "Laptop", "-t", "request", "--due", "2026-11-25"),
                        "--due 2026-11-25 is in the past (2026-11-25T23:59:59Z) "
                        "(give the date the user needs it by, from today on)"),
    "due-now": (("new", "Laptop", "-t", "request", "--due", NOW),
                f"--due {NOW} is in the past ({NOW}) (give the date the user needs it by, from today on)"),
    "due-not-a-date": (("new", "Laptop", "-t", "request", "--due", "next week"),
                       "--due 'next week' is not a date like 2026-11-30 or a time like 2026-11-30T12:00 "
                       "(a date means the end of that working day in the desk's time zone)"),
    "due-on-an-incident": (("new", "Laptop broken", "--due", "2026-12-01"),
                           "--due is the date a service request is needed by; an incident has none "
                           "(record it with --type request, or leave out --due)"),
    "fix-on-a-request": (("resolve", "{req}", "--fix", "installed"),
                         '{req} is a service request: it is fulfilled, not given a fix '
                         '(itsm resolve {req} --fulfilled "what was delivered")'),
    "workaround-on-a-request": (("resolve", "{req}", "--workaround", "lent one"),
                                '{req} is a service request: it is fulfilled, not given a workaround '
                                '(itsm resolve {req} --fulfilled "what was delivered")'),
    "fulfilled-on-an-incident": (("resolve", "{inc}", "--fulfilled"),
                                 "{inc} is an incident: it is resolved with --fix or --workaround, not --fulfilled "
                                 "(--fulfilled is for service requests (itsm new --type request))"),
    "fulfilled-and-fix": (("resolve", "{req}", "--fulfilled", "--fix", "x"),
                          "say how it was resolved: give exactly one of --workaround TEXT or --fix TEXT "
                          "(an incident), or --fulfilled [TEXT] (a service request)"),
    "fulfilled-while-waiting": (("resolve", "{waiting}", "--fulfilled"),
                                "{waiting} is waiting for approval; it cannot be fulfilled yet "
                                "(itsm approve {waiting} (or itsm reject {waiting} --reason ...))"),
    "fulfilled-with-a-problem": (("resolve", "{req}", "--fulfilled", "--problem", "{prb}"),
                                 "a service request is never linked to a problem; leave out --problem"),
    "major-request": (("escalate", "{req}", "--reason", "impact", "--to", "Priya Raman", "--major"),
                      "{req} is a request; a request is never a major incident, so it cannot be declared "
                      "(only an incident can be a major incident)"),
    "problem-link-a-request": (("problem", "link", "{prb}", "{req}"),
                               "{req} is a service request; a request is never linked to a problem "
                               "(problems explain incidents: link the incidents behind it instead)"),
    "problem-new-with-a-request": (("problem", "new", "Laptops late", "-i", "{req}"),
                                   "{req} is a service request; a request is never linked to a problem "
                                   "(problems explain incidents: link the incidents behind it instead)"),
    "approve-an-incident": (("approve", "{inc}"), "{inc} is an incident; only a service request waits for approval"),
    "approve-without-approval": (("approve", "{req}"),
                                 "cannot approve {req}: it needs no approval (only a request waiting for "
                                 "approval (approval: requested) is approved or rejected)"),
    "approve-twice": (("approve", "{approved}"),
                      "cannot approve {approved}: it was approved (only a request waiting for "
                      "approval (approval: requested) is approved or rejected)"),
    "reject-approved": (("reject", "{approved}", "--reason", "changed my mind"),
                        "cannot reject {approved}: it was approved (only a request waiting for "
                        "approval (approval: requested) is approved or rejected)"),
    "reject-without-reason": (("reject", "{waiting}", "--reason", " "),
                              'say why the request is rejected (e.g. --reason "no budget this quarter")'),
    "reject-resolved": (("reject", "{rejected}", "--reason", "again"),
                        "cannot reject {rejected}: it is resolved; reject is allowed when new, assigned, "
                        "in_progress, pending"),
    "reopen-rejected": (("reopen", "{rejected}", "--reason", "please reconsider"),
                        '{rejected} was rejected; a rejection is final (record a new request that points back '
                        'to it: itsm new "..." --type request --related {rejected})'),
    "major-incident-to-request": (("categorise", "{major}", "-t", "request"),
                                  '{major} is a major incident; a service request is never that '
                                  '(record the request as a new ticket: itsm new "..." --type request)'),
    "edit-approval": (("edit", "{waiting}"), "the edit changes 'approval', which cannot be edited by hand: "
                      "set by `itsm approve` or `itsm reject`"),
}


def build_request_desk(root: Path) -> dict[str, str]:
    """A desk (24x7 config) with a request of every kind the refusals need, built once."""
    desk_init.init(root)
    (root / "itsm.yaml").write_text(CONFIGS["24x7"])
    git(root, "commit", "-q", "-am", "itsm.yaml: 24x7")

    def run(*args: str) -> str:
        done = run_cli(root, *args)
        assert done.returncode == 0, (args, done.stderr)
        return done.stdout.strip()

    ids = {
        "req": run("new", "Install Visio", "-t", "request", "-c", "software/install", "-q"),
        "waiting": run("new", "Visio licence", "-t", "request", "-c", "software/license", "-q"),
        "approved": run("new", "Project licence", "-t", "request", "-c", "software/license", "-q"),
        "rejected": run("new", "Second monitor", "-t", "request", "-c", "software/license", "-q"),
        "inc": run("new", "Laptop will not boot", "-c", "hardware/laptop", "-q"),
        "major": run("new", "Mail down for all", "-c", "email/mailbox", "-q"),
        "prb": run("problem", "new", "Laptops arrive late", "-c", "hardware/laptop"),
    }
    owned = ("-c", "software/license", "--owner", "Ben Okoro", "-q")
    ids["waiting_assigned"] = run("new", "Licence (assigned)", "-t", "request", *owned)
    ids["waiting_in_progress"] = run("new", "Licence (in progress)", "-t", "request", *owned)
    ids["waiting_pending"] = run("new", "Licence (pending)", "-t", "request", *owned)
    ids["rejected_closed"] = run("new", "Licence (closed)", "-t", "request", *owned)
    for key in ("waiting_in_progress", "waiting_pending"):
        run("log", ids[key], "Asked which edition", "--actor", "Ben Okoro")
    run("pend", ids["waiting_pending"], "--reason", "waiting for the edition", "--actor", "Ben Okoro")
    run("reject", ids["rejected_closed"], "--reason", "no budget")
    run("notify", ids["rejected_closed"])
    run("confirm", ids["rejected_closed"])
    run("close", ids["rejected_closed"])
    run("approve", ids["approved"])
    run("reject", ids["rejected"], "--reason", "no budget")
    run("escalate", ids["major"], "--reason", "impact", "--to", "Priya Raman", "--major")
    return ids


@pytest.fixture
def request_desk(tmp_path: Path, templates: Templates) -> tuple[Path, dict[str, str]]:
    """A fresh copy of the desk build_request_desk made."""
    copy = tmp_path / "request-desk"
    ids: dict[str, str] = templates.copy("request-desk", copy, build_request_desk)
    return copy, ids


@pytest.mark.parametrize("name", list(REFUSALS))
def test_refusals_change_nothing(run_itsm: RunItsm, request_desk: tuple[Path, dict[str, str]], name: str,
                                 tmp_path: Path) -> None:
    root, ids = request_desk
    args, message = REFUSALS[name]
    editor = tmp_path / "approve-by-hand.sh"  # an editor that types `approval: approved`
    editor.write_text("#!/bin/sh\nsed -i 's/^approval: requested$/approval: approved/' \"$1\"\n")
    editor.chmod(0o755)
    args = tuple(arg.format(**ids) for arg in args)
    before = snapshot(root)
    done = run_itsm(*args, env={"EDITOR": str(editor)}, cwd=root)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert done.stderr == f"itsm: error: {message.format(**ids)}\n"
    assert snapshot(root) == before
    assert git(root, "status", "--porcelain") == ""


# A request waiting for approval in each state (rejected ones for resolved and closed).
IN_STATE = {"new": "waiting", "assigned": "waiting_assigned", "in_progress": "waiting_in_progress",
            "pending": "waiting_pending", "resolved": "rejected", "closed": "rejected_closed"}


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize("state", list(IN_STATE))
def test_approve_and_reject_in_every_state(run_itsm: RunItsm, request_desk: tuple[Path, dict[str, str]],
                                           state: str, action: str) -> None:
    """The lifecycle table's rows for approve and reject (docs/lifecycle.md), as for every command."""
    root, ids = request_desk
    ticket_id = ids[IN_STATE[state]]
    args = ("approve", ticket_id) if action == "approve" else ("reject", ticket_id, "--reason", "no budget")
    before = snapshot(root)
    done = run_itsm(*args, "--json", cwd=root)
    allowed = TRANSITIONS[action].get(state)
    if allowed is None:
        assert (done.returncode, done.stdout) == (2, "")
        if state == "closed":
            assert done.stderr.startswith(f"itsm: error: {ticket_id} is closed; a closed ticket is final")
        else:
            assert done.stderr == (f"itsm: error: cannot {action} {ticket_id}: it is {state}; {action} is allowed "
                                   "when new, assigned, in_progress, pending\n")
        assert snapshot(root) == before
        return
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert (data["status"], data["approval"]) == (allowed, "approved" if action == "approve" else "rejected")
    assert git(root, "log", "-1", "--format=%s").startswith(f"{ticket_id} {action}: ")


# -- itsm.yaml: requests ----------------------------------------------------------------------------

CONFIG_FAULTS: dict[str, tuple[str, int, str]] = {
    "unknown-key": ("requests:\n  targets: {}\n  deadline: 5d\n", 3,
                    "requests: unknown key 'deadline' (known: targets, approval, approvers)"),
    "unknown-category": ("requests:\n  targets:\n    software: 3d\n    onboarding/intern: 5d\n", 4,
                         "requests.targets: 'onboarding/intern' is not a category of the taxonomy (nor 'default')"),
    "bad-duration": ("requests:\n  targets:\n    default: soon\n", 3,
                     "requests.targets.default: 'soon' is not a duration like 15m, 4h or 3d"),
    "targets-not-a-mapping": ("requests:\n  targets: 5d\n", 2,
                              "requests.targets: must be a mapping of category to a time like 10d"),
    "approval-unknown-category": ("requests:\n  approval:\n  - software/license\n  - hr/payroll\n", 4,
                                  "requests.approval: 'hr/payroll' is not a category of the taxonomy"),
    "approval-not-a-list": ("requests:\n  approval: software/license\n", 2,
                            "requests.approval: must be a list of categories like onboarding/new-starter"),
    "approvers-not-names": ("requests:\n  approvers: [1, 2]\n", 2, "requests.approvers: must be a list of names"),
}


@pytest.mark.parametrize("name", list(CONFIG_FAULTS))
def test_wrong_requests_settings_are_named_with_file_and_line(desk: Path, run_itsm: RunItsm, name: str) -> None:
    text, line, message = CONFIG_FAULTS[name]
    (desk / "itsm.yaml").write_text(text)
    git(desk, "commit", "-q", "-am", "config")
    done = run_itsm("check")
    assert (done.returncode, done.stdout) == (1, f"itsm.yaml:{line}: {message}\n")
    before = snapshot(desk)
    done = run_itsm("new", "Laptop", "-t", "request")
    assert (done.returncode, done.stderr) == (2, f"itsm: error: itsm.yaml:{line}: {message} "
                                                 "(fix itsm.yaml; `itsm check` lists every fault)\n")
    assert snapshot(desk) == before


def test_the_generated_itsm_yaml_documents_and_exemplifies_requests() -> None:
    text = defaults.render_default()
    assert "# Service requests (itsm new --type request), which are not incidents." in text
    assert "requests:\n  targets:\n    onboarding/new-starter: 10d\n" in text
    default = config_mod.default_config().requests
    assert (default.targets, default.approval, default.approvers) == ({}, (), ())  # no itsm.yaml: as before


# -- the pure parts -------------------------------------------------------------------------------------


def test_most_exact_request_target_wins() -> None:
    request_settings = settings.RequestSettings(
        {"software": settings.RequestTarget(timeutil.parse_duration("3d"), 3),
         "software/license": settings.RequestTarget(timeutil.parse_duration("2d"), 2),
         "default": settings.RequestTarget(timeutil.parse_duration("5d"), 5)},
        ("onboarding",), (),
    )
    assert [request_settings.target_for(c).days for c in ("software/license", "software/install", "hardware/laptop", None)
            ] == [2, 3, 5, 5]  # type: ignore[union-attr]
    assert [request_settings.needs_approval(c) for c in ("onboarding/new-starter", "onboarding", "onboardingx", None)] == [
        True, True, False, False]


def test_approval_waits_are_cut_out_of_the_clock_runs() -> None:
    at_ = timeutil.parse
    runs = [(at_("2026-11-02T08:00:00Z"), at_("2026-11-03T08:00:00Z")), (at_("2026-11-04T08:00:00Z"), at_("2026-11-06T08:00:00Z"))]
    waits = [(at_("2026-11-02T10:00:00Z"), at_("2026-11-05T08:00:00Z"))]
    assert service_requests.outside(runs, waits) == [(at_("2026-11-02T08:00:00Z"), at_("2026-11-02T10:00:00Z")),
                                             (at_("2026-11-05T08:00:00Z"), at_("2026-11-06T08:00:00Z"))]


def test_check_reports_a_request_off_its_path() -> None:
    config = config_mod.default_config()
    base = Ticket(id="REQ-7QK3F2", title="Laptop", type="request", status="new", created=NOW)
    cases = {
        "major": (replace(base, **{"major": True, "priority": "P1"}),
                  ("major", "a service request is never a major incident")),
        "problem": (replace(base, **{"problem": "PRB-7QK3F2"}),
                    ("problem", "a service request is never linked to a problem")),
        "incident-with-needed-by": (replace(base, **{"id": "INC-7QK3F2", "type": "incident",
                                                      "needed_by": NOW}),
                                    ("needed_by", "needed_by is set but INC-7QK3F2 is an incident; "
                                                  "only a service request has one")),
        "incident-fulfilled": (replace(base, **{"id": "INC-7QK3F2", "type": "incident",
                                                 "status": "resolved", "resolved": NOW,
                                                 "resolution": Resolution("fulfilled", "done")}),
                               ("resolution", "an incident is resolved with a fix or a workaround, not 'fulfilled'")),
        "unknown-approval": (replace(base, **{"approval": "maybe"}),
                             ("approval", "approval 'maybe' must be one of requested, approved, rejected")),
    }
    for name, (ticket, fault) in cases.items():
        assert fault in record_rules.record_faults(ticket, config), name
