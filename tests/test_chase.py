"""`itsm chase` on real desks built through the real CLI, `ITSM_NOW` set per command.

docs/lifecycle.md "itsm chase" is the contract: every rule of its table, the order (major
incidents first, then priority, then the working time left before a breach — most overdue
first — then the problem), whom to chase, the filters and formats, exit code 0, and that
chase changes nothing. Every expected row is (id, what, since, chase, role), computed by
hand from the default targets (P1 15m/4h, P2 30m/8h, P3 4h/3d, P4 8h/5d, P5 1d/10d) and
thresholds (75 %, 1h, 5d, 3d, 2d) unless a test writes its own.

Where a row's place depends on a response clock, the ticket is recorded by its reporter
(nobody has responded) or recorded by the reporter and taken by its owner at once (the
response is given): both read the same under any rule of what counts as a response.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from itsm.core import timeutil
from tests.conftest import FromTemplate, RunItsm, git, snapshot

REPORTER = "Rita User"
AGENT = "Alice Moreau"
OWNER = "Olga Owner"
BASE = timeutil.parse("2026-11-02T09:00:00Z")  # a Monday

GROUPS = """\
groups:
  service-desk: {level: 1, manager: Mona Manager}
  identity: {level: 2}
  network: {level: 2, manager: Nils Netboss, owner: Quinn Queue}
  desktop-support: {level: 2}
  messaging: {level: 2}
  applications: {level: 2}
  infrastructure: {level: 3, owner: Ian Infra}
  suppliers: {level: 3}
"""
BERLIN_HOURS = """\
business_hours:
  timezone: Europe/Berlin
  days: {mon: '08:00-18:00', tue: '08:00-18:00', wed: '08:00-18:00', thu: '08:00-18:00', fri: '08:00-18:00'}
