"""Major incidents (docs/lifecycle.md "Major incidents"), through the real `itsm` and git.

Declaring records the impact as high (P1 as before); `escalate --no-major` stands one down,
its priority back to the default matrix's impact x urgency (worked out by hand below);
`major_incident.declare` restricts who may declare, stand down or reject to the people it
names and the groups' managers, everyone else is refused (exit 2, nothing changed) and may
propose instead, which `itsm chase` chases to the group's manager until someone decides;
requests are never major.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itsm.config import defaults, loading
from tests.conftest import NOW, RunItsm, git, snapshot

AGENT = "Olga Berg"  # an agent: neither named in major_incident.declare nor a manager
DECLARER = "Priya Raman"  # named in major_incident.declare
NET_MANAGER = "Nils Netboss"  # manager of network, the VPN tickets' group
SD_MANAGER = "Mona Manager"  # manager of service-desk: a group manager too
GROUPS = """\
default_group: service-desk
groups:
  service-desk: {level: 1, manager: Mona Manager}
  network: {level: 2, manager: Nils Netboss}
categories:
  network/vpn: {group: network}
  onboarding/new-starter: {group: service-desk}
"""
RESTRICTED = GROUPS + "major_incident:\n  declare: [Priya Raman]\n"


def configure(desk: Path, text: str) -> None:
    (desk / "itsm.yaml").write_text(text, encoding="utf-8")
    git(desk, "commit", "-q", "-am", "desk config")


def run(run_itsm: RunItsm, *args: str, actor: str = AGENT, when: str = NOW) -> tuple[int, str, str]:
    done = run_itsm(*args, env={"ITSM_ACTOR": actor, "ITSM_NOW": when})
    return done.returncode, done.stdout, done.stderr


def ok(run_itsm: RunItsm, *args: str, actor: str = AGENT, when: str = NOW) -> str:
    code, out, err = run(run_itsm, *args, actor=actor, when=when)
    assert code == 0, (args, out, err)
    return out


def refused(run_itsm: RunItsm, desk: Path, message: str, *args: str, actor: str = AGENT) -> None:
    """Exit 2, exactly the one line, and not a byte of the desk (git included) changed."""
    before = snapshot(desk)
    code, out, err = run(run_itsm, *args, actor=actor)
    assert (code, out, err) == (2, "", f"itsm: error: {message}\n")
    assert snapshot(desk) == before


def vpn_ticket(run_itsm: RunItsm, impact: str = "medium", urgency: str = "medium") -> str:
    return ok(run_itsm, "new", "VPN down on floor 3", "-c", "network/vpn", "--impact", impact, "--urgency", urgency,
              "--owner", AGENT, "-q").strip()


def shown(run_itsm: RunItsm, ticket_id: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(ok(run_itsm, "show", ticket_id, "--json"))
    return data


def fields(run_itsm: RunItsm, ticket_id: str) -> tuple[object, ...]:
    data = shown(run_itsm, ticket_id)
    return data["major"], data["impact"], data["urgency"], data["priority"]


def assert_check_clean(run_itsm: RunItsm) -> None:
    done = run_itsm("check")
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
    assert done.stderr.startswith("itsm check: ok"), done.stderr


# -- declare and stand down -------------------------------------------------------------------------

# (impact, urgency at recording; priority then; what the declaration says and the keys its
# entry sets; the priority after the stand-down = default matrix[high][urgency], and the keys
# the stand-down entry sets)
STAND_DOWN = [
    ("medium", "medium", "P3", "impact medium -> high, priority P3 -> P1",
     {"priority": "P1", "impact": "high", "major": True}, "P2", {"priority": "P2", "major": False}),
    ("low", "low", "P5", "impact low -> high, priority P5 -> P1",
     {"priority": "P1", "impact": "high", "major": True}, "P3", {"priority": "P3", "major": False}),
    ("medium", "high", "P2", "impact medium -> high, priority P2 -> P1",
     {"priority": "P1", "impact": "high", "major": True}, "P1", {"major": False}),
    ("high", "high", "P1", "priority stays P1", {"major": True}, "P1", {"major": False}),
    ("high", "low", "P3", "priority P3 -> P1", {"priority": "P1", "major": True}, "P3",
     {"priority": "P3", "major": False}),
]


@pytest.mark.parametrize(("impact", "urgency", "before", "declared", "declared_set", "after", "after_set"),
                         STAND_DOWN, ids=[f"{i}-{u}" for i, u, *_ in STAND_DOWN])
def test_declare_records_high_impact_and_stand_down_restores_the_matrix_priority(
        impact: str, urgency: str, before: str, declared: str, declared_set: dict[str, object], after: str,
        after_set: dict[str, object], desk: Path, run_itsm: RunItsm) -> None:
    configure(desk, GROUPS)
    ticket_id = vpn_ticket(run_itsm, impact, urgency)
    assert fields(run_itsm, ticket_id) == (False, impact, urgency, before)
    done = ok(run_itsm, "escalate", ticket_id, "--reason", "impact", "--major", when="2026-11-26T09:10:00Z")
    assert done == f"{ticket_id} major: Major incident declared, {NET_MANAGER} told; {declared}. [assigned]\n"
    assert fields(run_itsm, ticket_id) == (True, "high", urgency, "P1")
    done = ok(run_itsm, "escalate", ticket_id, "--no-major", "--reason", "only the test gateway was down",
              when="2026-11-26T09:40:00Z")
    assert done == (f"{ticket_id} no-major: Major incident stood down: only the test gateway was down; "
                    f"priority P1 -> {after} (impact high x urgency {urgency}) [assigned]\n")
    assert fields(run_itsm, ticket_id) == (False, "high", urgency, after)
    # The previous impact and priority stay in the timeline: the entries' texts and set lines.
    timeline = shown(run_itsm, ticket_id)["timeline"]
    assert [(e["time"], e["kind"], e["changes"]) for e in timeline[-3:]] == [  # type: ignore[index]
        ("2026-11-26T09:10:00Z", "hierarchical", declared_set),
        ("2026-11-26T09:10:00Z", "major", {}),
        ("2026-11-26T09:40:00Z", "no-major", after_set),
    ]
    assert_check_clean(run_itsm)
    assert ok(run_itsm, "list", "--major", "--json") == "[]\n"


def test_a_lowered_impact_counts_when_the_major_incident_stands_down(desk: Path, run_itsm: RunItsm) -> None:
    """Declared (impact high), then the impact found to be low: P1 while major; stood down,
    low x medium is P4 by the default matrix."""
    configure(desk, GROUPS)
    ticket_id = vpn_ticket(run_itsm)
    ok(run_itsm, "escalate", ticket_id, "--reason", "impact", "--major")
    ok(run_itsm, "categorise", ticket_id, "--impact", "low")
    assert fields(run_itsm, ticket_id) == (True, "low", "medium", "P1")
    ok(run_itsm, "escalate", ticket_id, "--no-major", "--reason", "one user only")
    assert fields(run_itsm, ticket_id) == (False, "low", "medium", "P4")
    assert_check_clean(run_itsm)


def test_stand_down_refusals(desk: Path, run_itsm: RunItsm) -> None:
    configure(desk, GROUPS)
    ticket_id = vpn_ticket(run_itsm)
    refused(run_itsm, desk, f"{ticket_id} is not a major incident, nor proposed as one; nothing to stand down",
            "escalate", ticket_id, "--no-major", "--reason", "calm again")
    refused(run_itsm, desk, 'say why you escalate (--reason "why, in a few words")', "escalate", ticket_id, "--no-major")
    refused(run_itsm, desk, "give one of --major, --no-major and --propose-major",
            "escalate", ticket_id, "--major", "--no-major", "--reason", "impact")
    refused(run_itsm, desk, "escalate either functionally (--level/--group) or hierarchically (--to/--reason), not both",
            "escalate", ticket_id, "--no-major", "--reason", "x", "--level", "1")
    ok(run_itsm, "escalate", ticket_id, "--reason", "impact", "--major")
    refused(run_itsm, desk, 'say why (e.g. --reason "only the test VPN gateway is affected")',
            "escalate", ticket_id, "--no-major", "--reason", "  ")


# -- who may declare ------------------------------------------------------------------------------


def test_anyone_may_declare_when_the_list_is_empty(desk: Path, run_itsm: RunItsm) -> None:
    configure(desk, GROUPS)
    assert loading.load(desk).major_declarers == ()
    ticket_id = vpn_ticket(run_itsm)
    ok(run_itsm, "escalate", ticket_id, "--reason", "impact", "--major", actor=AGENT)
    ok(run_itsm, "escalate", ticket_id, "--no-major", "--reason", "calm again", actor=AGENT)
    assert fields(run_itsm, ticket_id) == (False, "high", "medium", "P2")


def test_the_declare_list_is_enforced(desk: Path, run_itsm: RunItsm) -> None:
    configure(desk, RESTRICTED)
    ticket_id = vpn_ticket(run_itsm)
    refused(run_itsm, desk,
            f"{AGENT} may not declare a major incident: major_incident.declare in itsm.yaml names {DECLARER}, "
            f'and group managers (propose it: itsm escalate {ticket_id} --propose-major --reason "...")',
            "escalate", ticket_id, "--reason", "impact", "--major")
    assert fields(run_itsm, ticket_id) == (False, "medium", "medium", "P3")
    # Listed, the ticket's group manager, another group's manager: each may.
    for who in (DECLARER, NET_MANAGER, SD_MANAGER):
        ok(run_itsm, "escalate", ticket_id, "--reason", "impact", "--major", actor=who)
        assert fields(run_itsm, ticket_id) == (True, "high", "medium", "P1")
        refused(run_itsm, desk,
                f"{AGENT} may not stand down a major incident: major_incident.declare in itsm.yaml names "
                f"{DECLARER}, and group managers (ask one of them or a group manager)",
                "escalate", ticket_id, "--no-major", "--reason", "calm again")
        ok(run_itsm, "escalate", ticket_id, "--no-major", "--reason", "calm again", actor=who)
        assert fields(run_itsm, ticket_id) == (False, "high", "medium", "P2")
    assert_check_clean(run_itsm)


def test_a_proposal_is_chased_to_the_groups_manager_until_someone_decides(desk: Path, run_itsm: RunItsm) -> None:
    configure(desk, RESTRICTED)
    ticket_id = vpn_ticket(run_itsm)  # owned by Olga at 09:00: responded; P3, 3d to resolve
    before = shown(run_itsm, ticket_id)
    done = ok(run_itsm, "escalate", ticket_id, "--propose-major", "--reason", "the whole floor is offline",
              when="2026-11-26T09:05:00Z")
    assert done == f"{ticket_id} major-proposed: Major incident proposed by {AGENT}: the whole floor is offline [assigned]\n"
    after = shown(run_itsm, ticket_id)
    assert {k: v for k, v in after.items() if k not in ("timeline", "updated")} == \
        {k: v for k, v in before.items() if k not in ("timeline", "updated")}  # the ticket stays as it is
    rows = json.loads(ok(run_itsm, "chase", "--json", when="2026-11-26T09:06:00Z"))
    assert [(r["id"], r["what"], r["since"], r["chase"], r["role"]) for r in rows] == [
        (ticket_id, f"major incident proposed by {AGENT}", "2026-11-26T09:05:00Z", NET_MANAGER, "manager of network"),
    ]
    refused(run_itsm, desk, f"{ticket_id} was already proposed as a major incident by {AGENT} at 2026-11-26T09:05:00Z "
            f"(the decision is pending: itsm escalate {ticket_id} --major or --no-major)",
            "escalate", ticket_id, "--propose-major", "--reason", "still down")
    refused(run_itsm, desk, f"{AGENT} may not reject a major incident: major_incident.declare in itsm.yaml names "
            f"{DECLARER}, and group managers (ask one of them or a group manager)",
            "escalate", ticket_id, "--no-major", "--reason", "no")
    # The manager rejects it: nothing is chased any more, the ticket is as it was.
    done = ok(run_itsm, "escalate", ticket_id, "--no-major", "--reason", "one floor is not major",
              actor=NET_MANAGER, when="2026-11-26T09:20:00Z")
    assert done == (f"{ticket_id} no-major: Major incident proposed by {AGENT} rejected: "
                    "one floor is not major [assigned]\n")
    assert json.loads(ok(run_itsm, "chase", "--json", when="2026-11-26T09:21:00Z")) == []
    assert fields(run_itsm, ticket_id) == (False, "medium", "medium", "P3")
    # Proposed again, then declared by the listed person: the proposal is decided.
    ok(run_itsm, "escalate", ticket_id, "--propose-major", "--reason", "now two floors", when="2026-11-26T09:30:00Z")
    ok(run_itsm, "escalate", ticket_id, "--reason", "impact", "--major", actor=DECLARER, when="2026-11-26T09:35:00Z")
    rows = json.loads(ok(run_itsm, "chase", "--json", when="2026-11-26T09:36:00Z"))
    assert all("proposed" not in r["what"] for r in rows)
    refused(run_itsm, desk, f"{ticket_id} is already a major incident; nothing to propose",
            "escalate", ticket_id, "--propose-major", "--reason", "x")
    assert_check_clean(run_itsm)


def test_a_request_is_never_major(desk: Path, run_itsm: RunItsm) -> None:
    configure(desk, GROUPS)
    request = ok(run_itsm, "new", "New starter needs a laptop", "-t", "request", "-c", "onboarding/new-starter",
                 "-q").strip()
    for flag, done in (("--major", "declared"), ("--no-major", "stood down"), ("--propose-major", "proposed")):
        reason = "impact" if flag == "--major" else "many users"
        refused(run_itsm, desk, f"{request} is a request; a request is never a major incident, so it cannot be {done} "
                "(only an incident can be a major incident)", "escalate", request, flag, "--reason", reason)


def test_the_setting_is_written_by_init_and_validated() -> None:
    text = defaults.render_default()
    assert "\n# Who may declare a major incident" in text
    assert "major_incident:\n  declare: []\n" in text
