"""Holidays from a region's calendar (issue 9, item 12): `holidays: {country, subdivision,
extra, closures}` through the `holidays` package, the plain list as ever, and the cache in
`.itsm/holidays.json` that keeps the package out of a warm command.

The tables are hand-computed from the German calendar, not read back from the package:
Easter Sunday 2026 is 5 April, so Good Friday is 3 April, Easter Monday 6 April, Ascension
(Easter + 39) 14 May, Whit Monday (Easter + 50) 25 May, Corpus Christi (Easter + 60) 4 June;
Berlin adds International Women's Day (8 March, a Sunday in 2026), Saxony Reformation Day
(31 October) and Repentance Day (the Wednesday before 23 November: 18 November), Bavaria
Epiphany (6 January) and All Saints (1 November). Europe/Berlin is on CEST (UTC+2) from
29 March 2026. Default targets: P2 30m/8h, P3 4h/3d.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import holidays
import pytest

from itsm.config import defaults
from itsm.config import loading as config_mod
from itsm.config.holiday_calendar import Holidays, package_version
from itsm.config.settings import Config
from itsm.core import timeutil
from itsm.core.model import Entry, Ticket
from itsm.domain import sla
from tests.conftest import RunItsm, git, snapshot

WEEK = "{mon: '08:00-18:00', tue: '08:00-18:00', wed: '08:00-18:00', thu: '08:00-18:00', fri: '08:00-18:00'}"
HOURS = f"business_hours:\n  timezone: Europe/Berlin\n  days: {WEEK}\n"
BERLIN = HOURS + "  holidays:\n    country: DE\n    subdivision: BE\n"
THURSDAY = "2026-04-02T09:00:00Z"  # 11:00 in Berlin, the day before Good Friday
CACHE = Path(".itsm") / "holidays.json"

NATIONAL = ["2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25",
            "2026-10-03", "2026-12-25", "2026-12-26"]
CLOSED_2026 = {
    None: NATIONAL,
    "BE": sorted([*NATIONAL, "2026-03-08"]),
    "SN": sorted([*NATIONAL, "2026-10-31", "2026-11-18"]),
    "BY": sorted([*NATIONAL, "2026-01-06", "2026-06-04", "2026-11-01"]),
}


def load(root: Path, text: str) -> Config:
    root.mkdir(parents=True, exist_ok=True)
    (root / "itsm.yaml").write_text(text, encoding="utf-8")
    return config_mod.load(root)


def region(country: str = "DE", subdivision: str | None = "BE", extra: str = "") -> str:
    lines = f"  holidays:\n    country: {country}\n"
    if subdivision is not None:
        lines += f"    subdivision: {subdivision}\n"
    return HOURS + lines + extra


def configure(desk: Path, text: str) -> None:
    (desk / "itsm.yaml").write_text(text, encoding="utf-8")
    git(desk, "commit", "-q", "-am", "desk config")


def ticket(priority: str, created: str = THURSDAY) -> Ticket:
    """Recorded by its reporter, nobody has responded: both clocks run from `created`."""
    return Ticket(id="INC-TEST01", title="The VPN drops", priority=priority, reporter="Rita User",
                  created=created, updated=created,
                  timeline=(Entry("E0000000", created, "Rita User", "created", "Recorded from web"),))


def due(config: Config, priority: str, created: str = THURSDAY) -> tuple[str, str]:
    state = sla.clocks(ticket(priority, created), config, timeutil.parse(created))
    assert state.response is not None and state.resolution is not None
    return timeutil.format(state.response.due), timeutil.format(state.resolution.due)


def new_p2(run_itsm: RunItsm) -> str:
    done = run_itsm("new", "VPN drops", "-c", "network/vpn", "--impact", "high", "--urgency", "medium",
                    env={"ITSM_NOW": THURSDAY})
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[0]


def resolution_due(run_itsm: RunItsm, ticket_id: str, env: dict[str, str] | None = None) -> str:
    done = run_itsm("show", ticket_id, "--json", env={"ITSM_NOW": THURSDAY, **(env or {})})
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["sla"]["resolution"]["due"])


def imported_holidays(done: subprocess.CompletedProcess[str]) -> bool:
    """Whether the run imported the package (PYTHONPROFILEIMPORTTIME lines on stderr)."""
    return any(line.split("|")[-1].strip() == "holidays"
               for line in done.stderr.splitlines() if line.startswith("import time:"))


def unshare_available() -> bool:
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False) if shutil.which("unshare") else None
    return probe is not None and probe.returncode == 0


needs_unshare = pytest.mark.skipif(not unshare_available(), reason="needs user namespaces (unshare -rm)")


def in_namespace(script: str) -> subprocess.CompletedProcess[str]:
    """Run `script` as root of a user and mount namespace of its own (a real read-only mount)."""
    return subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, check=False,
                          env=dict(os.environ), timeout=120)


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


# -- the region's calendar -----------------------------------------------------------------------


@pytest.mark.parametrize("subdivision", list(CLOSED_2026))
def test_the_closed_days_of_2026_by_region(tmp_path: Path, subdivision: str | None) -> None:
    config = load(tmp_path, region("DE", subdivision))
    assert config.findings == (), [str(f) for f in config.findings]
    assert config.business_hours is not None
    holidays = config.business_hours.holidays
    expected = {date.fromisoformat(day) for day in CLOSED_2026[subdivision]}
    assert holidays.dates(2026) == sorted(expected)
    # Day by day through the year: exactly these are off (a Sunday is not a holiday by itself).
    every_day = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    assert {day for day in every_day if day in holidays} == expected


def test_country_code_is_taken_in_either_case(tmp_path: Path) -> None:
    config = load(tmp_path, region("de", "BE"))
    assert config.findings == ()
    assert config.business_hours is not None
    assert config.business_hours.holidays.region == "DE-BE"


# -- deadlines --------------------------------------------------------------------------------------

# A P2 and a P3 recorded Thursday 2 April 2026, 11:00 Berlin. P2 resolution 8h: 7h on Thursday
# (to 18:00), the last hour on the next working day at 08:00-09:00. P3 resolution 3d: three
# working days later at 11:00. P3 response 4h: Thursday 15:00 (13:00Z) in every case.
DEADLINES = [
    # holidays                             P2 resolution due       P3 resolution due
    ("", "2026-04-03T07:00:00Z", "2026-04-07T09:00:00Z"),  # no holidays: Fri 3, Mon 6, Tue 7
    ("  holidays:\n    country: DE\n    subdivision: BE\n",
     "2026-04-07T07:00:00Z", "2026-04-09T09:00:00Z"),  # Good Friday, Easter Monday off: Tue 7 .. Thu 9
    ("  holidays:\n    country: DE\n    subdivision: BE\n    extra: ['2026-04-07']\n",
     "2026-04-08T07:00:00Z", "2026-04-10T09:00:00Z"),  # and Tuesday: Wed 8 .. Fri 10
    ("  holidays:\n    country: DE\n    subdivision: BE\n    closures: ['2026-04-07..2026-04-08']\n",
     "2026-04-09T07:00:00Z", "2026-04-13T09:00:00Z"),  # and Tue-Wed: Thu 9, Fri 10, Mon 13
    ("  holidays:\n    extra: ['2026-04-03', '2026-04-06']\n",
     "2026-04-07T07:00:00Z", "2026-04-09T09:00:00Z"),  # the same two days typed by hand
]


@pytest.mark.parametrize(("holidays", "p2_due", "p3_due"), DEADLINES)
def test_deadlines_skip_the_regions_holidays_and_the_desks_own(
    tmp_path: Path, holidays: str, p2_due: str, p3_due: str,
) -> None:
    config = load(tmp_path, HOURS + holidays)
    assert config.findings == (), [str(f) for f in config.findings]
    assert due(config, "P2") == ("2026-04-02T09:30:00Z", p2_due)
    assert due(config, "P3") == ("2026-04-02T13:00:00Z", p3_due)


def test_a_new_ticket_on_the_desk_is_due_after_easter(desk: Path, run_itsm: RunItsm) -> None:
    configure(desk, BERLIN)
    ticket_id = new_p2(run_itsm)
    shown = json.loads(run_itsm("show", ticket_id, "--json", env={"ITSM_NOW": THURSDAY}).stdout)
    assert (shown["due_response"], shown["due_resolution"]) == ("2026-04-02T09:30:00Z", "2026-04-07T07:00:00Z")
    assert shown["sla"]["resolution"]["due"] == "2026-04-07T07:00:00Z"


def test_a_deadline_across_new_year_uses_the_next_years_calendar(tmp_path: Path) -> None:
    """P3 recorded Wednesday 30 December 2026, 10:00 Berlin (09:00Z): 3 working days are
    Thu 31 Dec, Mon 4 Jan, Tue 5 Jan 2027 (1 January is a holiday, 2027's, from the package)."""
    config = load(tmp_path, BERLIN)
    assert due(config, "P3", "2026-12-30T09:00:00Z")[1] == "2027-01-05T09:00:00Z"


# -- the plain list, as ever ----------------------------------------------------------------------


def test_the_plain_list_is_read_as_ever(tmp_path: Path) -> None:
    config = load(tmp_path, HOURS + "  holidays: ['2026-12-24', '2026-12-25', '2026-12-26']\n")
    assert config.findings == ()
    assert config.business_hours is not None
    holidays = config.business_hours.holidays
    assert holidays == Holidays({date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)})
    assert holidays.region is None
    assert date(2026, 12, 24) in holidays and date(2026, 12, 23) not in holidays
    assert date(2026, 1, 1) not in holidays  # no region: New Year is a working day unless typed
    # The case: a P3 recorded Tuesday 22 December 09:00 Berlin is due Tuesday 29 December.
    assert due(config, "P3", "2026-12-22T08:00:00Z")[1] == "2026-12-29T08:00:00Z"
    assert not (tmp_path / CACHE).exists() and not (tmp_path / ".itsm").exists()
    faulty = load(tmp_path, HOURS + "  holidays: ['2026-12-24', 'soon']\n")
    assert [str(f) for f in faulty.findings] == [
        "itsm.yaml:4: business_hours.holidays: 'soon' is not a date like 2026-12-25"
    ]


