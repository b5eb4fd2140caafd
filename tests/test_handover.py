"""A hand-over is not a new ticket (docs/lifecycle.md "Escalation"), through the real `itsm`.

One rule for `itsm escalate --level/--group` and `itsm assign --group`: the owner stays behind
unless a new one is named in the same command or the target group has a queue owner; a ticket
that was ever owned is never `new` again — with nobody on it, it is `assigned` without an
owner, listed by `list --unowned`, not by `list --status new`, and chased as unowned since
the hand-over. Each row of the table below was worked out by hand from that rule.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from itsm.core.model import record_entry
from itsm.domain import lifecycle, record_rules
from itsm.operations.tickets import new_entry
from itsm.storage.store import Desk
from tests.conftest import NOW, RunItsm, git, snapshot

OWNER = "Ben Okoro"
OTHER = "Carla Diaz"
QUEUE = "Quinn Queue"
CONFIG = """\
default_group: service-desk
groups:
  service-desk: {level: 1, manager: Mona Manager}
  network: {level: 2, manager: Nils Netboss}
  identity: {level: 2, owner: Quinn Queue}
  infrastructure: {level: 3}
categories:
  network/vpn: {group: network}
  other: {group: service-desk}
"""


@pytest.fixture
def handover_desk(desk: Path) -> Path:
    (desk / "itsm.yaml").write_text(CONFIG, encoding="utf-8")
    git(desk, "commit", "-q", "-am", "groups with and without a queue owner")
    return desk


def ok(run_itsm: RunItsm, *args: str, when: str = NOW) -> str:
    done = run_itsm(*args, env={"ITSM_NOW": when})
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


def ticket(run_itsm: RunItsm, state: str, when: str = NOW) -> str:
    """A VPN ticket in service-desk (level 1): `new` (never owned), `assigned` to Ben, or
    `in_progress` (Ben logged work), or `pending` (Ben waits on the user)."""
    owner = () if state == "new" else ("--owner", OWNER)
    ticket_id = ok(run_itsm, "new", "VPN drops", "-c", "network/vpn", "--group", "service-desk", *owner, "-q",
                   when=when).strip()
    if state in ("in_progress", "pending"):
        done = run_itsm("log", ticket_id, "Checked the client logs", "--actor", OWNER, env={"ITSM_NOW": when})
        assert done.returncode == 0, done.stderr
    if state == "pending":
        ok(run_itsm, "pend", ticket_id, "--reason", "waiting for the user", when=when)
    return ticket_id


def shown(run_itsm: RunItsm, ticket_id: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(ok(run_itsm, "show", ticket_id, "--json"))
    return data


def listed(run_itsm: RunItsm, *args: str) -> list[str]:
    return [row["id"] for row in json.loads(ok(run_itsm, "list", *args, "--json"))]


# (case, state before, command after the ID, status after, owner after)
CASES = [
    # escalate: network has no queue owner, identity's queue owner is Quinn.
    ("escalate-never-owned-stays-new", "new", ("escalate", "--level", "2", "--group", "network"), "new", None),
    ("escalate-never-owned-to-queue-owner", "new", ("escalate", "--level", "2", "--group", "identity"), "assigned", QUEUE),
    ("escalate-never-owned-owner-named", "new", ("escalate", "--level", "2", "--group", "network", "--owner", OTHER),
     "assigned", OTHER),
    ("escalate-assigned-drops-owner", "assigned", ("escalate", "--level", "2", "--group", "network"), "assigned", None),
    ("escalate-in-progress-drops-owner", "in_progress", ("escalate", "--level", "2", "--group", "network"),
     "assigned", None),
    ("escalate-in-progress-default-group", "in_progress", ("escalate", "--level", "2"), "assigned", None),
    ("escalate-in-progress-to-queue-owner", "in_progress", ("escalate", "--level", "2", "--group", "identity"),
     "assigned", QUEUE),
    ("escalate-in-progress-owner-named", "in_progress",
     ("escalate", "--level", "2", "--group", "network", "--owner", OTHER), "assigned", OTHER),
    ("escalate-same-owner-goes-on", "in_progress",
     ("escalate", "--level", "2", "--group", "network", "--owner", OWNER), "in_progress", OWNER),
    # assign --group: the same rule.
    ("assign-never-owned-stays-new", "new", ("assign", "--group", "network"), "new", None),
    ("assign-never-owned-to-queue-owner", "new", ("assign", "--group", "identity"), "assigned", QUEUE),
    ("assign-assigned-drops-owner", "assigned", ("assign", "--group", "network"), "assigned", None),
    ("assign-in-progress-drops-owner", "in_progress", ("assign", "--group", "infrastructure"), "assigned", None),
    ("assign-in-progress-owner-named", "in_progress", ("assign", "--group", "network", "--owner", OTHER),
     "assigned", OTHER),
    ("assign-in-progress-to-queue-owner", "in_progress", ("assign", "--group", "identity"), "assigned", QUEUE),
    ("assign-same-owner-goes-on", "in_progress", ("assign", "--group", "network", "--owner", OWNER),
     "in_progress", OWNER),
    ("assign-pending-owner-named", "pending", ("assign", "--group", "network", "--owner", OTHER), "pending", OTHER),
    # Not a hand-over: a new owner in the same group keeps the table's state.
    ("assign-owner-only", "in_progress", ("assign", "--owner", OTHER), "in_progress", OTHER),
]


@pytest.mark.parametrize(("case", "state", "command", "status", "owner"), CASES, ids=[c[0] for c in CASES])
def test_a_hand_over_follows_one_rule(case: str, state: str, command: tuple[str, ...], status: str,
                                      owner: str | None, handover_desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = ticket(run_itsm, state)
    ok(run_itsm, command[0], ticket_id, *command[1:])
    data = shown(run_itsm, ticket_id)
    assert (data["status"], data["owner"]) == (status, owner)
    assert (ticket_id in listed(run_itsm, "--unowned")) is (owner is None)
    assert (ticket_id in listed(run_itsm, "--status", "new")) is (status == "new")
    done = run_itsm("check")
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert done.stderr.startswith("itsm check: ok"), done.stderr


def test_escalating_a_worked_ticket_says_who_lost_it_and_is_assigned_to_nobody(
        handover_desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = ticket(run_itsm, "in_progress")
    done = ok(run_itsm, "escalate", ticket_id, "--level", "2", "--note", "no fix at level 1")
    assert done == (f"{ticket_id} escalate: level 1 -> 2; group service-desk -> network; "
                    f"owner {OWNER} -> (none) (no fix at level 1) [assigned]\n")
    table = ok(run_itsm, "list", "--unowned")
    assert ticket_id in table and "assigned" in table
    assert listed(run_itsm, "--status", "new") == []
    # The set line records the hand-over; `check` folds it and agrees with the front-matter.
    last = shown(run_itsm, ticket_id)["timeline"][-1]  # type: ignore[index]
    assert last["changes"] == {"status": "assigned", "group": "network", "level": 2, "owner": None, "reassignments": 1}


def test_assign_group_to_a_pending_ticket_needs_someone_to_wait_with_it(
        handover_desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = ticket(run_itsm, "pending")
    before = snapshot(handover_desk)
    done = run_itsm("assign", ticket_id, "--group", "network")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == (f"itsm: error: {ticket_id} is pending; handed to network with nobody owning it, nobody "
                           f"would be waiting (name the new owner with --owner, or resume it first "
                           f"(itsm resume {ticket_id}))\n")
    assert snapshot(handover_desk) == before


def test_a_handed_over_ticket_is_chased_as_unowned_from_the_hand_over(handover_desk: Path, run_itsm: RunItsm) -> None:
    """P3 owned by Ben from 09:00 (responded then; 3d to resolve), handed to network at 11:00.
    chase.unowned_after is 1h: at 11:59:59 not yet, at 12:00 "nobody owns it" since 11:00,
    chased to network's manager (no owner, no queue owner)."""
    ticket_id = ticket(run_itsm, "in_progress", when="2026-11-26T09:00:00Z")
    ok(run_itsm, "assign", ticket_id, "--group", "network", when="2026-11-26T11:00:00Z")
    rows = json.loads(ok(run_itsm, "chase", "--json", when="2026-11-26T11:59:59Z"))
    assert rows == []
    rows = json.loads(ok(run_itsm, "chase", "--json", when="2026-11-26T12:00:00Z"))
    assert [(r["id"], r["what"], r["since"], r["chase"], r["role"]) for r in rows] == [
        (ticket_id, "nobody owns it", "2026-11-26T11:00:00Z", "Nils Netboss", "manager of network"),
    ]