"""

Row = tuple[str, str, str, str, str]  # id, what, since, chase, role
MANAGER_NET = ("Nils Netboss", "manager of network")
MANAGER_SD = ("Mona Manager", "manager of service-desk")
QUEUE_NET = ("Quinn Queue", "queue owner of network")
BY_OWNER = (OWNER, "owner")


def t(offset: str = "0") -> str:
    """BASE plus '1d2h3m4s' (any part optional), as the desk writes timestamps."""
    total = timedelta(0)
    number = ""
    for char in offset:
        if char.isdigit():
            number += char
        elif char in "dhms":
            total += timedelta(**{{"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}[char]: int(number)})
            number = ""
    return timeutil.format(BASE + total)


def configure(desk: Path, *parts: str) -> None:
    """Write itsm.yaml (replacing the default one) and commit it."""
    (desk / "itsm.yaml").write_text("".join(parts), encoding="utf-8")
    git(desk, "commit", "-q", "-am", "desk config")


def act(run_itsm: RunItsm, when: str, *args: str, actor: str = AGENT) -> str:
    done = run_itsm(*args, env={"ITSM_NOW": when, "ITSM_ACTOR": actor})
    assert done.returncode == 0, (args, done.stderr)
    return done.stdout


def new(run_itsm: RunItsm, when: str, title: str, *args: str, actor: str = AGENT) -> str:
    reporter = () if actor == REPORTER else ("--reporter", REPORTER)
    ticket_id = act(run_itsm, when, "new", title, *reporter, *args, actor=actor).strip()
    assert ticket_id.startswith("INC-"), ticket_id
    return ticket_id


def chase_json(run_itsm: RunItsm, when: str, *args: str) -> list[dict[str, object]]:
    done = run_itsm("chase", "--json", *args, env={"ITSM_NOW": when})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    data: list[dict[str, object]] = json.loads(done.stdout)
    return data


def chase(run_itsm: RunItsm, when: str, *args: str) -> list[Row]:
    return [
        (str(r["id"]), str(r["what"]), str(r["since"]), str(r["chase"]), str(r["role"]))
        for r in chase_json(run_itsm, when, *args)
    ]


# -- a desk where everything has slipped: breaches, order, whom to chase -----------------------

# Chase at BASE + 3d3m1s: every P3 recorded in the first minutes of BASE has used > 72h.
LATE = t("3d3m1s")


def taken(run_itsm: RunItsm, when: str, title: str, *args: str) -> str:
    """Recorded by the reporter and taken by its owner the same second: responded at once."""
    ticket_id = new(run_itsm, when, title, *args, actor=REPORTER)
    act(run_itsm, when, "assign", ticket_id, "--owner", OWNER, actor=OWNER)
    return ticket_id


def build_breaches(desk: Path, run_itsm: RunItsm) -> dict[str, str]:
    configure(desk, GROUPS)
    return {
        # network: manager Nils, queue owner Quinn; nobody owns it.
        "a": new(run_itsm, t("0"), "VPN down", "-c", "network/vpn", actor=REPORTER),
        # identity: nobody named; owned by Olga.
        "b": taken(run_itsm, t("1m"), "Password reset", "-c", "access/password"),
        # infrastructure: queue owner Ian, no manager; nobody owns it.
        "c": new(run_itsm, t("2m"), "Server down", "-c", "infra/server", actor=REPORTER),
        # service-desk (no category): manager Mona; owned by Olga.
        "e": taken(run_itsm, t("3m"), "Printer jams"),
        # P2, recorded 1h3m1s before LATE: its 30m response target has passed.
        "h": new(run_itsm, t("2d23h"), "Mail bounces", "--impact", "high", "--urgency", "medium", actor=REPORTER),
        # P3, recorded a day before LATE: response (4h) passed, resolution (54h at risk) not yet.
        "f": new(run_itsm, t("2d"), "Wi-Fi slow", "-c", "network/vpn", actor=REPORTER),
        "g": new(run_itsm, t("2d1h"), "Supplier portal", "--group", "suppliers", actor=REPORTER),
    }


@pytest.fixture
def breaches(desk: Path, run_itsm: RunItsm, from_template: FromTemplate) -> dict[str, str]:
    ids: dict[str, str] = from_template("breaches", lambda: build_breaches(desk, run_itsm))
    return ids


# (row, left_minutes at LATE): the working time left on the nearest clock, here around the clock.
def expected_breaches(ids: dict[str, str]) -> list[Row]:
    return [row for row, _ in expected_with_left(ids)]


def expected_with_left(ids: dict[str, str]) -> list[tuple[Row, int]]:
    return [
        # The only P2 first, although every P3 has been breached for longer: response 30m,
        # recorded 1h3m1s before LATE, 33m1s past it (rounded down: -34).
        ((ids["h"], "response SLA breached", t("2d23h30m"), *MANAGER_SD), -34),
        # Then the P3s, most overdue first. Nobody responded to a and c (4h response, used
        # 3d3m1s and 3d1m1s): over 68 hours past; f and g (recorded 24h3m1s and 23h3m1s before
        # LATE) 20h3m1s and 19h3m1s past their 4h; b and e responded at once, their
        # resolution (3d) passed 2m1s and 1s ago. The row names its worst problem: resolution.
        ((ids["a"], "resolution SLA breached", t("3d"), *MANAGER_NET), -(68 * 60 + 4)),
        ((ids["c"], "resolution SLA breached", t("3d2m"), "Ian Infra", "queue owner of infrastructure"),
         -(68 * 60 + 2)),
        ((ids["f"], "response SLA breached", t("2d4h"), *MANAGER_NET), -(20 * 60 + 4)),
        ((ids["g"], "response SLA breached", t("2d5h"), "group suppliers", "nobody named in itsm.yaml"),
         -(19 * 60 + 4)),
        ((ids["b"], "resolution SLA breached", t("3d1m"), *BY_OWNER), -3),  # identity names nobody: the owner
        ((ids["e"], "resolution SLA breached", t("3d3m"), *MANAGER_SD), -1),
    ]


def test_breaches_by_priority_then_most_overdue(run_itsm: RunItsm, breaches: dict[str, str]) -> None:
    rows = chase_json(run_itsm, LATE)
    assert [((r["id"], r["what"], r["since"], r["chase"], r["role"]), r["left_minutes"]) for r in rows] == \
        expected_with_left(breaches)
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5, 6, 7]


def test_breach_rows_list_every_issue_worst_first(run_itsm: RunItsm, breaches: dict[str, str]) -> None:
    rows = {str(r["id"]): r for r in chase_json(run_itsm, LATE)}
    a = rows[breaches["a"]]
    assert (a["priority"], a["major"], a["status"], a["group"], a["owner"]) == ("P3", False, "new", "network", None)
    assert a["issues"] == [
        {"what": "resolution SLA breached", "since": t("3d")},
        {"what": "response SLA breached", "since": t("4h")},
        {"what": "nobody owns it", "since": t("0")},
        {"what": "no update", "since": t("0")},  # 3d3m1s >= 3d
    ]


def test_group_and_owner_narrow_the_list(run_itsm: RunItsm, breaches: dict[str, str]) -> None:
    rows = expected_breaches(breaches)
    assert chase(run_itsm, LATE, "--group", "network") == [r for r in rows if r[0] in (breaches["a"], breaches["f"])]
    assert chase(run_itsm, LATE, "--owner", OWNER) == [r for r in rows if r[0] in (breaches["b"], breaches["e"])]
    assert chase(run_itsm, LATE, "--group", "identity", "--owner", OWNER) == [rows[5]]
    # The rank counts the rows shown.
    assert [r["rank"] for r in chase_json(run_itsm, LATE, "--owner", OWNER)] == [1, 2]
    assert chase(run_itsm, LATE, "--group", "messaging") == []
    assert chase(run_itsm, LATE, "--owner", "Nobody Atall") == []


def test_unknown_group_is_refused_in_one_line(run_itsm: RunItsm, desk: Path, breaches: dict[str, str]) -> None:
    before = snapshot(desk)
    done = run_itsm("chase", "--group", "nope", env={"ITSM_NOW": LATE})
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("itsm: error: unknown group 'nope'")
    assert done.stderr.count("\n") == 1 and done.stderr.endswith("\n")
    assert snapshot(desk) == before


def test_formats_exit_zero_and_change_nothing(run_itsm: RunItsm, desk: Path, breaches: dict[str, str]) -> None:
    rows = expected_breaches(breaches)
    titles = {breaches[k]: title for k, title in (("a", "VPN down"), ("b", "Password reset"), ("c", "Server down"),
                                                  ("e", "Printer jams"), ("h", "Mail bounces"), ("f", "Wi-Fi slow"),
                                                  ("g", "Supplier portal"))}
    priority = {r[0]: "P2" if r[0] == breaches["h"] else "P3" for r in rows}
    want = [[r[0], priority[r[0]], r[1], r[2], r[3], r[4], titles[r[0]]] for r in rows]
    before = snapshot(desk, caches=False)

    done = run_itsm("chase", "--format", "csv", env={"ITSM_NOW": LATE})
    assert (done.returncode, done.stderr) == (0, "")
    assert list(csv.reader(io.StringIO(done.stdout))) == [["id", "priority", "what", "since", "chase", "role", "title"], *want]

    done = run_itsm("chase", "--format", "md", env={"ITSM_NOW": LATE})
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.rstrip("\n").split("\n")
    cells = [[c.strip() for c in line.strip().strip("|").split("|")] for line in lines]
    assert cells[0] == ["id", "priority", "what", "since", "chase", "role", "title"]
    assert all(set(c) <= set("-:") for c in cells[1])
    assert cells[2:] == want

    done = run_itsm("chase", env={"ITSM_NOW": LATE})  # table, with breaches: still exit 0
    assert (done.returncode, done.stderr) == (0, "")
    table = done.stdout.split("\n")
    assert table[0].split() == ["id", "priority", "what", "since", "chase", "role", "title"]
    assert [line.split()[0] for line in table[2:] if line] == [r[0] for r in rows]

    assert snapshot(desk, caches=False) == before  # chase writes nothing, commits nothing (the read model is a cache)


def test_calm_desk_says_nothing_is_slipping(run_itsm: RunItsm, desk: Path) -> None:
    configure(desk, GROUPS)
    new(run_itsm, t("0"), "Printer jams", "--owner", OWNER)
    done = run_itsm("chase", env={"ITSM_NOW": t("1h")})
    assert (done.returncode, done.stdout, done.stderr) == (0, "nothing is slipping\n", "")
    assert chase(run_itsm, t("1h")) == []


# -- at risk: exactly at 75 % and one second before ---------------------------------------------------


def test_at_risk_boundaries_response_and_resolution(run_itsm: RunItsm, desk: Path) -> None:
    configure(desk, GROUPS)
    # P3 recorded by the reporter herself, nobody owns it: response 4h, at risk at 3h.
    r1 = new(run_itsm, t("0"), "VPN down", "-c", "network/vpn", actor=REPORTER)
    # P2 owned from the start: resolution 8h, at risk at 6h.
    r2 = new(run_itsm, t("0"), "Mail down", "--impact", "high", "--urgency", "medium", "--owner", OWNER)

    assert chase(run_itsm, t("2h59m59s")) == [(r1, "nobody owns it", t("0"), *QUEUE_NET)]
    assert chase(run_itsm, t("3h")) == [
        (r1, f"response SLA at risk (75% used, due {t('4h')})", t("3h"), *QUEUE_NET),  # no owner: queue owner
    ]
    # r1's response has passed 4h; r2 is one second short of 6h.
    assert chase(run_itsm, t("5h59m59s")) == [(r1, "response SLA breached", t("4h"), *MANAGER_NET)]
    # r2 is a P2: first, and a P2 at risk goes to the group's manager, not its owner.
    assert chase(run_itsm, t("6h")) == [
        (r2, f"resolution SLA at risk (75% used, due {t('8h')})", t("6h"), *MANAGER_SD),
        (r1, "response SLA breached", t("4h"), *MANAGER_NET),
    ]


def test_at_target_exactly_is_at_risk_not_breached(run_itsm: RunItsm, desk: Path) -> None:
    configure(desk, GROUPS)
    r1 = new(run_itsm, t("0"), "VPN down", "-c", "network/vpn", actor=REPORTER)
    assert chase(run_itsm, t("4h")) == [(r1, f"response SLA at risk (100% used, due {t('4h')})", t("3h"), *QUEUE_NET)]
    assert chase(run_itsm, t("4h1s")) == [(r1, "response SLA breached", t("4h"), *MANAGER_NET)]


# -- nobody owns it: since creation, and since the last functional escalation ------------------------------


def test_unowned_since_creation_and_since_escalation(run_itsm: RunItsm, desk: Path) -> None:
    configure(desk, GROUPS)
    u1 = new(run_itsm, t("0"), "Printer jams", actor=REPORTER)  # service-desk: manager Mona, no queue owner
    u2 = new(run_itsm, t("0"), "Laptop slow", "--owner", OWNER)
    # Olga hands u2 to identity (no queue owner there): the owner is cleared, the clock for "unowned" restarts.
    act(run_itsm, t("5h"), "escalate", u2, "--level", "2", "--group", "identity", actor=OWNER)

    assert chase(run_itsm, t("59m59s")) == []
    assert chase(run_itsm, t("1h")) == [(u1, "nobody owns it", t("0"), *MANAGER_SD)]  # no queue owner: manager
    # u2 has been unowned for 59m59s (it is 5h59m59s old): not yet.
    assert chase(run_itsm, t("5h59m59s")) == [(u1, "response SLA breached", t("4h"), *MANAGER_SD)]
    assert chase(run_itsm, t("6h")) == [
        (u1, "response SLA breached", t("4h"), *MANAGER_SD),
        (u2, "nobody owns it", t("5h"), "group identity", "nobody named in itsm.yaml"),
    ]


# -- pending too long, no update, resolved but not closed, closed -----------------------------------------


def test_pending_stale_resolved_and_closed(run_itsm: RunItsm, desk: Path) -> None:
    configure(desk, GROUPS)
    low = ("--impact", "medium", "--urgency", "low")  # P4: resolution 5d
    p = new(run_itsm, t("0"), "Docking station", *low, "--owner", OWNER)
    act(run_itsm, t("1h"), "log", p, "checking the model", actor=OWNER)
    act(run_itsm, t("2h"), "pend", p, "--reason", "waiting for the user", actor=OWNER)
    s = new(run_itsm, t("0"), "New monitor", "--impact", "low", "--urgency", "low", "--owner", OWNER)  # P5: 10d
    act(run_itsm, t("1d"), "log", s, "ordered", actor=OWNER)
    q = new(run_itsm, t("0"), "Mailbox full", "--owner", OWNER)  # P3
    act(run_itsm, t("1h"), "resolve", q, "--fix", "archive enabled", actor=OWNER)
    z = new(run_itsm, t("0"), "Password reset", "-c", "other", "--owner", OWNER)
    act(run_itsm, t("1h"), "resolve", z, "--fix", "reset", actor=OWNER)
    act(run_itsm, t("2h"), "notify", z, actor=OWNER)
    act(run_itsm, t("3h"), "confirm", z, actor=OWNER)
    act(run_itsm, t("4h"), "close", z, actor=OWNER)

    not_told = (q, "resolved, not closed: tell the user (itsm notify)", t("1h"), *BY_OWNER)
    # q was never categorised: chase names what the close checklist lacks, not `itsm autoclose`.
    told = (q, "resolved, not closed: not categorised (itsm categorise --category); the user has not agreed "
            f"(itsm confirm, or wait for silence until {t('8d')})", t("1h"), *BY_OWNER)
    stale = (s, "no update", t("1d"), *BY_OWNER)
    pending = (p, "pending too long", t("2h"), *BY_OWNER)

    assert chase(run_itsm, t("2d59m59s")) == []  # q resolved 2d - 1s ago
    assert chase(run_itsm, t("2d1h")) == [not_told]
    act(run_itsm, t("3d"), "notify", q, actor=OWNER)
    # Told, but autoclose could not close it (not categorised): not waiting, still chased.
    assert chase(run_itsm, t("3d23h59m59s")) == [told]  # s last updated 3d - 1s ago
    # By priority: q is a P3, p a P4, s a P5.
    assert chase(run_itsm, t("4d")) == [told, stale]
    assert chase(run_itsm, t("5d1h59m59s")) == [told, stale]  # p pending 5d - 1s
    assert chase(run_itsm, t("5d2h")) == [told, pending, stale]
    silent = [row for row in chase(run_itsm, t("8d1h")) if row[0] == q]
    assert silent == [(q, "resolved, not closed: not categorised (itsm categorise --category)", t("1h"), *BY_OWNER)]
    act(run_itsm, t("8d2h"), "categorise", q, "-c", "email/mailbox", actor=OWNER)
    silent = [row for row in chase(run_itsm, t("8d3h")) if row[0] == q]
    assert silent == [(q, "resolved, not closed: the user stayed silent: close it (itsm close, or itsm autoclose)",
                       t("1h"), *BY_OWNER)]
    # Years later, the closed ticket is still never listed (the others are long breached).
    assert z not in [row[0] for row in chase(run_itsm, "2030-01-01T00:00:00Z")]


# -- major incidents first ------------------------------------------------------------------------------------


def test_major_incident_comes_first_whatever_its_problem(run_itsm: RunItsm, desk: Path) -> None:
    configure(desk, GROUPS)
    x = new(run_itsm, t("0"), "VPN down", "-c", "network/vpn")
    m = new(run_itsm, t("1h"), "Mail down for all", "--owner", OWNER)
    act(run_itsm, t("1h"), "escalate", m, "--reason", "impact", "--major", actor=OWNER)  # told Mona; P1
    act(run_itsm, t("2h"), "resolve", m, "--fix", "failover", actor=OWNER)

    rows = chase_json(run_itsm, t("3d1h"))
    assert [(r["id"], r["what"], r["since"], r["chase"], r["role"]) for r in rows] == [
        # resolved, not closed (the mildest problem) but major: first, and its manager is chased.
        (m, "resolved, not closed: tell the user (itsm notify)", t("2h"), *MANAGER_SD),
        (x, "resolution SLA breached", t("3d"), *MANAGER_NET),
    ]
    assert (rows[0]["major"], rows[0]["priority"]) == (True, "P1")
    done = run_itsm("chase", "--format", "csv", env={"ITSM_NOW": t("3d1h")})
    assert list(csv.reader(io.StringIO(done.stdout)))[1][:2] == [m, "MAJOR P1"]
    # Told, not answered: a major incident is never closed by silence, so it is not waiting out
    # autoclose — still chased, to the manager, for the user's agreement.
    act(run_itsm, t("3d2h"), "notify", m, actor=OWNER)
    assert chase(run_itsm, t("3d3h"))[0] == (
        m, "resolved, not closed: not categorised (itsm categorise --category); the user has not agreed "
        "(itsm confirm); a major incident never closes by silence", t("2h"), *MANAGER_SD,
    )


# -- custom thresholds and business hours from itsm.yaml --------------------------------------------------------


def test_custom_thresholds_change_the_result(run_itsm: RunItsm, desk: Path) -> None:
    configure(desk, GROUPS)
    k1 = new(run_itsm, t("0"), "VPN down", "-c", "network/vpn", actor=REPORTER)  # unowned P3
    k2 = taken(run_itsm, t("0"), "Old laptop")  # owned, never touched again
    k3 = new(run_itsm, t("1h45m"), "Printer jams", actor=REPORTER)  # unowned, service-desk
    k4 = new(run_itsm, t("0"), "Docking station", "--owner", OWNER)
    act(run_itsm, t("30m"), "pend", k4, "--reason", "waiting for the user", actor=OWNER)
    k5 = new(run_itsm, t("0"), "Mailbox full", "--owner", OWNER)
    act(run_itsm, t("50m"), "resolve", k5, "--fix", "archive enabled", actor=OWNER)

    now = t("2h")
    assert chase(run_itsm, now) == [(k1, "nobody owns it", t("0"), *QUEUE_NET)]  # only 1h has passed anywhere

    configure(desk, GROUPS, "chase: {at_risk: 50, unowned_after: 10m, stale_after: 2h, pending_after: 1h, "
                            "resolved_after: 1h}\n")
    # All P3, by the time left: k1 2h (response), k3 3h45m (response), k2 70h (resolution),
    # k4 71h30m (resolution, paused since 30m), k5 none (resolved).
    assert chase(run_itsm, now) == [
        (k1, f"response SLA at risk (50% used, due {t('4h')})", t("2h"), *QUEUE_NET),  # 50 % of 4h = 2h
        (k3, "nobody owns it", t("1h45m"), *MANAGER_SD),  # 15m >= 10m
        (k2, "no update", t("0"), *BY_OWNER),  # 2h >= 2h
        (k4, "pending too long", t("30m"), *BY_OWNER),  # 1h30m >= 1h
        (k5, "resolved, not closed: tell the user (itsm notify)", t("50m"), *BY_OWNER),  # 1h10m >= 1h
    ]


@pytest.mark.parametrize("percent", [57, 58, 75, 80])
def test_at_risk_message_states_the_threshold_it_crossed(run_itsm: RunItsm, desk: Path, percent: int) -> None:
    """Exactly at a custom threshold the row must not claim a lower percentage than the threshold."""
    configure(desk, GROUPS, f"chase: {{at_risk: {percent}}}\n")
    k1 = new(run_itsm, t("0"), "VPN down", "-c", "network/vpn", actor=REPORTER)
    crossed = t(f"{4 * 3600 * percent // 100}s")  # percent of the 4h response target, whole seconds
    assert chase(run_itsm, crossed) == [
        (k1, f"response SLA at risk ({percent}% used, due {t('4h')})", crossed, *QUEUE_NET),
    ]


def test_business_hours_move_the_breach(run_itsm: RunItsm, desk: Path) -> None:
    configure(desk, GROUPS, BERLIN_HOURS)
    # Friday 2026-11-20 16:00 CET (15:00Z), P3: 2h on Friday (to 18:00) + 2h on Monday -> Mon 10:00 CET = 09:00Z.
    b1 = new(run_itsm, "2026-11-20T15:00:00Z", "VPN down", "-c", "network/vpn", actor=REPORTER)
    friday_late = "2026-11-20T19:00:01Z"  # around the clock, 4h + 1s
    assert chase(run_itsm, friday_late) == [(b1, "nobody owns it", "2026-11-20T15:00:00Z", *QUEUE_NET)]
    # 75 % = 3h: Friday 2h + Monday 08:00-09:00 CET (07:00Z-08:00Z).
    assert chase(run_itsm, "2026-11-23T09:00:00Z") == [
        (b1, "response SLA at risk (100% used, due 2026-11-23T09:00:00Z)", "2026-11-23T08:00:00Z", *QUEUE_NET),
    ]
    assert chase(run_itsm, "2026-11-23T09:00:01Z") == [
        (b1, "response SLA breached", "2026-11-23T09:00:00Z", *MANAGER_NET),
    ]
    configure(desk, GROUPS)  # the same desk around the clock: breached since Friday 19:00Z
    assert chase(run_itsm, friday_late) == [(b1, "response SLA breached", "2026-11-20T19:00:00Z", *MANAGER_NET)]


# -- the order of consequence and whom to chase, on a business-hours desk ------------------------------

# Berlin, Monday to Friday 08:00-18:00; P1 around the clock. From 25 October 2026 Berlin is
# UTC+1: 08:00 is 07:00Z. A working day is 10 hours, so 3d (P3) is 30 working hours.
DESK_HOURS = """\
business_hours:
  timezone: Europe/Berlin
  days: {mon: '08:00-18:00', tue: '08:00-18:00', wed: '08:00-18:00', thu: '08:00-18:00', fri: '08:00-18:00'}
  always_on: [P1]