# -- the cache --------------------------------------------------------------------------------------


@pytest.mark.process
def test_a_warm_command_never_imports_the_package(desk: Path, run_itsm: RunItsm) -> None:
    configure(desk, BERLIN)
    ticket_id = new_p2(run_itsm)
    cache = desk / CACHE
    assert cache.is_file()
    cache.unlink()
    profile = {"PYTHONPROFILEIMPORTTIME": "1", "ITSM_NOW": THURSDAY}
    cold = run_itsm("list", "--json", env=profile)
    assert cold.returncode == 0 and imported_holidays(cold)
    assert cache.is_file()
    for command in (("list", "--json"), ("show", ticket_id, "--json"), ("check",)):
        warm = run_itsm(*command, env=profile)
        assert warm.returncode == 0, warm.stderr
        assert not imported_holidays(warm), command
    assert run_itsm("list", "--json", env=profile).stdout == cold.stdout
    entries = json.loads(cache.read_text())
    assert entries["package"] == package_version()
    years = {(e["country"], e["subdivision"], e["year"]): e["dates"] for e in entries["years"]}
    assert years[("DE", "BE", 2026)] == CLOSED_2026["BE"]
    # The cache is the desk's own, never committed.
    assert git(desk, "status", "--porcelain", "--ignored", ".itsm") == "!! .itsm/\n"


