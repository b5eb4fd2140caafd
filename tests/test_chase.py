"""`itsm chase` on real desks built through the real CLI, `ITSM_NOW` set per command.

docs/lifecycle.md "itsm chase" is the contract: every rule of its table, the order (major
incidents first, worst problem first, then priority, then since), whom to chase, the
filters and formats, exit code 0, and that chase changes nothing. Every expected row is
(id, what, since, chase, role), computed by hand from the default targets (P2 30m/8h,
P3 4h/3d, P4 8h/5d, P5 1d/10d) and thresholds (75 %, 1h, 5d, 3d, 2d) unless a test
writes its own.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from itsm import timeutil
from tests.conftest import RunItsm, git, snapshot

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


_TEMPLATES: dict[str, tuple[Path, dict[str, str]]] = {}


def from_template(key: str, desk: Path, factory: pytest.TempPathFactory,
                  build: Callable[[], dict[str, str]]) -> dict[str, str]:
    """Build a desk once through the CLI; later tests get a copy (git repository and all)."""
    if key not in _TEMPLATES:
        ids = build()
        template = factory.mktemp(key) / "desk"
        shutil.copytree(desk, template, symlinks=True)
        _TEMPLATES[key] = (template, ids)
        return ids
    template, ids = _TEMPLATES[key]
    shutil.rmtree(desk)
    shutil.copytree(template, desk, symlinks=True)
    return ids


# -- a desk where everything has slipped: breaches, order, whom to chase -----------------------

# Chase at BASE + 3d3m1s: every P3 recorded in the first minutes of BASE has used > 72h.
LATE = t("3d3m1s")


def build_breaches(desk: Path, run_itsm: RunItsm) -> dict[str, str]:
    configure(desk, GROUPS)
    return {
        # network: manager Nils, queue owner Quinn; nobody owns it.
        "a": new(run_itsm, t("0"), "VPN down", "-c", "network/vpn"),
        # identity: nobody named; owned by Olga.
        "b": new(run_itsm, t("1m"), "Password reset", "-c", "access/password", "--owner", OWNER),
        # infrastructure: queue owner Ian, no manager; nobody owns it.
        "c": new(run_itsm, t("2m"), "Server down", "-c", "infra/server"),
        # service-desk (no category): manager Mona; owned by Olga.
        "e": new(run_itsm, t("3m"), "Printer jams", "--owner", OWNER),
        # P2, recorded 1h3m1s before LATE: its 30m response target has passed.
        "h": new(run_itsm, t("2d23h"), "Mail bounces", "--impact", "high", "--urgency", "medium"),
        # P3, recorded a day before LATE: response (4h) passed, resolution (54h at risk) not yet.
        "f": new(run_itsm, t("2d"), "Wi-Fi slow", "-c", "network/vpn"),
        "g": new(run_itsm, t("2d1h"), "Supplier portal", "--group", "suppliers"),
    }


@pytest.fixture
def breaches(desk: Path, run_itsm: RunItsm, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return from_template("breaches", desk, tmp_path_factory, lambda: build_breaches(desk, run_itsm))


def expected_breaches(ids: dict[str, str]) -> list[Row]:
    return [
        # rank 0 (resolution breached), all P3: by since, each created + 72h.
        (ids["a"], "resolution SLA breached", t("3d"), *MANAGER_NET),
        (ids["b"], "resolution SLA breached", t("3d1m"), *BY_OWNER),  # identity names nobody: the owner
        (ids["c"], "resolution SLA breached", t("3d2m"), "Ian Infra", "queue owner of infrastructure"),
        (ids["e"], "resolution SLA breached", t("3d3m"), *MANAGER_SD),
        # rank 1 (response breached): P2 before P3 although its since is later.
        (ids["h"], "response SLA breached", t("2d23h30m"), *MANAGER_SD),  # created + 30m
        (ids["f"], "response SLA breached", t("2d4h"), *MANAGER_NET),  # created + 4h
        (ids["g"], "response SLA breached", t("2d5h"), "group suppliers", "nobody named in itsm.yaml"),
    ]


def test_breaches_worst_first_then_priority_then_since(run_itsm: RunItsm, breaches: dict[str, str]) -> None:
    assert chase(run_itsm, LATE) == expected_breaches(breaches)


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
    assert chase(run_itsm, LATE, "--group", "identity", "--owner", OWNER) == [rows[1]]
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
    before = snapshot(desk)

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

    assert snapshot(desk) == before  # chase writes nothing, commits nothing


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
    assert chase(run_itsm, t("6h")) == [
        (r1, "response SLA breached", t("4h"), *MANAGER_NET),
        (r2, f"resolution SLA at risk (75% used, due {t('8h')})", t("6h"), *BY_OWNER),
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
    assert chase(run_itsm, t("3d23h59m59s")) == [told]  # s last updated 3d - 1s ago
    assert chase(run_itsm, t("4d")) == [stale, told]
    assert chase(run_itsm, t("5d1h59m59s")) == [stale, told]  # p pending 5d - 1s
    assert chase(run_itsm, t("5d2h")) == [pending, stale, told]
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


# -- custom thresholds and business hours from itsm.yaml --------------------------------------------------------


def test_custom_thresholds_change_the_result(run_itsm: RunItsm, desk: Path) -> None:
    configure(desk, GROUPS)
    k1 = new(run_itsm, t("0"), "VPN down", "-c", "network/vpn", actor=REPORTER)  # unowned P3
    k2 = new(run_itsm, t("0"), "Old laptop", "--owner", OWNER)  # owned, never touched again
    k3 = new(run_itsm, t("1h45m"), "Printer jams", actor=REPORTER)  # unowned, service-desk
    k4 = new(run_itsm, t("0"), "Docking station", "--owner", OWNER)
    act(run_itsm, t("30m"), "pend", k4, "--reason", "waiting for the user", actor=OWNER)
    k5 = new(run_itsm, t("0"), "Mailbox full", "--owner", OWNER)
    act(run_itsm, t("50m"), "resolve", k5, "--fix", "archive enabled", actor=OWNER)

    now = t("2h")
    assert chase(run_itsm, now) == [(k1, "nobody owns it", t("0"), *QUEUE_NET)]  # only 1h has passed anywhere

    configure(desk, GROUPS, "chase: {at_risk: 50, unowned_after: 10m, stale_after: 2h, pending_after: 1h, "
                            "resolved_after: 1h}\n")
    assert chase(run_itsm, now) == [
        (k1, f"response SLA at risk (50% used, due {t('4h')})", t("2h"), *QUEUE_NET),  # 50 % of 4h = 2h
        (k3, "nobody owns it", t("1h45m"), *MANAGER_SD),  # 15m >= 10m
        (k4, "pending too long", t("30m"), *BY_OWNER),  # 1h30m >= 1h
        (k2, "no update", t("0"), *BY_OWNER),  # 2h >= 2h
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
