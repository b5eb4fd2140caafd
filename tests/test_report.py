"""`itsm report`: every figure of a small desk, computed by hand.

The desk is made through the CLI with the clock pinned (ITSM_NOW) at known instants, on a
fresh `itsm init` desk with the default config (24x7, P1 15m/4h, P2 30m/8h, P3 4h/3d,
P4 8h/5d, response stops on an owner or contact, pending on the user pauses). The report
runs at 2026-11-26T09:00:00Z with --since 2026-11-02.

    A  P2 incident, network/vpn (group network, level 2)
       created 11-02 09:00, assigned 09:20 (response 20m, met), pending on the user 10:00,
       resumed 12:00, resolved (fix) 14:00: resolution 60 + 120 = 180m (met)
    B  P3 incident, group service-desk (level 1)
       created 11-03 08:00, call to the user 08:45 (response 45m, met), resolved
       (workaround, KB-1) 10:00, reopened 11-04 09:00, resolved (fix, KB-1) 11:00:
       resolution 120 + 120 = 240m (met)
    C  P1 incident, network/vpn
       created 11-05 10:00, assigned 10:30 (response 30m > 15m: missed, due 10:15),
       escalated to level 3 at 11:00, hierarchical 11:10, resolved (fix) 16:00:
       360m > 240m (missed, due 14:00)
    D  P4 request, group service-desk, created 11-10 09:00, never touched: response due
       11-10 17:00 and resolution due 11-15 09:00, both breached and running
    E  P3 incident, created 11-25 09:00, assigned 09:30 (response 30m, met under P3),
       declared major 10:00 (P1 from then: resolution due 14:00, breached and running)
    F  an incident of August, resolved in August: outside the window everywhere
    G  P3 incident created 11-26 08:00, nobody owns it (1 h: chase's unowned_after)
    PRB links A and C.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from itsm.reporting import report
from tests.conftest import NOW, RunItsm, git, run_cli

SINCE = "2026-11-02"


def at(run_itsm: RunItsm, when: str, *args: str) -> str:
    done = run_itsm(*args, env={"ITSM_NOW": when})
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def new(run_itsm: RunItsm, when: str, title: str, *args: str) -> str:
    return json.loads(at(run_itsm, when, "new", title, "--json", *args))["id"]


@pytest.fixture
def scripted(desk: Path, run_itsm: RunItsm) -> dict[str, str]:
    ids: dict[str, str] = {}
    ids["KB1"] = json.loads(at(run_itsm, "2026-10-01T09:00:00Z", "kb", "new", "Reset a VPN profile", "--body",
                               "Symptoms: drops.", "--json"))["id"]
    ids["KB2"] = json.loads(at(run_itsm, "2026-10-01T09:05:00Z", "kb", "new", "Printer offline", "--body",
                               "Restart the spooler.", "--json"))["id"]
    ids["F"] = new(run_itsm, "2026-08-03T09:00:00Z", "Monitor flickers", "--impact", "medium", "--urgency", "medium")
    at(run_itsm, "2026-08-03T10:00:00Z", "resolve", ids["F"], "--fix", "new cable")

    ids["A"] = new(run_itsm, "2026-11-02T09:00:00Z", "VPN drops at home", "--category", "network/vpn",
                   "--impact", "high", "--urgency", "medium")
    at(run_itsm, "2026-11-02T09:20:00Z", "assign", ids["A"], "--owner", "Bob Stone")
    at(run_itsm, "2026-11-02T10:00:00Z", "pend", ids["A"], "--reason", "waiting for the user's router model")
    at(run_itsm, "2026-11-02T12:00:00Z", "resume", ids["A"])
    at(run_itsm, "2026-11-02T14:00:00Z", "resolve", ids["A"], "--fix", "MTU set to 1400")

    ids["B"] = new(run_itsm, "2026-11-03T08:00:00Z", "Outlook asks for the password", "--group", "service-desk",
                   "--impact", "medium", "--urgency", "medium")
    at(run_itsm, "2026-11-03T08:45:00Z", "log", ids["B"], "Called the user", "--kind", "call")
    at(run_itsm, "2026-11-03T10:00:00Z", "resolve", ids["B"], "--workaround", "password re-entered",
       "--kb", ids["KB1"])
    at(run_itsm, "2026-11-04T09:00:00Z", "reopen", ids["B"], "--reason", "asks again")
    at(run_itsm, "2026-11-04T11:00:00Z", "resolve", ids["B"], "--fix", "credential manager cleaned",
       "--kb", ids["KB1"])

    ids["C"] = new(run_itsm, "2026-11-05T10:00:00Z", "VPN down for the whole office", "--category", "network/vpn",
                   "--impact", "high", "--urgency", "high")
    at(run_itsm, "2026-11-05T10:30:00Z", "assign", ids["C"], "--owner", "Carla Diaz")
    at(run_itsm, "2026-11-05T11:00:00Z", "escalate", ids["C"], "--level", "3")
    at(run_itsm, "2026-11-05T11:10:00Z", "escalate", ids["C"], "--to", "Priya Raman", "--reason", "impact")
    at(run_itsm, "2026-11-05T16:00:00Z", "resolve", ids["C"], "--fix", "firewall rule restored")

    ids["D"] = new(run_itsm, "2026-11-10T09:00:00Z", "Need a second monitor", "--type", "request",
                   "--group", "service-desk", "--impact", "low", "--urgency", "medium")

    ids["E"] = new(run_itsm, "2026-11-25T09:00:00Z", "ERP slow for everyone", "--impact", "medium",
                   "--urgency", "medium")
    at(run_itsm, "2026-11-25T09:30:00Z", "assign", ids["E"], "--owner", "Erik Holm")
    at(run_itsm, "2026-11-25T10:00:00Z", "escalate", ids["E"], "--to", "Aisha Bello", "--reason", "impact", "--major")

    ids["G"] = new(run_itsm, "2026-11-26T08:00:00Z", "Printer on floor 2 is offline", "--impact", "medium",
                   "--urgency", "medium")
    ids["P"] = json.loads(at(run_itsm, "2026-11-06T09:00:00Z", "problem", "new", "VPN tunnel drops", "--incident",
                             ids["A"], "--incident", ids["C"], "--json"))["id"]
    return ids


def report_json(run_itsm: RunItsm, *args: str) -> dict[str, Any]:
    done = run_itsm("report", "--since", SINCE, "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_priorities_as_scripted(run_itsm: RunItsm, scripted: dict[str, str]) -> None:
    shown = {key: json.loads(at(run_itsm, NOW, "show", value, "--json")) for key, value in scripted.items()
             if key in "ABCDEG"}
    assert {k: v["priority"] for k, v in shown.items()} == {"A": "P2", "B": "P3", "C": "P1", "D": "P4", "E": "P1",
                                                             "G": "P3"}
    assert shown["B"]["level"] == 1 and shown["A"]["level"] == 2


def test_every_figure_by_hand(run_itsm: RunItsm, scripted: dict[str, str]) -> None:
    ids = scripted
    data = report_json(run_itsm)
    meta = data["report"]
    assert (meta["since"], meta["until"], meta["generated"]) == ("2026-11-02T00:00:00Z", NOW, NOW)
    assert meta["sections"] == list(report.SECTIONS) and meta["business_hours"] is False

    backlog = data["backlog"]
    assert backlog["open"] == 3  # D, E, G
    assert {row["status"]: row["total"] for row in backlog["by_status"]} == {"new": 2, "assigned": 1, "in_progress": 0,
                                                                          "pending": 0}
    new_row = next(row for row in backlog["by_status"] if row["status"] == "new")
    assert new_row["counts"] == {"P1": 0, "P2": 0, "P3": 1, "P4": 1, "P5": 0, "none": 0}
    assert backlog["by_owner"] == [{"owner": "Erik Holm", "open": 1}]
    assert [t["id"] for t in backlog["unowned"]] == [ids["G"], ids["D"]]  # P3 before P4

    buckets = {b["label"]: b["count"] for b in data["aging"]["buckets"]}
    assert buckets == {"0-1 d": 1, "1-3 d": 1, "3-7 d": 0, "7-30 d": 1, "> 30 d": 0}  # G 1 h, E 1 d, D 16 d
    assert [(t["id"], t["age_days"]) for t in data["aging"]["oldest"]] == [(ids["D"], 16.0), (ids["E"], 1.0),
                                                                          (ids["G"], 0.0)]

    sla = data["sla"]
    # Response: met A (P2), B (P3), E (P1 now; met under P3); missed C (P1), D (P4, running).
    assert sla["response"]["total"] == {"met": 3, "missed": 2, "compliance": 0.6}
    assert sla["response"]["by_priority"] == [
        {"priority": "P1", "met": 1, "missed": 1, "compliance": 0.5},
        {"priority": "P2", "met": 1, "missed": 0, "compliance": 1.0},
        {"priority": "P3", "met": 1, "missed": 0, "compliance": 1.0},
        {"priority": "P4", "met": 0, "missed": 1, "compliance": 0.0},
    ]
    # Resolution: met A, B; missed C, D (running), E (running); G is running and in time.
    assert sla["resolution"]["total"] == {"met": 2, "missed": 3, "compliance": 0.4}
    assert [(b["id"], b["clock"], b["due"], b["stopped"], b["running"]) for b in sla["breaches"]] == [
        (ids["C"], "response", "2026-11-05T10:15:00Z", "2026-11-05T10:30:00Z", False),
        (ids["C"], "resolution", "2026-11-05T14:00:00Z", "2026-11-05T16:00:00Z", False),
        (ids["D"], "response", "2026-11-10T17:00:00Z", None, True),
        (ids["D"], "resolution", "2026-11-15T09:00:00Z", None, True),
        (ids["E"], "resolution", "2026-11-25T14:00:00Z", None, True),
    ]

    times = data["times"]
    # MTTA over A 20, C 30, E 30, B 45; MTTR over A 180, B 240, C 360.
    assert times["mtta"]["overall"] == {"count": 4, "median_minutes": 30, "p90_minutes": 45}
    assert times["mttr"]["overall"] == {"count": 3, "median_minutes": 240, "p90_minutes": 360}
    assert times["mtta"]["by_priority"] == [
        {"priority": "P1", "count": 2, "median_minutes": 30, "p90_minutes": 30},
        {"priority": "P2", "count": 1, "median_minutes": 20, "p90_minutes": 20},
        {"priority": "P3", "count": 1, "median_minutes": 45, "p90_minutes": 45},
    ]
    assert times["mttr"]["by_category"] == [
        {"category": "(none)", "count": 1, "median_minutes": 240, "p90_minutes": 240},
        {"category": "network/vpn", "count": 2, "median_minutes": 270, "p90_minutes": 360},
    ]

    assert data["first_level"] == {"resolved": 3, "at_first_level": 1, "rate": 0.3333}  # only B
    assert data["escalations"] == {"functional": 1, "hierarchical": 2, "major": 1, "tickets": 2}
    assert data["reopens"] == {"resolved": 3, "reopened": 1, "rate": 0.3333}  # B

    weeks = data["trend"]["weeks"]
    assert [(w["week"], w["start"], w["created"], w["resolved"], w["open_at_end"]) for w in weeks] == [
        ("2026-W45", "2026-11-02", 3, 3, 0),
        ("2026-W46", "2026-11-09", 1, 0, 1),
        ("2026-W47", "2026-11-16", 0, 0, 1),
        ("2026-W48", "2026-11-23", 2, 0, 3),
    ]
    assert {c["category"]: (c["created"], c["resolved"]) for c in data["trend"]["by_category"]} == {
        "network": ([2, 0, 0, 0], [2, 0, 0, 0]),
        "(none)": ([1, 1, 0, 2], [1, 0, 0, 0]),
    }

    assert data["problems"] == [{"id": ids["P"], "title": "VPN tunnel drops", "status": "open", "incidents": 2,
                                 "open_incidents": 0, "workaround": 0, "fix": 2, "workaround_share": 0.0,
                                 "fix_share": 1.0}]
    assert data["kb"] == {"articles": [{"id": ids["KB1"], "title": "Reset a VPN profile", "resolved": 1}], "unused": 1}
    assert data["types"] == [{"type": "incident", "created": 5, "resolved": 3, "open": 2},
                             {"type": "request", "created": 1, "resolved": 0, "open": 1}]
    assert data["candidates"] == []
    assert "gates" not in data


def test_window_leaves_out_what_happened_before(run_itsm: RunItsm, scripted: dict[str, str]) -> None:
    data = report_json(run_itsm, "--since", "2026-08-01", "--until", "2026-09-01")
    assert data["types"][0] == {"type": "incident", "created": 1, "resolved": 1, "open": 2}
    assert data["times"]["mttr"]["overall"] == {"count": 1, "median_minutes": 60, "p90_minutes": 60}
    assert data["sla"]["breaches"] == []


def test_gates_exit_codes_and_lines(run_itsm: RunItsm, scripted: dict[str, str]) -> None:
    ids = scripted
    for gate, failed in (("breach", True), ("unowned", True), ("stale", True), ("major", True)):
        done = run_itsm("report", "--since", SINCE, "--section", "types", "--fail-on", gate)
        assert done.returncode == (1 if failed else 0), (gate, done.stderr)
        lines = [line for line in done.stderr.splitlines() if "--fail-on" in line]
        assert len(lines) == 1, done.stderr
    done = run_itsm("report", "--since", SINCE, "-s", "types", "--fail-on", "breach", "--fail-on", "major",
                    "--fail-on", "unowned", "--fail-on", "stale")
    lines = [line for line in done.stderr.splitlines() if "--fail-on" in line]
    assert lines == [
        f"itsm report: --fail-on breach: 5 SLA breaches in 2026-11-02T00:00:00Z..{NOW} on 3 tickets: "
        f"{ids['C']}, {ids['D']}, {ids['E']}",
        f"itsm report: --fail-on unowned: 2 open tickets nobody has owned for longer than the desk allows "
        f"(chase.unowned_after): {ids['G']}, {ids['D']}",
        f"itsm report: --fail-on stale: 1 open ticket had no update for longer than the desk allows "
        f"(chase.stale_after): {ids['D']}",
        f"itsm report: --fail-on major: 1 major incident open: {ids['E']}",
    ]


def test_gates_pass_on_a_quiet_desk(desk: Path, run_itsm: RunItsm) -> None:
    for gate in report.GATES:
        done = run_itsm("report", "--fail-on", gate)
        assert done.returncode == 0, done.stderr
        assert "--fail-on" not in done.stderr
    done = run_itsm("report", "--json", "--fail-on", "breach")
    assert json.loads(done.stdout)["gates"] == [{"gate": "breach", "failed": False, "count": 0,
                                                 "summary": f"no SLA breach in 2026-09-03T09:00:00Z..{NOW}"}]


def test_business_hours_count_working_time_only(desk: Path, run_itsm: RunItsm) -> None:
    """Mon-Fri 09:00-17:00 UTC. X: created Friday 16:00, assigned Monday 10:00 (MTTA 60 + 60
    = 120m), resolved Monday 15:00 (MTTR 60 + 360 = 420m). Y: created Friday 16:00, assigned
    Monday 09:30 (60 + 30 = 90m: the weekend is not working time), pending on the user
    Monday 11:00 to Tuesday 10:00, resolved Tuesday 12:00: 60 + 120 + 120 = 300m."""
    config = desk / "itsm.yaml"
    days = "{mon: '09:00-17:00', tue: '09:00-17:00', wed: '09:00-17:00', thu: '09:00-17:00', fri: '09:00-17:00'}"
    text = config.read_text()
    assert "\nbusiness_hours:\n" in text
    config.write_text(text.replace("\nbusiness_hours:\n", f"\nbusiness_hours:\n  timezone: UTC\n  days: {days}\n"))
    git(desk, "commit", "-qam", "business hours")
    x = new(run_itsm, "2026-11-06T16:00:00Z", "Laptop will not start", "--impact", "medium", "--urgency", "medium")
    y = new(run_itsm, "2026-11-06T16:00:00Z", "Teams has no sound", "--impact", "medium", "--urgency", "medium")
    at(run_itsm, "2026-11-09T10:00:00Z", "assign", x, "--owner", "Bob Stone")
    at(run_itsm, "2026-11-09T15:00:00Z", "resolve", x, "--fix", "new power supply")
    at(run_itsm, "2026-11-09T09:30:00Z", "assign", y, "--owner", "Bob Stone")
    at(run_itsm, "2026-11-09T11:00:00Z", "pend", y, "--reason", "which headset?")
    at(run_itsm, "2026-11-10T10:00:00Z", "resume", y)
    at(run_itsm, "2026-11-10T12:00:00Z", "resolve", y, "--fix", "driver updated")
    data = report_json(run_itsm, "-s", "times")
    assert data["report"]["business_hours"] is True
    assert data["times"]["mtta"]["overall"] == {"count": 2, "median_minutes": 105, "p90_minutes": 120}  # 90, 120
    assert data["times"]["mttr"]["overall"] == {"count": 2, "median_minutes": 360, "p90_minutes": 420}  # 300, 420
    text = run_itsm("report", "--since", SINCE, "-s", "times").stdout
    assert "durations in business hours" in text
    assert "1h 45m" in text and "7h" in text


def test_median_and_percentile() -> None:
    assert report.median([]) is None and report.percentile([], 90) is None
    assert report.median([5]) == 5 and report.percentile([5], 90) == 5
    assert report.median([10, 20]) == 15 and report.median([10, 11]) == 10.5
    assert report.median([3, 1, 2]) == 2
    values = list(range(1, 11))  # 1..10: the 90th percentile by nearest rank is the 9th value
    assert report.percentile(values, 90) == 9
    assert report.percentile(list(range(1, 12)), 90) == 10  # ceil(9.9) = 10th of 11
    assert report.percentile([7, 1, 4], 50) == 4


def test_weeks_cut_to_the_window() -> None:
    from datetime import UTC, datetime

    window = report.Window(datetime(2026, 11, 4, 12, tzinfo=UTC), datetime(2026, 11, 17, tzinfo=UTC))
    assert [(w, s.isoformat(), e.isoformat()) for w, s, e in report.weeks(window)] == [
        ("2026-W45", "2026-11-04T12:00:00+00:00", "2026-11-09T00:00:00+00:00"),
        ("2026-W46", "2026-11-09T00:00:00+00:00", "2026-11-16T00:00:00+00:00"),
        ("2026-W47", "2026-11-16T00:00:00+00:00", "2026-11-17T00:00:00+00:00"),
    ]


def test_every_format_parses(run_itsm: RunItsm, scripted: dict[str, str]) -> None:
    data = report_json(run_itsm)
    rows = list(csv.DictReader(io.StringIO(run_itsm("report", "--since", SINCE, "--format", "csv").stdout)))
    assert set(rows[0]) == {"section", "table", "row", "column", "value"}
    assert {r["section"] for r in rows} == set(report.SECTIONS) - {"candidates"}  # no candidate: no row
    compliance = [r for r in rows if r["section"] == "sla" and r["row"] == "all" and r["column"] == "met %"]
    assert [float(r["value"]) for r in compliance] == [data["sla"]["response"]["total"]["compliance"],
                                                       data["sla"]["resolution"]["total"]["compliance"]]
    mttr = next(r for r in rows if r["table"].startswith("MTTR") and r["row"] == "all" and r["column"] == "median")
    assert mttr["value"] == "240"  # minutes, for a script
    md = run_itsm("report", "--since", SINCE, "--format", "md").stdout
    assert md.startswith("# Report of desk: 2026-11-02T00:00:00Z to 2026-11-26T09:00:00Z")
    assert "## SLA response: 60.0 % met" in md and "| P1 " in md
    table = run_itsm("report", "--since", SINCE).stdout
    assert "Backlog: 3 open" in table and "First-level resolution: 33.3 %" in table
    one = report_json(run_itsm, "--section", "kb")
    assert set(one) == {"report", "kb"} and one["report"]["sections"] == ["kb"]


@pytest.mark.parametrize("args, message", [
    (("--format", "xml"), "unknown format 'xml'"),
    (("--section", "everything"), "unknown section 'everything'"),
    (("--fail-on", "late"), "unknown gate 'late'"),
    (("--since", "last week"), "--since 'last week' is not a date or time"),
    (("--since", "2026-11-20", "--until", "2026-11-10"), "the window is empty"),
    (("--as-of", "2027-01-01"), "--as-of 2027-01-01 is in the future"),
    (("--output", "site"), "--output writes the HTML site"),
    (("-f", "html", "--output", "kb/site"), "--output kb/site is inside the desk's kb/ folder"),
    (("-f", "html", "--output", "tickets"), "--output tickets is inside the desk's tickets/ folder"),
])
def test_refusals_change_nothing(desk: Path, run_itsm: RunItsm, args: tuple[str, ...], message: str) -> None:
    from tests.conftest import snapshot

    new(run_itsm, "2026-11-20T09:00:00Z", "Printer jams")
    before = snapshot(desk)
    done = run_itsm("report", *args)
    assert done.returncode == 2 and message in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr
    assert snapshot(desk) == before


def test_a_broken_file_is_warned_about_and_the_rest_reported(desk: Path, run_itsm: RunItsm) -> None:
    good = new(run_itsm, "2026-11-20T09:00:00Z", "Printer jams")
    broken = desk / "tickets" / "2026-11" / "INC-BROKEN.md"
    broken.write_text("---\nid: [unclosed\n---\n")
    done = run_itsm("report", "--json", "-s", "backlog")
    assert done.returncode == 0
    assert "INC-BROKEN.md" in done.stderr and "itsm check" in done.stderr
    assert [t["id"] for t in json.loads(done.stdout)["backlog"]["unowned"]] == [good]


def test_text_from_the_desk_never_reaches_the_terminal_raw(desk: Path, run_itsm: RunItsm) -> None:
    ticket = new(run_itsm, "2026-11-20T09:00:00Z", "Printer jams", "--owner", "Eve Adams")
    path = next((desk / "tickets").rglob(f"{ticket}.md"))  # a hand edit: the CLI refuses such text
    text = path.read_text()
    path.write_text(text.replace("title: Printer jams", 'title: "Printer \\e[2J jams"')
                    .replace("owner: Eve Adams", 'owner: "Eve\\e]0;pwned\\a"'))
    for fmt in ("table", "md"):
        done = run_itsm("report", "-s", "backlog", "-s", "aging", "--format", fmt)
        assert "\x1b" not in done.stdout and "\\x1b[2J" in done.stdout and "\\x07" in done.stdout, fmt
    done = run_itsm("report", "-s", "backlog", "--format", "csv")
    assert "\x1b" not in done.stdout


def test_a_warm_report_parses_no_record_file(desk: Path, run_itsm: RunItsm, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Once the read model is built, `itsm report` (every section, a gate, HTML too) reads
    it and parses no record file: the parser is made to fail, in the process that reports."""
    from itsm import cli
    from itsm.storage.store import Desk

    first = new(run_itsm, "2026-11-20T09:00:00Z", "Printer jams")
    new(run_itsm, "2026-11-21T09:00:00Z", "Printer jams again")
    at(run_itsm, "2026-11-21T10:00:00Z", "resolve", first, "--fix", "new drum")
    assert run_itsm("report").returncode == 0  # builds the read model and the index

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a warm report parsed a record file")

    monkeypatch.setattr(Desk, "read", refuse)
    monkeypatch.setattr(Desk, "parse", refuse)
    monkeypatch.chdir(desk)
    for args, code in ((["report", "--json"], 0), (["report", "--fail-on", "breach", "-f", "md"], 1),
                       (["report", "-f", "html"], 0)):
        assert cli.main(args) == code, capsys.readouterr().err  # 1: the gate failed (the P3s breached)
        assert "internal error" not in capsys.readouterr().err
    capsys.readouterr()
    assert cli.main(["report", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["types"][0]["created"] == 2


@pytest.mark.process
def test_report_runs_in_a_subprocess_of_python(desk: Path) -> None:
    """`python -m itsm report` (what CI calls) works from the desk's folder."""
    done = subprocess.run([sys.executable, "-m", "itsm", "report", "-s", "types"], cwd=desk, capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0 and "Requests and incidents" in done.stdout


def test_json_follows_its_documented_schema(run_itsm: RunItsm, scripted: dict[str, str]) -> None:
    import jsonschema

    from tests.conftest import REPO

    schema = json.loads((REPO / "docs" / "report.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    for args in ((), ("--fail-on", "breach", "--fail-on", "major"), ("-s", "kb")):
        done = run_itsm("report", "--since", SINCE, "--json", *args)
        jsonschema.validate(json.loads(done.stdout), schema)
    broken = report_json(run_itsm)
    broken["sla"]["response"]["total"]["compliance"] = 1.5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_the_sample_desk_reports_and_follows_the_schema() -> None:
    import jsonschema

    from tests.conftest import REPO

    done = run_cli(REPO, "report", "--json", "--desk", str(REPO), env={"ITSM_NOW": "2026-11-30T12:00:00Z"})
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    jsonschema.validate(data, json.loads((REPO / "docs" / "report.schema.json").read_text()))
    assert data["backlog"]["open"] > 0 and data["sla"]["breaches"] and data["problems"]


def test_as_of_reproduces_the_report_of_that_day_after_history_changed(
        desk: Path, run_itsm: RunItsm, scripted: dict[str, str]) -> None:
    """The report made on 11-26 09:00 is made again later with --as-of, after tickets were
    resolved, reassigned, recategorised and deleted and the SLA targets changed: every
    section but the candidates (words weighed from history, docs/report.md) is the same."""
    ids = scripted
    sections = [s for s in report.SECTIONS if s != "candidates"]
    flags = [arg for s in sections for arg in ("-s", s)]
    then = report_json(run_itsm, *flags)
    later = "2026-11-28T10:00:00Z"
    at(run_itsm, "2026-11-27T09:00:00Z", "assign", ids["D"], "--owner", "Dana Whitfield")
    at(run_itsm, "2026-11-27T10:00:00Z", "resolve", ids["E"], "--fix", "index rebuilt")
    at(run_itsm, "2026-11-27T11:00:00Z", "categorise", ids["G"], "--impact", "high", "--urgency", "high")
    gone = next((desk / "tickets").rglob(f"{ids['A']}.md"))
    gone.unlink()
    config = desk / "itsm.yaml"
    config.write_text(config.read_text().replace("    response: 15m\n", "    response: 2h\n", 1))
    subprocess.run(["git", "commit", "-qam", "A deleted, P1 response target 2h"], cwd=desk, check=True,
                   env={**os.environ, "GIT_COMMITTER_DATE": later, "GIT_AUTHOR_DATE": later})
    now_report = report_json(run_itsm, *flags)
    assert now_report["backlog"] != then["backlog"] and now_report["sla"] != then["sla"]
    done = run_itsm("report", "--since", SINCE, "--json", "--as-of", NOW, *flags, env={"ITSM_NOW": later})
    assert done.returncode == 0, done.stderr
    again = json.loads(done.stdout)
    info = again["report"].pop("as_of")
    assert info["date"] == NOW and len(info["commit"]) == 40 and info["cached"] is False
    then["report"].pop("as_of")
    assert again == then
    assert re.search(r"^itsm report: as of 2026-11-26T09:00:00Z \(commit [0-9a-f]{7}, read in \d+\.\d s\)$",
                     done.stderr, re.MULTILINE), done.stderr
    cached = run_itsm("report", "--since", SINCE, "--json", "--as-of", NOW, *flags, env={"ITSM_NOW": later})
    assert json.loads(cached.stdout)["report"]["as_of"]["cached"] is True
    assert "from the cache" in cached.stderr


def test_as_of_before_the_history_is_refused(desk: Path, run_itsm: RunItsm) -> None:
    from tests.conftest import snapshot

    before = snapshot(desk)
    done = run_itsm("report", "--as-of", "2020-01-01")
    assert done.returncode == 2 and "history starts at" in done.stderr and len(done.stderr.splitlines()) == 1
    assert snapshot(desk) == before


def test_the_readme_shows_the_sample_desks_report_as_it_is() -> None:
    """README.md's "Reports" block is the real output of its command on the sample desk (the
    desk's name is its folder's: "itsm" in a clone named so)."""
    import shlex

    from tests.conftest import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("\n## Reports\n", 1)[1].split("```console\n", 1)[1].split("\n```", 1)[0]
    command, shown = block.split("\n", 1)
    words = shlex.split(command.removeprefix("$ "))
    env = dict(word.split("=", 1) for word in words if "=" in word and not word.startswith("-"))
    args = [word for word in words if not ("=" in word and not word.startswith("-"))]
    assert args[0] == "itsm"
    done = run_cli(REPO, *args[1:], "--desk", str(REPO), env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip("\n").replace(f"Report of {REPO.name}:", "Report of itsm:", 1) == shown