@pytest.mark.process
def test_the_plain_list_never_imports_the_package(desk: Path, run_itsm: RunItsm) -> None:
    configure(desk, HOURS + "  holidays: ['2026-04-03', '2026-04-06']\n")
    new_p2(run_itsm)
    done = run_itsm("list", "--json", env={"PYTHONPROFILEIMPORTTIME": "1", "ITSM_NOW": THURSDAY})
    assert done.returncode == 0 and not imported_holidays(done)
    assert not (desk / CACHE).exists()


def foreign_cache(version: str | None) -> str:
    """A well-formed cache that claims Tuesday 7 April is a holiday in Berlin."""
    return json.dumps({"format": 1, "package": version, "years": [
        {"country": "DE", "subdivision": "BE", "year": year,
         "dates": [*CLOSED_2026["BE"], "2026-04-07"] if year == 2026 else []} for year in (2025, 2026, 2027)
    ]})


BROKEN_CACHES = {
    "garbage": "\x00\x01 not json",
    "cut short": '{"format": 1, "package": "',
    "another format": json.dumps({"format": 99, "package": "any", "years": []}),
    "another package version": foreign_cache("0.0.1"),
    "dates of the wrong year": json.dumps({"format": 1, "package": "PACKAGE", "years": [
        {"country": "DE", "subdivision": "BE", "year": 2026, "dates": ["2025-04-07"]}]}),
    "dates that are not dates": json.dumps({"format": 1, "package": "PACKAGE", "years": [
        {"country": "DE", "subdivision": "BE", "year": 2026, "dates": [20260407]}]}),
    "a list": "[]",
    "deeply nested": "[" * 100_000,
}