def test_only_a_ticket_nobody_ever_owned_counts_as_new(handover_desk: Path, run_itsm: RunItsm) -> None:
    """What reopen and every hand-over use for a ticket nobody owns now: the owner in its
    history (the set line of Ben's assign) makes it `assigned`; without it, `new`."""
    ticket_id = ticket(run_itsm, "in_progress")
    desk = Desk.open(handover_desk)
    record, _ = desk.load_ticket(ticket_id)
    disowned = dataclasses.replace(record, status="resolved", owner=None)
    assert lifecycle.ever_owned(disowned)
    assert lifecycle.unowned_status(disowned) == "assigned"
    never = dataclasses.replace(disowned, timeline=disowned.timeline[:1])  # the created entry only
    assert not lifecycle.ever_owned(never)
    assert lifecycle.unowned_status(never) == "new"


def test_check_accepts_old_records_and_the_new_rule(handover_desk: Path, run_itsm: RunItsm) -> None:
    """`new` after an owner is how escalation wrote records before this rule: still valid.
    `assigned` to nobody is valid for a worked ticket, a fault for one nobody ever owned."""
    desk = Desk.open(handover_desk)
    worked, _ = desk.load_ticket(ticket(run_itsm, "in_progress"))
    never, _ = desk.load_ticket(ticket(run_itsm, "new"))

    def moved(record: object, status: str) -> list[tuple[str, str]]:
        after = dataclasses.replace(record, status=status, owner=None, group="network", level=2)  # type: ignore[type-var]
        return record_rules.record_faults(record_entry(record, after, new_entry("Alice Moreau", "escalate", "x", NOW)),
                                   desk.config)  # type: ignore[arg-type]

    assert moved(worked, "new") == []  # written by the old escalate
    assert moved(worked, "assigned") == []  # the new rule
    assert moved(never, "new") == []
    assert moved(never, "assigned") == [
        ("owner", "status is assigned but nobody owns or ever owned the ticket (should be new)")]
