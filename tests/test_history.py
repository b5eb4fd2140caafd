"""`itsm history`: a record's life told from git — each commit, who, when, what changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import RunItsm, git

MONTH = "2026-11"
T0, T1, T2, T3 = "2026-11-26T09:00:00Z", "2026-11-26T09:05:00Z", "2026-11-26T09:20:00Z", "2026-11-26T10:00:00Z"


@pytest.fixture
def lived(desk: Path, run_itsm: RunItsm) -> tuple[str, list[str], str]:
    """new (Alice), assign (Carla), categorise (Carla), log by the owner (Bob), at four times."""
    done = run_itsm("new", "Mail is slow", "-r", "maria@example.org", env={"ITSM_NOW": T0})
    assert done.returncode == 0, done.stderr
    ticket_id = done.stdout.strip()
    steps = [
        (("assign", ticket_id, "--owner", "Bob Stone", "--actor", "Carla Diaz"), T1),
        (("categorise", ticket_id, "-c", "email/mailbox", "--impact", "high", "--urgency", "high",
          "--actor", "Carla Diaz"), T2),
        (("log", ticket_id, "Called Maria: the queue is stuck", "--kind", "call", "--actor", "Bob Stone"), T3),
    ]
    for args, when in steps:
        done = run_itsm(*args, env={"ITSM_NOW": when})
        assert done.returncode == 0, done.stderr
    shas = git(desk, "log", "--reverse", "--format=%H", "--", f"tickets/{MONTH}/{ticket_id}.md").split()
    assert len(shas) == 4
    created_text = json.loads(run_itsm("show", ticket_id, "--json").stdout)["timeline"][0]["text"]
    return ticket_id, shas, created_text


def test_history_text(lived: tuple[str, list[str], str], run_itsm: RunItsm) -> None:
    ticket_id, shas, _ = lived
    done = run_itsm("history", ticket_id.lower()[:7])
    assert (done.returncode, done.stderr) == (0, "")
    categorised = "priority P3 -> P1; impact medium -> high; urgency medium -> high; category (none) -> email/mailbox"
    assert done.stdout == (
        f"{T0}  {shas[0][:10]}  Alice Moreau: {ticket_id} new: Mail is slow\n"
        "    created\n"
        f"{T1}  {shas[1][:10]}  Carla Diaz: {ticket_id} assign: owner (none) -> Bob Stone\n"
        "    status: new -> assigned\n"
        "    owner: (none) -> Bob Stone\n"
        f"    responded: (none) -> {T1}\n"
        f"{T2}  {shas[2][:10]}  Carla Diaz: {ticket_id} categorise: {categorised}\n"
        "    priority: P3 -> P1\n"
        "    impact: medium -> high\n"
        "    urgency: medium -> high\n"
        "    category: (none) -> email/mailbox\n"
        # Answered at 09:05 as a P3, its response deadline stays; P1's 4 hours count from 09:20.
        "    due_resolution: 2026-11-29T09:00:00Z -> 2026-11-26T13:20:00Z\n"
        f"{T3}  {shas[3][:10]}  Bob Stone: {ticket_id} call: Called Maria: the queue is stuck\n"
        "    status: assigned -> in_progress\n"
    )


def test_history_json(lived: tuple[str, list[str], str], run_itsm: RunItsm) -> None:
    ticket_id, shas, _ = lived
    done = run_itsm("history", ticket_id, "--json")
    assert (done.returncode, done.stderr) == (0, "")
    steps = json.loads(done.stdout)
    assert isinstance(steps, list)
    assert [set(s) for s in steps] == [{"commit", "author", "date", "subject", "changes", "entries"}] * 4
    assert [(s["commit"], s["author"], s["date"]) for s in steps] == [
        (shas[0], "Alice Moreau", T0), (shas[1], "Carla Diaz", T1), (shas[2], "Carla Diaz", T2), (shas[3], "Bob Stone", T3),
    ]
    assert steps[0]["subject"] == f"{ticket_id} new: Mail is slow"
    assert steps[0]["changes"] == [{"field": "created", "from": None, "to": ticket_id}]
    assert steps[1]["changes"] == [
        {"field": "status", "from": "new", "to": "assigned"},
        {"field": "owner", "from": None, "to": "Bob Stone"},
        {"field": "responded", "from": None, "to": T1},
    ]
    assert steps[1]["entries"] == ["assign: owner (none) -> Bob Stone"]
    assert steps[2]["changes"] == [
        {"field": "priority", "from": "P3", "to": "P1"},
        {"field": "impact", "from": "medium", "to": "high"},
        {"field": "urgency", "from": "medium", "to": "high"},
        {"field": "category", "from": None, "to": "email/mailbox"},
        {"field": "due_resolution", "from": "2026-11-29T09:00:00Z", "to": "2026-11-26T13:20:00Z"},
    ]
    assert steps[2]["entries"] == [
        "categorise: priority P3 -> P1; impact medium -> high; urgency medium -> high; category (none) -> email/mailbox"
    ]
    assert steps[3]["subject"] == f"{ticket_id} call: Called Maria: the queue is stuck"
    assert steps[3]["changes"] == [{"field": "status", "from": "assigned", "to": "in_progress"}]
    assert steps[3]["entries"] == ["call: Called Maria: the queue is stuck"]


def test_history_json_first_commit_lists_the_created_entry(lived: tuple[str, list[str], str], run_itsm: RunItsm) -> None:
    """The commit that records the ticket adds its first timeline entry, like every later commit adds its own."""
    ticket_id, _, created_text = lived
    steps = json.loads(run_itsm("history", ticket_id, "--json").stdout)
    assert created_text == (
        "Recorded from phone for maria@example.org: P3 (impact medium, urgency medium); routed to service-desk (level 1)."
    )
    assert steps[0]["entries"] == [f"created: {created_text}"]


def test_history_ignores_other_records_commits(desk: Path, run_itsm: RunItsm) -> None:
    first = run_itsm("new", "First").stdout.strip()
    second = run_itsm("new", "Second").stdout.strip()
    assert run_itsm("log", second, "only the second").returncode == 0
    steps = json.loads(run_itsm("history", first, "--json").stdout)
    assert [s["subject"] for s in steps] == [f"{first} new: First"]


def test_history_of_an_uncommitted_ticket(desk: Path, run_itsm: RunItsm) -> None:
    ticket_id = run_itsm("new", "Not yet committed", "--no-commit").stdout.strip()
    done = run_itsm("history", ticket_id)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"{ticket_id} has no commits yet\n", "")
    done = run_itsm("history", ticket_id, "--json")
    assert (done.returncode, json.loads(done.stdout)) == (0, [])