@pytest.mark.parametrize("content", list(BROKEN_CACHES), ids=list(BROKEN_CACHES))
def test_a_corrupt_or_foreign_cache_is_ignored_and_rebuilt(desk: Path, run_itsm: RunItsm, content: str) -> None:
    configure(desk, BERLIN)
    ticket_id = new_p2(run_itsm)
    cache = desk / CACHE
    cache.write_text(BROKEN_CACHES[content].replace("PACKAGE", str(package_version())), encoding="utf-8")
    assert resolution_due(run_itsm, ticket_id) == "2026-04-07T07:00:00Z"  # Tuesday is not a holiday
    rebuilt = json.loads(cache.read_text())
    assert rebuilt["package"] == package_version()
    assert {(e["year"], tuple(e["dates"])) for e in rebuilt["years"]} >= {(2026, tuple(CLOSED_2026["BE"]))}


def test_the_cache_is_believed_for_its_own_package_version(desk: Path, run_itsm: RunItsm) -> None:
    """The other side of the coin, so the tests above can fail: a cache of this very version
    is read as it is (this one says Tuesday 7 April is a holiday too)."""
    configure(desk, BERLIN)
    ticket_id = new_p2(run_itsm)
    (desk / CACHE).write_text(foreign_cache(package_version()), encoding="utf-8")
    assert resolution_due(run_itsm, ticket_id) == "2026-04-08T07:00:00Z"


def test_a_cache_that_is_a_link_or_a_folder_is_never_followed(tmp_path: Path, desk: Path,
                                                              run_itsm: RunItsm) -> None:
    configure(desk, BERLIN)
    ticket_id = new_p2(run_itsm)
    cache = desk / CACHE
    outside = tmp_path / "elsewhere.json"
    outside.write_text(foreign_cache(package_version()), encoding="utf-8")
    cache.unlink()
    cache.symlink_to(outside)
    assert resolution_due(run_itsm, ticket_id) == "2026-04-07T07:00:00Z"
    assert outside.read_text() == foreign_cache(package_version())  # read nor written through the link
    assert not cache.is_symlink() and json.loads(cache.read_text())["package"] == package_version()
    cache.unlink()
    cache.mkdir()  # cannot be replaced: counted in memory, every time
    assert resolution_due(run_itsm, ticket_id) == "2026-04-07T07:00:00Z"
    assert cache.is_dir() and list(cache.iterdir()) == []