"""
MONDAY_0600 = "2026-11-23T05:00:00Z"  # Monday 06:00 in Berlin: the desk has not opened yet
MONDAY_0900 = "2026-11-23T08:00:00Z"  # an hour after it opened
HIGH = ("--impact", "high", "--urgency", "high")  # P1


def build_consequence(desk: Path, run_itsm: RunItsm) -> dict[str, str]:
    configure(desk, GROUPS, DESK_HOURS)
    ids = {
        # P5 taken Monday 19 October 09:00 (CEST): 10 working days, due Monday 2 November 09:00
        # (08:00Z) — breached three weeks before Monday 23 November.
        "p5": taken(run_itsm, "2026-10-19T07:00:00Z", "New monitor", "--impact", "low", "--urgency", "low"),
        # P3 taken Thursday 12 November 10:00: due Tuesday 17th 10:00 (09:00Z).
        "late_p3": taken(run_itsm, "2026-11-12T09:00:00Z", "Printer jams"),
        # P3 taken Wednesday 18 November 10:00: due Monday 23rd 10:00 (09:00Z); 28 of its 30
        # working hours used by Friday's close, 75 % (22h30m) reached Friday 12:30 (11:30Z).
        "risky_p3": taken(run_itsm, "2026-11-18T09:00:00Z", "Laptop slow"),
        # P2 recorded Friday 17:35, nobody on it: 25 of its 30 response minutes used by 18:00.
        "p2": new(run_itsm, "2026-11-20T16:35:00Z", "Mail bounces", "--impact", "high", "--urgency", "medium",
                  actor=REPORTER),
        # P3 recorded on Saturday, nobody on it: no working time passes before Monday 08:00.
        "saturday": new(run_itsm, "2026-11-21T09:00:00Z", "Scanner offline", actor=REPORTER),
        # P1 recorded Monday 05:47, nobody on it: 13 of 15 minutes used at 06:00, two left.
        "p1": new(run_itsm, "2026-11-23T04:47:00Z", "VPN down for a site", "-c", "network/vpn", *HIGH,
                  actor=REPORTER),
        # A major incident (P1, 4h around the clock), taken and declared at 02:00 Monday.
        "major": taken(run_itsm, "2026-11-23T01:00:00Z", "VPN down for all", "-c", "network/vpn", *HIGH),
        # Resolved Thursday 08:30, the user never told: 2 working days end Monday 08:30 (07:30Z).
        "untold": taken(run_itsm, "2026-11-19T07:00:00Z", "Password reset", "-c", "access/password"),
        # P4s resolved and told: on Monday 05:00Z one was told 3 days ago, one 6 (autoclose 5).
        "day3": taken(run_itsm, "2026-11-16T09:00:00Z", "Mailbox full", "-c", "email/mailbox",
                      "--impact", "medium", "--urgency", "low"),
        "day6": taken(run_itsm, "2026-11-16T09:00:00Z", "Calendar sync", "-c", "email/mailbox",
                      "--impact", "medium", "--urgency", "low"),
    }
    act(run_itsm, "2026-11-23T01:00:00Z", "escalate", ids["major"], "--reason", "impact", "--major", actor=OWNER)
    act(run_itsm, "2026-11-19T07:30:00Z", "resolve", ids["untold"], "--fix", "reset", actor=OWNER)
    act(run_itsm, "2026-11-17T09:00:00Z", "resolve", ids["day3"], "--fix", "archive enabled", actor=OWNER)
    act(run_itsm, "2026-11-20T05:00:00Z", "notify", ids["day3"], actor=OWNER)
    act(run_itsm, "2026-11-16T10:00:00Z", "resolve", ids["day6"], "--fix", "re-synced", actor=OWNER)
    act(run_itsm, "2026-11-17T05:00:00Z", "notify", ids["day6"], actor=OWNER)
    return ids


@pytest.fixture
def consequence(desk: Path, run_itsm: RunItsm, from_template: FromTemplate) -> dict[str, str]:
    ids: dict[str, str] = from_template("consequence", lambda: build_consequence(desk, run_itsm))
    return ids


NILS = MANAGER_NET
MONA = MANAGER_SD
SILENT = "resolved, not closed: the user stayed silent: close it (itsm close, or itsm autoclose)"

# (key, what, since, chase, role, left_minutes) in the order to handle them, by hand.
AT_0600 = [
    # Major first: 4h around the clock from 01:00Z, all used; 75 % at 04:00Z. Its manager.
    ("major", "resolution SLA at risk (100% used, due 2026-11-23T05:00:00Z)", "2026-11-23T04:00:00Z", *NILS, 0),
    # The P1 two minutes from breach: above every breach of a lower priority, and a P1 at
    # risk goes to the manager. 75 % of 15m is 11m15s after 04:47Z.
    ("p1", "response SLA at risk (86% used, due 2026-11-23T05:02:00Z)", "2026-11-23T04:58:15Z", *NILS, 2),
    # The P2: 5 working minutes left, due Monday 08:05 (07:05Z); 75 % (22m30s) reached Friday.
    ("p2", "response SLA at risk (83% used, due 2026-11-23T07:05:00Z)", "2026-11-20T16:57:30Z", *MONA, 5),
    # The P3s: breached first (30h target, 68h used: -38h), then the one at risk (2h left),
    # which goes to its owner.
    ("late_p3", "resolution SLA breached", "2026-11-17T09:00:00Z", *MONA, -38 * 60),
    ("risky_p3", "resolution SLA at risk (93% used, due 2026-11-23T09:00:00Z)", "2026-11-20T11:30:00Z",
     *BY_OWNER, 120),
    # Told six days ago, silent past autoclose's five: slipping, with no clock left to run.
    ("day6", SILENT, "2026-11-16T10:00:00Z", *BY_OWNER, None),
    # The P5 breached three weeks ago, last: 100h target, 249h used (-149h).
    ("p5", "resolution SLA breached", "2026-11-02T08:00:00Z", *MONA, -149 * 60),
    # Not here: "saturday" (no working time yet), "untold" (19h30m of 20 working hours),
    # "day3" (told 3 days ago: waiting out autoclose's 5).
]
AT_0900 = [
    ("major", "resolution SLA breached", "2026-11-23T05:00:00Z", *NILS, -180),
    # Response breached at 05:02Z, 178m ago; its resolution (47m left) is only at risk.
    ("p1", "response SLA breached", "2026-11-23T05:02:00Z", *NILS, -178),
    ("p2", "response SLA breached", "2026-11-23T07:05:00Z", *MONA, -55),  # 85 of 30 minutes
    ("late_p3", "resolution SLA breached", "2026-11-17T09:00:00Z", *MONA, -39 * 60),
    ("risky_p3", "resolution SLA at risk (96% used, due 2026-11-23T09:00:00Z)", "2026-11-20T11:30:00Z",
     *BY_OWNER, 60),
    # Unowned for one working hour (since 08:00): its group has no queue owner, so its manager;
    # 3 of its 4 response hours left, so after the P3 with one.
    ("saturday", "nobody owns it", "2026-11-21T09:00:00Z", *MONA, 180),
    # 2 working days since Thursday 08:30 ended at 08:30 today; no clock runs: last of the P3s.
    ("untold", "resolved, not closed: tell the user (itsm notify)", "2026-11-19T07:30:00Z", *BY_OWNER, None),
    ("day6", SILENT, "2026-11-16T10:00:00Z", *BY_OWNER, None),
    ("p5", "resolution SLA breached", "2026-11-02T08:00:00Z", *MONA, -150 * 60),
]


@pytest.mark.parametrize(("now", "expected"), [(MONDAY_0600, AT_0600), (MONDAY_0900, AT_0900)],
                         ids=["monday-0600", "monday-0900"])
def test_order_of_consequence_and_whom_to_chase(
    run_itsm: RunItsm, consequence: dict[str, str], now: str, expected: list[tuple[object, ...]],
) -> None:
    by_id = {ticket_id: key for key, ticket_id in consequence.items()}
    rows = chase_json(run_itsm, now)
    assert [(by_id[str(r["id"])], r["what"], r["since"], r["chase"], r["role"], r["left_minutes"])
            for r in rows] == expected
    assert [r["rank"] for r in rows] == list(range(1, len(expected) + 1))


def test_a_row_lists_every_problem_in_working_time(run_itsm: RunItsm, consequence: dict[str, str]) -> None:
    p2 = next(r for r in chase_json(run_itsm, MONDAY_0900) if r["id"] == consequence["p2"])
    assert p2["issues"] == [
        {"what": "response SLA breached", "since": "2026-11-23T07:05:00Z"},
        {"what": "nobody owns it", "since": "2026-11-20T16:35:00Z"},  # 25m Friday + 60m Monday
    ]


def test_the_wall_clock_would_have_flagged_the_weekend(
    run_itsm: RunItsm, desk: Path, consequence: dict[str, str],
) -> None:
    """The same desk without business hours: Saturday's ticket is unowned at 06:00 Monday
    and the untold one past 2 days — what the working-time thresholds keep out."""
    configure(desk, GROUPS)
    shown = {str(r["id"]) for r in chase_json(run_itsm, MONDAY_0600)}
    assert {consequence["saturday"], consequence["untold"]} <= shown
    assert consequence["day3"] not in shown  # waiting out autoclose, whatever the calendar