def test_a_missing_cache_folder_is_made_again(desk: Path, run_itsm: RunItsm) -> None:
    configure(desk, BERLIN)
    ticket_id = new_p2(run_itsm)
    subprocess.run(["rm", "-rf", str(desk / ".itsm")], check=True)
    assert resolution_due(run_itsm, ticket_id) == "2026-04-07T07:00:00Z"
    assert (desk / CACHE).is_file()
    assert (desk / ".itsm" / ".gitignore").read_text() == "*\n"


@pytest.mark.process
@needs_unshare
@pytest.mark.parametrize("read_only", [".itsm", "the desk without .itsm"])
def test_a_read_only_cache_folder_still_counts(desk: Path, run_itsm: RunItsm, read_only: str) -> None:
    configure(desk, BERLIN)
    ticket_id = new_p2(run_itsm)
    (desk / CACHE).unlink()
    target = desk / ".itsm"
    if read_only != ".itsm":
        subprocess.run(["rm", "-rf", str(target)], check=True)
        target = desk
    before = snapshot(desk)
    done = in_namespace(
        f"mount --bind {target} {target} && mount -o remount,bind,ro {target} && cd {desk} && "
        f"ITSM_NOW={THURSDAY} {sys.executable} -m itsm show {ticket_id} --json"
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert json.loads(done.stdout)["sla"]["resolution"]["due"] == "2026-04-07T07:00:00Z"
    assert snapshot(desk) == before


# -- faults ------------------------------------------------------------------------------------------

UNKNOWN_REGIONS = [
    ("XX", "BE", "itsm.yaml:5: business_hours.holidays.country: 'XX' is not a country the holidays package "
                 "knows (2-letter ISO 3166 codes like DE, FR, US)"),
    # The 16 states, and what else the installed version knows (0.109 adds Augsburg).
    ("DE", "ZZ", "itsm.yaml:6: business_hours.holidays.subdivision: 'ZZ' is not a subdivision of DE the "
                 f"holidays package knows (known: {', '.join(holidays.list_supported_countries()['DE'])})"),
]


@pytest.mark.parametrize(("country", "subdivision", "finding"), UNKNOWN_REGIONS)
def test_an_unknown_region_is_refused_in_one_line_and_changes_nothing(
    desk: Path, run_itsm: RunItsm, country: str, subdivision: str, finding: str,
) -> None:
    configure(desk, region(country, subdivision))
    before = snapshot(desk)
    done = run_itsm("new", "VPN drops", "-c", "network/vpn")
    assert one_line_error(done) == (
        f"itsm: error: {finding} (fix itsm.yaml; `itsm check` lists every fault)"
    )
    assert snapshot(desk) == before
    checked = run_itsm("check")
    assert checked.returncode == 1
    assert checked.stdout.splitlines()[0] == finding
    # A command that only reads goes on with the desk's own dates, saying so.
    listed = run_itsm("list")
    assert listed.returncode == 0
    assert listed.stderr.startswith(f"itsm: warning: {finding}; going on with the defaults for it")
    assert snapshot(desk, caches=False) == before  # a read may build the read model, a cache: nothing else


SHAPE_FAULTS = [
    ("  holidays:\n    country: DEU\n",
     "itsm.yaml:5: business_hours.holidays.country: 'DEU' must be a 2-letter ISO 3166 code like DE"),
    ("  holidays:\n    country: 49\n",
     "itsm.yaml:5: business_hours.holidays.country: '49' must be a 2-letter ISO 3166 code like DE"),
    ("  holidays:\n    country: DE\n    subdivison: BE\n",
     "itsm.yaml:6: business_hours.holidays: unknown key 'subdivison' (known: country, subdivision, extra, closures)"),
    ("  holidays:\n    country: DE\n    subdivision: 'B;E'\n",
     "itsm.yaml:6: business_hours.holidays.subdivision: 'B;E' must be a code like BE"),
    ("  holidays:\n    subdivision: BE\n",
     "itsm.yaml:5: business_hours.holidays.subdivision: name the country too (country: DE)"),
    ("  holidays:\n    extra: ['2026-12-24', '2026-13-01']\n",
     "itsm.yaml:5: business_hours.holidays.extra: '2026-13-01' is not a date like 2026-12-25"),
    ("  holidays:\n    extra: '2026-12-24'\n",
     "itsm.yaml:5: business_hours.holidays.extra: must be a list"),
    ("  holidays:\n    closures:\n      - '2026-12-28..2026-12-30'\n      - '2026-12-30..2026-12-28'\n",
     "itsm.yaml:7: business_hours.holidays.closures: '2026-12-30..2026-12-28' must run forwards, for at most 366 days"),
    ("  holidays:\n    closures: ['2026-12-28..']\n",
     "itsm.yaml:5: business_hours.holidays.closures: '2026-12-28..' is not a date or a range like 2026-12-28..2026-12-30"),
    ("  holidays: yes\n",
     "itsm.yaml:4: business_hours.holidays: a list of dates, or a mapping (country, subdivision, extra, closures)"),
]


@pytest.mark.parametrize(("holidays", "finding"), SHAPE_FAULTS)
def test_shape_faults_are_findings_with_their_line(tmp_path: Path, holidays: str, finding: str) -> None:
    config = load(tmp_path, HOURS + holidays)
    assert [str(f) for f in config.findings] == [finding]
    assert not (tmp_path / ".itsm").exists()


def test_closures_and_extra_dates_are_closed_days(tmp_path: Path) -> None:
    config = load(tmp_path, region(extra="    extra: ['2026-12-24', '2026-12-31']\n"
                                         "    closures: ['2026-12-28..2026-12-30', '2026-08-14']\n"))
    assert config.findings == ()
    assert config.business_hours is not None
    december = [str(d) for d in config.business_hours.holidays.dates(2026) if d.month >= 8]
    assert december == ["2026-08-14", "2026-10-03", "2026-12-24", "2026-12-25", "2026-12-26",
                        "2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31"]


@pytest.mark.process
def test_without_the_package_the_fix_is_named(tmp_path: Path, desk: Path, run_itsm: RunItsm) -> None:
    """A Python where `import holidays` fails, as where it is not installed: a module that
    raises ImportError put first on the path."""
    configure(desk, BERLIN)
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "holidays.py").write_text("raise ImportError(\"No module named 'holidays'\")\n")
    before = snapshot(desk)
    done = run_itsm("new", "VPN drops", "-c", "network/vpn", env={"PYTHONPATH": str(shadow)})
    assert one_line_error(done) == (
        "itsm: error: itsm.yaml:5: business_hours.holidays.country: naming a country needs the holidays "
        "package, which is not installed (pip install holidays) (fix itsm.yaml; `itsm check` lists every fault)"
    )
    assert snapshot(desk) == before


def test_the_generated_config_shows_the_country_form(tmp_path: Path) -> None:
    """What `itsm init` writes explains the region form; uncommented, it is a valid config."""
    text = defaults.render_default()
    block = text.split("# When SLA clocks run.")[1].split("\nbusiness_hours:")[0]
    assert "#     country: DE" in block and "#     subdivision: BE" in block
    example = "\n".join(line[2:] for line in block.splitlines()[1:]
                        if line.startswith("# ") and not line.startswith("#   # or"))
    config = load(tmp_path, example + "\n")
    assert config.findings == (), [str(f) for f in config.findings]
    assert config.business_hours is not None
    holidays = config.business_hours.holidays
    assert holidays.region == "DE-BE"
    assert date(2026, 12, 29) in holidays and date(2026, 4, 3) in holidays and date(2026, 12, 23) not in holidays

