"""SLA arithmetic (itsm.domain.sla) as tables of hand-computed cases, plus properties.

Pure functions only: tickets are built as values, configs are loaded from an itsm.yaml
written into tmp_path. docs/lifecycle.md "SLA clocks" is the contract. Default targets:
P1 15m/4h, P2 30m/8h, P3 4h/3d, P4 8h/5d, P5 1d/10d. Europe/Berlin is CET = UTC+1 in
winter and CEST = UTC+2 in summer (2026: from 29 March 01:00Z to 25 October 01:00Z).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from itsm.config import loading as config_mod
from itsm.config.settings import Config
from itsm.core import timeutil
from itsm.core.model import Entry, Ticket
from itsm.domain import sla
from itsm.domain.sla import Clock
from itsm.domain.working_time import BusinessCalendar

REPORTER = "Rita User"
AGENT = "Alice Moreau"
OWNER = "Olga Owner"
GAVE_OWNER = f"owner (none) -> {OWNER}"

BERLIN_WEEK = "{mon: '08:00-18:00', tue: '08:00-18:00', wed: '08:00-18:00', thu: '08:00-18:00', fri: '08:00-18:00'}"
CONFIGS: dict[str, str] = {
    "24x7": "",
    "berlin": f"business_hours:\n  timezone: Europe/Berlin\n  days: {BERLIN_WEEK}\n",
    "berlin-holiday": (
        f"business_hours:\n  timezone: Europe/Berlin\n  days: {BERLIN_WEEK}\n  holidays: ['2026-11-23']\n"
    ),
    "berlin-p1-always": (
        f"business_hours:\n  timezone: Europe/Berlin\n  days: {BERLIN_WEEK}\n  always_on: [P1]\n"
    ),
    "berlin-split": (
        "business_hours:\n  timezone: Europe/Berlin\n  days:\n"
        + "".join(f"    {d}: ['08:00-12:00', '13:00-17:00']\n" for d in ("mon", "tue", "wed", "thu", "fri"))
    ),
    "berlin-christmas": (
        f"business_hours:\n  timezone: Europe/Berlin\n  days: {BERLIN_WEEK}\n"
        "  holidays: ['2026-12-24', '2026-12-25', '2026-12-26']\n"
    ),
    "berlin-short-friday": (
        "business_hours:\n  timezone: Europe/Berlin\n  days: {mon: '08:00-18:00', tue: '08:00-18:00', "
        "wed: '08:00-18:00', thu: '08:00-18:00', fri: '08:00-17:00'}\n"
    ),
    "berlin-all-week": (
        "business_hours:\n  timezone: Europe/Berlin\n  days:\n"
        + "".join(f"    {d}: '00:00-24:00'\n" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    ),
}


# -- helpers ----------------------------------------------------------------------------


def at(text: str) -> datetime:
    return timeutil.parse(text)


_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def span(text: str) -> timedelta:
    """'1d2h3m4s', any part optional; '0' is zero."""
    match = _DURATION.match("" if text == "0" else text)
    assert match and text, text
    d, h, m, s = (int(g or 0) for g in match.groups())
    return timedelta(days=d, hours=h, minutes=m, seconds=s)


def load_config(root: Path, text: str) -> Config:
    root.mkdir(parents=True, exist_ok=True)
    (root / "itsm.yaml").write_text(text, encoding="utf-8")
    config = config_mod.load(root)
    assert config.findings == (), [str(f) for f in config.findings]
    return config


Step = tuple[str, str, str, str]  # time, actor, kind, text


def make_ticket(priority: str, steps: list[Step]) -> Ticket:
    assert steps[0][2] == "created"
    entries = tuple(
        Entry(f"E{i:07d}", when, actor, kind, text) for i, (when, actor, kind, text) in enumerate(steps)
    )
    return Ticket(
        id="INC-TEST01", title="The VPN drops", priority=priority, reporter=REPORTER,
        created=steps[0][0], updated=steps[-1][0], timeline=entries,
    )


def by_reporter(when: str) -> list[Step]:
    """Recorded by the reporter herself: nobody has responded yet."""
    return [(when, REPORTER, "created", "Recorded from web")]


def with_owner(when: str) -> list[Step]:
    """Recorded by an agent who names an owner at once (`itsm new --owner`): responded at creation."""
    return [(when, AGENT, "created", "Recorded from phone"), (when, AGENT, "assign", GAVE_OWNER)]


@dataclass(frozen=True)
class Want:
    used: str
    due: str
    stopped: str | None = None
    paused: bool = False
    breached: bool = False


@dataclass(frozen=True)
class Case:
    config: str
    priority: str
    steps: list[Step]
    now: str
    response: Want
    resolution: Want
    responded: str | None


# Ticket answered by an owner at creation, 2026-11-02 09:00Z (a Monday): P3 response 4h.
ANSWERED = Want("0", "2026-11-02T13:00:00Z", stopped="2026-11-02T09:00:00Z")  # 09:00 + 4h
D = "2026-11-02T"  # Monday

CASES: dict[str, Case] = {
    # -- around the clock (no business_hours), P3 4h / 3d -----------------------------------
    "24x7-running": Case(
        "24x7", "P3", by_reporter(D + "09:00:00Z"), D + "11:00:00Z",
        Want("2h", D + "13:00:00Z"),  # 09:00 -> 11:00; due 09:00 + 4h
        Want("2h", "2026-11-05T09:00:00Z"),  # due 09:00 + 72h
        None,
    ),
    "24x7-met": Case(
        "24x7", "P3",
        [*by_reporter(D + "09:00:00Z"), (D + "10:00:00Z", AGENT, "assign", GAVE_OWNER),
         ("2026-11-03T09:00:00Z", OWNER, "resolve", "fix: new VPN profile")],
        "2026-11-04T09:00:00Z",
        Want("1h", D + "13:00:00Z", stopped=D + "10:00:00Z"),  # 09:00 -> 10:00; due 10:00 + 3h left
        Want("1d", "2026-11-05T09:00:00Z", stopped="2026-11-03T09:00:00Z"),  # 24h used; due 11-03 09:00 + 48h
        D + "10:00:00Z",
    ),
    "24x7-breached": Case(
        "24x7", "P3", by_reporter(D + "09:00:00Z"), "2026-11-05T10:00:00Z",
        Want("3d1h", D + "13:00:00Z", breached=True),  # 73h > 4h
        Want("3d1h", "2026-11-05T09:00:00Z", breached=True),  # 73h > 72h
        None,
    ),
    "24x7-exactly-at-target-is-not-breached": Case(
        "24x7", "P3", by_reporter(D + "09:00:00Z"), D + "13:00:00Z",
        Want("4h", D + "13:00:00Z"),  # used == target: reached, not passed
        Want("4h", "2026-11-05T09:00:00Z"),
        None,
    ),
    "response-stopped-by-first-assign": Case(
        # The reporter herself gives it an owner: the owner rule alone stops the clock.
        "24x7", "P3", [*by_reporter(D + "09:00:00Z"), (D + "09:30:00Z", REPORTER, "assign", GAVE_OWNER)],
        D + "12:00:00Z",
        Want("30m", D + "13:00:00Z", stopped=D + "09:30:00Z"),  # 09:30 + 3h30m left
        Want("3h", "2026-11-05T09:00:00Z"),
        D + "09:30:00Z",
    ),
    "response-stopped-by-a-call-to-the-user": Case(
        "24x7", "P3",
        [*by_reporter(D + "09:00:00Z"), (D + "09:10:00Z", REPORTER, "note", "any news?"),
         (D + "09:45:00Z", AGENT, "call", "called Rita: rebooting the router")],
        D + "12:00:00Z",
        Want("45m", D + "13:00:00Z", stopped=D + "09:45:00Z"),  # 09:00 -> 09:45 (09:10 is the reporter)
        Want("3h", "2026-11-05T09:00:00Z"),
        D + "09:45:00Z",
    ),
    "an-internal-note-is-not-a-response": Case(
        # Issue 9, item 3: work the user never hears of does not answer them (Zendesk: only a
        # public agent reply; ServiceNow: assignment to a person).
        "24x7", "P3",
        [*by_reporter(D + "09:00:00Z"), (D + "09:45:00Z", AGENT, "note", "looking at it"),
         (D + "10:00:00Z", AGENT, "categorise", "category (none) -> network/vpn"),
         (D + "10:30:00Z", AGENT, "hierarchical", "told Nora Manager: the impact is serious"),
         (D + "11:00:00Z", AGENT, "escalate", "level 1 -> 2; group service-desk -> network"),
         (D + "11:30:00Z", AGENT, "email-in", "Rita: any news?")],
        D + "14:00:00Z",
        Want("5h", D + "13:00:00Z", breached=True),  # nothing reached Rita: 09:00 -> 14:00
        Want("5h", "2026-11-05T09:00:00Z"),
        None,
    ),
    "an-email-to-the-user-is-a-response": Case(
        "24x7", "P3",
        [*by_reporter(D + "09:00:00Z"), (D + "09:45:00Z", AGENT, "note", "looking at it"),
         (D + "10:15:00Z", AGENT, "email", "Dear Rita, we are on it")],
        D + "12:00:00Z",
        Want("1h15m", D + "13:00:00Z", stopped=D + "10:15:00Z"),
        Want("3h", "2026-11-05T09:00:00Z"),
        D + "10:15:00Z",
    ),
    "an-escalation-that-removes-the-owner-is-not-a-response": Case(
        "24x7", "P3",
        [*by_reporter(D + "09:00:00Z"),
         (D + "09:30:00Z", AGENT, "escalate", "level 1 -> 2; group service-desk -> network; owner Al -> (none)")],
        D + "12:00:00Z",
        Want("3h", D + "13:00:00Z"),
        Want("3h", "2026-11-05T09:00:00Z"),
        None,
    ),
    "reporter-actions-do-not-stop-it": Case(
        "24x7", "P3",
        [*by_reporter(D + "09:00:00Z"), (D + "09:10:00Z", REPORTER, "note", "any news?"),
         (D + "10:00:00Z", REPORTER, "note", "still broken")],
        D + "14:00:00Z",
        Want("5h", D + "13:00:00Z", breached=True),  # 09:00 -> 14:00 = 5h > 4h
        Want("5h", "2026-11-05T09:00:00Z"),
        None,
    ),
    "group-only-assign-does-not-stop-it": Case(
        "24x7", "P3",
        [*by_reporter(D + "09:00:00Z"), (D + "09:20:00Z", REPORTER, "assign", "group service-desk -> network (level 2)")],
        D + "12:00:00Z",
        Want("3h", D + "13:00:00Z"),  # a group is not an owner: runs 09:00 -> 12:00
        Want("3h", "2026-11-05T09:00:00Z"),
        None,
    ),
    "group-and-owner-assign-stops-it": Case(
        "24x7", "P3",
        [*by_reporter(D + "09:00:00Z"),
         (D + "09:20:00Z", REPORTER, "assign", f"group service-desk -> network (level 2); {GAVE_OWNER}")],
        D + "12:00:00Z",
        Want("20m", D + "13:00:00Z", stopped=D + "09:20:00Z"),  # 09:20 + 3h40m left
        Want("3h", "2026-11-05T09:00:00Z"),
        D + "09:20:00Z",
    ),
    "escalation-to-a-queue-owner-stops-it": Case(
        # `itsm escalate` to a group with a queue owner gives the ticket an owner (lifecycle.md, note 3):
        # that is "the first time the ticket gets an owner", whoever ran the command.
        "24x7", "P3",
        [*by_reporter(D + "09:00:00Z"),
         (D + "09:30:00Z", REPORTER, "escalate", "level 1 -> 2; group service-desk -> network; owner (none) -> Quinn Queue")],
        D + "12:00:00Z",
        Want("30m", D + "13:00:00Z", stopped=D + "09:30:00Z"),  # 09:30 + 3h30m left
        Want("3h", "2026-11-05T09:00:00Z"),
        D + "09:30:00Z",
    ),
    # -- pauses (owner from creation: response stopped at 09:00 with 0 used) -----------------
    "one-pause": Case(
        "24x7", "P3",
        [*with_owner(D + "09:00:00Z"), (D + "10:00:00Z", OWNER, "pend", "waiting for the user"),
         (D + "13:00:00Z", OWNER, "resume", "resumed after 3h pending")],
        D + "15:00:00Z",
        ANSWERED,
        Want("3h", "2026-11-05T12:00:00Z"),  # 1h + 2h; due 09:00 + 72h + 3h paused
        D + "09:00:00Z",
    ),
    "two-pauses": Case(
        "24x7", "P3",
        [*with_owner(D + "09:00:00Z"), (D + "10:00:00Z", OWNER, "pend", "user"), (D + "11:00:00Z", OWNER, "resume", ""),
         (D + "12:00:00Z", OWNER, "pend", "supplier"), (D + "14:00:00Z", OWNER, "resume", "")],
        D + "16:00:00Z",
        ANSWERED,
        Want("4h", "2026-11-05T12:00:00Z"),  # 1h + 1h + 2h; due 09:00 + 72h + (1h + 2h) paused
        D + "09:00:00Z",
    ),
    "pending-at-now": Case(
        "24x7", "P3", [*with_owner(D + "09:00:00Z"), (D + "10:00:00Z", OWNER, "pend", "waiting for the user")],
        D + "12:00:00Z",
        ANSWERED,
        Want("1h", "2026-11-05T11:00:00Z", paused=True),  # as if it resumed at 12:00: + 71h left
        D + "09:00:00Z",
    ),
    "resolved-while-pending": Case(
        "24x7", "P3",
        [*with_owner(D + "09:00:00Z"), (D + "10:00:00Z", OWNER, "pend", "waiting for the user"),
         (D + "12:00:00Z", OWNER, "resolve", "fix: it came back by itself")],
        "2026-11-03T09:00:00Z",
        ANSWERED,
        Want("1h", "2026-11-05T11:00:00Z", stopped=D + "12:00:00Z"),  # 09->10 only; 12:00 + 71h left
        D + "09:00:00Z",
    ),
    # -- reopen: the time spent resolved does not count -------------------------------------
    "reopened": Case(
        "24x7", "P3",
        [*with_owner(D + "09:00:00Z"), (D + "11:00:00Z", OWNER, "resolve", "fix: reset"),
         ("2026-11-03T11:00:00Z", OWNER, "reopen", "it dropped again")],
        "2026-11-03T12:00:00Z",
        ANSWERED,
        Want("3h", "2026-11-06T09:00:00Z"),  # 2h + 1h; due 09:00 + 72h + 24h resolved
        D + "09:00:00Z",
    ),
    "reopened-and-resolved-again": Case(
        "24x7", "P3",
        [*with_owner(D + "09:00:00Z"), (D + "11:00:00Z", OWNER, "resolve", "fix: reset"),
         ("2026-11-03T11:00:00Z", OWNER, "reopen", "it dropped again"),
         ("2026-11-03T13:00:00Z", OWNER, "resolve", "fix: new router")],
        "2026-11-04T09:00:00Z",
        ANSWERED,
        Want("4h", "2026-11-06T09:00:00Z", stopped="2026-11-03T13:00:00Z"),  # 2h + 2h; 11-03 13:00 + 68h
        D + "09:00:00Z",
    ),
    # -- priority change: the same timeline against P3 and P1 targets ---------------------------
    "same-timeline-as-P3": Case(
        "24x7", "P3",
        [*by_reporter(D + "09:00:00Z"), (D + "09:05:00Z", AGENT, "call", "on it"),
         (D + "09:30:00Z", AGENT, "pend", "user"), (D + "10:30:00Z", AGENT, "resume", "")],
        D + "11:00:00Z",
        Want("5m", D + "13:00:00Z", stopped=D + "09:05:00Z"),  # 09:05 + 3h55m
        Want("1h", "2026-11-05T10:00:00Z"),  # 30m + 30m; 09:00 + 72h + 1h paused
        D + "09:05:00Z",
    ),
    "same-timeline-as-P1": Case(
        "24x7", "P1",
        [*by_reporter(D + "09:00:00Z"), (D + "09:05:00Z", AGENT, "call", "on it"),
         (D + "09:30:00Z", AGENT, "pend", "user"), (D + "10:30:00Z", AGENT, "resume", "")],
        D + "11:00:00Z",
        Want("5m", D + "09:15:00Z", stopped=D + "09:05:00Z"),  # created + 15m
        Want("1h", D + "14:00:00Z"),  # created + 4h + 1h paused
        D + "09:05:00Z",
    ),
    "same-timeline-as-P1-later-breached": Case(
        "24x7", "P1",
        [*by_reporter(D + "09:00:00Z"), (D + "09:05:00Z", AGENT, "call", "on it"),
         (D + "09:30:00Z", AGENT, "pend", "user"), (D + "10:30:00Z", AGENT, "resume", "")],
        D + "15:00:00Z",
        Want("5m", D + "09:15:00Z", stopped=D + "09:05:00Z"),
        Want("5h", D + "14:00:00Z", breached=True),  # 30m + 4h30m = 5h > 4h; 10:30 + 3h30m left = 14:00
        D + "09:05:00Z",
    ),
    # -- business hours, Europe/Berlin Mon-Fri 08:00-18:00 (November: CET, local = Z + 1h) -----
    "bh-friday-17h-due-monday-11h": Case(
        "berlin", "P3", by_reporter("2026-11-20T16:00:00Z"), "2026-11-23T09:59:00Z",  # Fri 17:00 -> Mon 10:59 local
        Want("3h59m", "2026-11-23T10:00:00Z"),  # Fri 17-18 (1h) + Mon 08:00-10:59; due Mon 11:00 local
        # 3 working days, same clock time: Mon 23, Tue 24, Wed 25 -> Wed 25 Nov 17:00 local
        Want("3h59m", "2026-11-25T16:00:00Z"),
        None,
    ),
    "bh-weekend-in-between": Case(
        "berlin", "P3", by_reporter("2026-11-20T14:00:00Z"), "2026-11-23T07:30:00Z",  # Fri 15:00 -> Mon 08:30
        Want("3h30m", "2026-11-23T08:00:00Z"),  # Fri 3h + Mon 30m (not 65h30m); due Mon 08:00 + 1h local
        # Fri 15:00 + 3 working days (Mon, Tue, Wed) = Wed 25 Nov 15:00 local
        Want("3h30m", "2026-11-25T14:00:00Z"),
        None,
    ),
    "bh-holiday-on-monday": Case(
        "berlin-holiday", "P3", by_reporter("2026-11-20T16:00:00Z"), "2026-11-23T12:00:00Z",  # Mon 23 off
        Want("1h", "2026-11-24T10:00:00Z"),  # Fri 1h, Mon nothing; due Tue 08:00 + 3h = 11:00 local
        # Fri 17:00 + 3 working days, Monday off: Tue 24, Wed 25, Thu 26 -> Thu 26 Nov 17:00 local
        Want("1h", "2026-11-26T16:00:00Z"),
        None,
    ),
    "bh-opened-on-saturday": Case(
        "berlin", "P3", by_reporter("2026-11-21T09:00:00Z"), "2026-11-23T08:00:00Z",  # Sat 10:00 -> Mon 09:00
        Want("1h", "2026-11-23T11:00:00Z"),  # counts from Mon 08:00; due 12:00 local
        # from the first working moment, Mon 08:00, 3 working days: Thu 26 Nov 08:00 local, the
        # same working moment as Wednesday's close, 18:00 local, which is how it is shown
        Want("1h", "2026-11-25T17:00:00Z"),
        None,
    ),
    "bh-split-window": Case(
        "berlin-split", "P3", by_reporter("2026-11-23T09:00:00Z"), "2026-11-23T13:00:00Z",  # Mon 10:00 -> 14:00
        Want("3h", "2026-11-23T14:00:00Z"),  # 10-12 + 13-14 (lunch off); due 13:00 + 2h = 15:00 local
        # Mon 10:00 + 3 working days = Thu 26 Nov 10:00 local, inside the morning window
        Want("3h", "2026-11-26T09:00:00Z"),
        None,
    ),
    "bh-split-window-at-lunch": Case(
        "berlin-split", "P3", by_reporter("2026-11-23T09:00:00Z"), "2026-11-23T11:30:00Z",  # Mon 12:30 local
        Want("2h", "2026-11-23T14:00:00Z"),  # 10-12 only
        Want("2h", "2026-11-26T09:00:00Z"),
        None,
    ),
    "bh-always-on-P1-ignores-hours": Case(
        "berlin-p1-always", "P1", by_reporter("2026-11-20T16:00:00Z"), "2026-11-21T12:00:00Z",  # Fri -> Sat
        Want("20h", "2026-11-20T16:15:00Z", breached=True),  # around the clock: 16:00Z -> 12:00Z next day
        Want("20h", "2026-11-20T20:00:00Z", breached=True),  # 16:00 + 4h
        None,
    ),
    "bh-always-on-P1-only-P3-keeps-hours": Case(
        "berlin-p1-always", "P3", by_reporter("2026-11-20T16:00:00Z"), "2026-11-21T12:00:00Z",
        Want("1h", "2026-11-23T10:00:00Z"),  # Fri 17-18 local; Mon 11:00 local
        Want("1h", "2026-11-25T16:00:00Z"),  # Fri 17:00 + 3 working days: Wed 17:00 local
        None,
    ),
    # -- daylight saving in Europe/Berlin ------------------------------------------------------
    "dst-october-window-in-CEST-is-06-16Z": Case(
        "berlin", "P3", by_reporter("2026-10-23T05:00:00Z"), "2026-10-23T07:00:00Z",  # Fri 07:00 -> 09:00 CEST
        Want("1h", "2026-10-23T10:00:00Z"),  # window opens 08:00 CEST = 06:00Z; due 12:00 CEST
        # from Fri 08:00 CEST (first working moment) + 3 working days: Wed 28 Oct 08:00 CET, shown
        # as the same working moment, Tuesday's close: 27 Oct 18:00 CET = 17:00Z
        Want("1h", "2026-10-27T17:00:00Z"),
        None,
    ),
    "dst-october-window-in-CET-is-07-17Z": Case(
        "berlin", "P3", by_reporter("2026-10-23T15:30:00Z"), "2026-10-26T07:30:00Z",  # Fri 17:30 CEST -> Mon 08:30 CET
        Want("1h", "2026-10-26T10:30:00Z"),  # 30m Fri + 30m Mon (07:00Z-07:30Z); Mon 08:00 + 3h30m CET
        # Fri 17:30 CEST + 3 working days: Wed 28 Oct 17:30 CET = 16:30Z (the clock time, not the offset)
        Want("1h", "2026-10-28T16:30:00Z"),
        None,
    ),
    "dst-march-window-moves-to-06-16Z": Case(
        "berlin", "P3", by_reporter("2026-03-27T16:00:00Z"), "2026-03-30T07:00:00Z",  # Fri 17:00 CET -> Mon 09:00 CEST
        Want("2h", "2026-03-30T09:00:00Z"),  # Fri 1h + Mon 06:00Z-07:00Z; due Mon 11:00 CEST
        # Fri 17:00 CET + 3 working days: Wed 1 Apr 17:00 CEST = 15:00Z
        Want("2h", "2026-04-01T15:00:00Z"),
        None,
    ),
    "dst-24x7-october-counts-real-time": Case(
        "24x7", "P3", by_reporter("2026-10-24T22:00:00Z"), "2026-10-25T23:00:00Z",  # Sun 00:00 CEST -> Mon 00:00 CET
        Want("1d1h", "2026-10-25T02:00:00Z", breached=True),  # 25 real hours
        Want("1d1h", "2026-10-27T22:00:00Z"),  # + 72h
        None,
    ),
    # -- a target in days is working days (issue 9): the desk manager's `3d` --------------------
    "working-days-monday-0900-due-thursday-0900": Case(
        # The case: a P3 recorded Monday 2026-11-02 09:00 Berlin. 72 working hours
        # made it Wednesday 11 November 12:00; three working days are Thursday 09:00.
        "berlin", "P3", by_reporter("2026-11-02T08:00:00Z"), "2026-11-02T10:00:00Z",
        Want("2h", "2026-11-02T12:00:00Z"),  # 09:00 -> 11:00 local; due 13:00 local (4h)
        Want("2h", "2026-11-05T08:00:00Z"),  # Thu 5 Nov 09:00 local
        None,
    ),
    "working-days-across-christmas": Case(
        # The case: recorded Tuesday 22 December 09:00; 24-26 December are holidays and
        # 26-27 a weekend: Wed 23 (1), Mon 28 (2), Tue 29 (3). 72 working hours: 4 January.
        "berlin-christmas", "P3", by_reporter("2026-12-22T08:00:00Z"), "2026-12-22T09:00:00Z",
        Want("1h", "2026-12-22T12:00:00Z"),
        Want("1h", "2026-12-29T08:00:00Z"),  # Tue 29 Dec 09:00 local
        None,
    ),
    "working-days-land-at-the-end-of-a-shorter-day": Case(
        # Tue 17:30 + 3 working days is Fri 17:30, after Friday's window closes at 17:00: the
        # deadline stays on the third working day, at its close.
        "berlin-short-friday", "P3", by_reporter("2026-11-03T16:30:00Z"), "2026-11-03T17:00:00Z",
        Want("30m", "2026-11-04T10:30:00Z"),  # Tue 17:30-18:00 local; Wed 08:00 + 3h30m = 11:30 local
        Want("30m", "2026-11-06T16:00:00Z"),  # Fri 6 Nov 17:00 local
        None,
    ),
    "working-days-a-pause-adds-the-working-time-it-took": Case(
        # Mon 09:00 local, pending Mon 10:00 -> Tue 10:00 local: 8h + 2h = 10 working hours
        # paused. Thu 09:00 + 10 working hours = Thu 18:00 (9h) + 1h = Fri 09:00 local.
        "berlin", "P3",
        [*with_owner("2026-11-02T08:00:00Z"), ("2026-11-02T09:00:00Z", OWNER, "pend", "waiting for the user"),
         ("2026-11-03T09:00:00Z", OWNER, "resume", "user is back")],
        "2026-11-03T10:00:00Z",
        Want("0", "2026-11-02T12:00:00Z", stopped="2026-11-02T08:00:00Z"),
        Want("2h", "2026-11-06T08:00:00Z"),  # 1h Mon + 1h Tue (10:00-11:00 local); Fri 09:00 local
        "2026-11-02T08:00:00Z",
    ),
    "working-days-p1-always-on-stays-24h": Case(
        # P1 counts around the clock (always_on): its targets are hours anyway; a P3 in days
        # on the same desk is working days (bh-always-on-P1-only-P3-keeps-hours).
        "berlin-p1-always", "P1", by_reporter("2026-11-06T16:00:00Z"), "2026-11-06T17:00:00Z",
        Want("1h", "2026-11-06T16:15:00Z", breached=True),
        Want("1h", "2026-11-06T20:00:00Z"),
        None,
    ),
    "dst-all-day-windows-october-day-has-25h": Case(
        "berlin-all-week", "P3", by_reporter("2026-10-24T22:00:00Z"), "2026-10-25T23:00:00Z",
        Want("1d1h", "2026-10-25T02:00:00Z", breached=True),  # Sunday 25 Oct 00:00-24:00 local is 25h long
        # 3 working days from Sun 00:00 CEST: Wed 28 Oct 00:00 CET = 27 Oct 23:00Z (73 real hours)
        Want("1d1h", "2026-10-27T23:00:00Z"),
        None,
    ),
    "dst-all-day-windows-march-day-has-23h": Case(
        "berlin-all-week", "P3", by_reporter("2026-03-28T23:00:00Z"), "2026-03-29T22:00:00Z",  # Sun 29 Mar, 23h
        Want("23h", "2026-03-29T03:00:00Z", breached=True),
        # 3 working days from Sun 00:00 CET: Wed 1 Apr 00:00 CEST = 31 Mar 22:00Z (71 real hours)
        Want("23h", "2026-03-31T22:00:00Z"),
        None,
    ),
}


def as_tuple(clock: Clock | None) -> tuple[timedelta, datetime, datetime | None, bool, bool]:
    assert clock is not None
    return clock.used, clock.due, clock.stopped, clock.paused, clock.breached


def want_tuple(want: Want) -> tuple[timedelta, datetime, datetime | None, bool, bool]:
    return span(want.used), at(want.due), at(want.stopped) if want.stopped else None, want.paused, want.breached


@pytest.mark.parametrize("name", list(CASES))
def test_clocks(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    config = load_config(tmp_path, CONFIGS[case.config])
    ticket = make_ticket(case.priority, case.steps)
    state = sla.clocks(ticket, config, at(case.now))
    assert as_tuple(state.response) == want_tuple(case.response)
    assert as_tuple(state.resolution) == want_tuple(case.resolution)
    assert state.response is not None and state.resolution is not None
    assert state.response.due.tzinfo is not None and state.response.due.utcoffset() == timedelta(0)


@pytest.mark.parametrize("name", list(CASES))
def test_with_deadlines(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    config = load_config(tmp_path, CONFIGS[case.config])
    ticket = sla.with_deadlines(make_ticket(case.priority, case.steps), config, at(case.now))
    assert (ticket.responded, ticket.due_response, ticket.due_resolution) == (
        case.responded, case.response.due, case.resolution.due,
    )


def test_unknown_priority_has_no_clocks(tmp_path: Path) -> None:
    config = load_config(tmp_path, "")
    ticket = make_ticket("P9", by_reporter(D + "09:00:00Z"))
    assert sla.clocks(ticket, config, at(D + "10:00:00Z")) == sla.Clocks(None, None)
    done = sla.with_deadlines(ticket, config, at(D + "10:00:00Z"))
    assert (done.responded, done.due_response, done.due_resolution) == (None, None, None)


# -- a calendar without any working time ------------------------------------------------------


def test_no_working_time_at_all_is_a_config_fault_and_never_hangs(tmp_path: Path) -> None:
    """Every day empty: itsm.yaml is reported (so commands refuse with exit 2), and the
    calendar itself still gives up with a ValueError instead of looping for ever."""
    empty = "business_hours:\n  timezone: Europe/Berlin\n  days:\n" + "".join(
        f"    {d}: []\n" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    )
    (tmp_path / "itsm.yaml").write_text(empty, encoding="utf-8")
    config = config_mod.load(tmp_path)
    assert [str(f) for f in config.findings] == ["itsm.yaml:3: business_hours.days: no working time in the whole week"]
    ticket = make_ticket("P3", by_reporter(D + "09:00:00Z"))
    started = time.monotonic()
    with pytest.raises(ValueError, match="no working time within three years"):
        sla.with_deadlines(ticket, config, at(D + "10:00:00Z"))
    assert time.monotonic() - started < 5
    hours = config.business_hours
    assert hours is not None
    assert BusinessCalendar(hours).measure(at(D + "09:00:00Z"), at("2026-12-02T09:00:00Z")) == timedelta(0)


# -- BusinessCalendar edges ------------------------------------------------------------------------


def test_overlapping_windows_count_once_or_are_refused(tmp_path: Path) -> None:
    """'08:00-12:00' and '10:00-14:00' cover 08:00-14:00: six working hours, not eight."""
    (tmp_path / "itsm.yaml").write_text(
        "business_hours:\n  timezone: Europe/Berlin\n  days:\n    mon: ['08:00-12:00', '10:00-14:00']\n",
        encoding="utf-8",
    )
    config = config_mod.load(tmp_path)
    if config.findings:
        return  # refusing the overlap is as good as counting it once
    assert config.business_hours is not None
    calendar = BusinessCalendar(config.business_hours)
    monday = (at("2026-11-23T00:00:00Z"), at("2026-11-24T00:00:00Z"))
    assert calendar.measure(*monday) == span("6h")  # 07:00Z-13:00Z
    assert calendar.add(monday[0], span("6h")) == at("2026-11-23T13:00:00Z")


def test_adding_nothing_outside_hours_lands_on_the_next_working_instant(tmp_path: Path) -> None:
    """Pinned behaviour: add(Saturday, 0) is Monday 08:00 local, not Saturday itself.
    (sla never adds zero: a clock that reached its target takes `due` from the run.)"""
    config = load_config(tmp_path, CONFIGS["berlin"])
    assert config.business_hours is not None
    calendar = BusinessCalendar(config.business_hours)
    assert calendar.add(at("2026-11-21T09:00:00Z"), timedelta(0)) == at("2026-11-23T07:00:00Z")
    assert calendar.add(at("2026-11-23T09:00:00Z"), timedelta(0)) == at("2026-11-23T09:00:00Z")
    # Exactly the rest of a window ends at the window's end, not at the next window's start.
    assert calendar.add(at("2026-11-20T16:00:00Z"), span("1h")) == at("2026-11-20T17:00:00Z")


# -- properties -------------------------------------------------------------------------------------

BASE = at("2026-11-02T09:00:00Z")
KINDS = ("note", "assign", "pend", "resume", "resolve", "reopen", "close")
ACTORS = (REPORTER, AGENT, OWNER)
_LOADED: dict[str, Config] = {}


def cached_config(name: str, tmp_path_factory: pytest.TempPathFactory) -> Config:
    if name not in _LOADED:
        _LOADED[name] = load_config(tmp_path_factory.mktemp(name), CONFIGS[name])
    return _LOADED[name]


def stamp(moment: datetime) -> str:
    return timeutil.format(moment)


steps_strategy = st.lists(
    st.tuples(st.integers(0, 3 * 24 * 60), st.sampled_from(ACTORS), st.sampled_from(KINDS), st.booleans()),
    max_size=12,
)


@settings(max_examples=100, deadline=None)
@given(steps=steps_strategy, priority=st.sampled_from(("P1", "P2", "P3", "P4", "P5")),
       now_after=st.integers(0, 20 * 24 * 60))
def test_24x7_used_never_exceeds_elapsed_time(
    steps: list[tuple[int, str, str, bool]], priority: str, now_after: int, tmp_path_factory: pytest.TempPathFactory,
) -> None:
    config = cached_config("24x7", tmp_path_factory)
    moment = BASE
    timeline: list[Step] = by_reporter(stamp(BASE))
    for gap, actor, kind, gives_owner in steps:
        moment += timedelta(minutes=gap)
        text = GAVE_OWNER if kind == "assign" and gives_owner else "group service-desk -> network (level 2)"
        timeline.append((stamp(moment), actor, kind, text))
    now = BASE + timedelta(minutes=now_after)
    state = sla.clocks(make_ticket(priority, timeline), config, now)
    for clock in (state.response, state.resolution):
        assert clock is not None
        assert timedelta(0) <= clock.used <= max(now - BASE, timedelta(0))


@settings(max_examples=100, deadline=None)
@given(
    config_name=st.sampled_from(("24x7", "berlin", "berlin-split")),
    priority=st.sampled_from(("P1", "P2", "P3", "P4", "P5")),
    owner_at_creation=st.booleans(),
    notes=st.lists(st.integers(0, 10 * 24 * 60), max_size=4),
    pend_at=st.integers(0, 10 * 24 * 60),
    pause=st.integers(1, 5 * 24 * 60),
    now_after=st.integers(0, 15 * 24 * 60),
)
def test_adding_a_pause_never_brings_a_deadline_forward(
    config_name: str, priority: str, owner_at_creation: bool, notes: list[int], pend_at: int, pause: int,
    now_after: int, tmp_path_factory: pytest.TempPathFactory,
) -> None:
    config = cached_config(config_name, tmp_path_factory)
    start = with_owner(stamp(BASE)) if owner_at_creation else by_reporter(stamp(BASE))
    # The reporter's own notes: they never stop the response clock, so only the pause differs.
    base = [(BASE + timedelta(minutes=m), REPORTER, "note", "any news?") for m in notes]
    pair = [(BASE + timedelta(minutes=pend_at), REPORTER, "pend", "waiting"),
            (BASE + timedelta(minutes=pend_at + pause), REPORTER, "resume", "")]
    now = BASE + timedelta(minutes=now_after)

    def build(extra: list[tuple[datetime, str, str, str]]) -> Ticket:
        later = sorted(base + extra, key=lambda e: e[0])  # stable: notes before the pair at a tie
        return make_ticket(priority, start + [(stamp(when), who, kind, text) for when, who, kind, text in later])

    without, with_pause = sla.clocks(build([]), config, now), sla.clocks(build(pair), config, now)
    for before, after in ((without.response, with_pause.response), (without.resolution, with_pause.resolution)):
        assert before is not None and after is not None
        assert after.due >= before.due
        assert after.used <= before.used


def moments() -> st.SearchStrategy[datetime]:
    # Through 2026, both DST changes included; whole seconds, as the desk stores them.
    return st.integers(0, 365 * 24 * 3600).map(lambda s: at("2026-01-01T00:00:00Z") + timedelta(seconds=s))


@settings(max_examples=100, deadline=None)
@given(points=st.lists(moments(), min_size=3, max_size=3),
       config_name=st.sampled_from(("berlin", "berlin-holiday", "berlin-split", "berlin-all-week")))
def test_business_calendar_add_and_measure_agree(
    points: list[datetime], config_name: str, tmp_path_factory: pytest.TempPathFactory,
) -> None:
    hours = cached_config(config_name, tmp_path_factory).business_hours
    assert hours is not None
    calendar = BusinessCalendar(hours)
    a, b, c = sorted(points)
    assert calendar.measure(a, b) + calendar.measure(b, c) == calendar.measure(a, c)
    worked = calendar.measure(a, b)
    assert timedelta(0) <= worked <= b - a
    if worked > timedelta(0):  # add(a, 0) is the next working instant: see the pinned test above
        landed = calendar.add(a, worked)
        assert a < landed <= b
        assert calendar.measure(a, landed) == worked


@settings(max_examples=150, deadline=None)
@given(start=moments(), days=st.integers(1, 15),
       config_name=st.sampled_from(("berlin", "berlin-holiday", "berlin-christmas", "berlin-split",
                                    "berlin-short-friday", "berlin-all-week")))
def test_working_days_are_whole_working_days(
    start: datetime, days: int, config_name: str, tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """N working days from a working moment: one more day is always later in working time, and
    never more than a whole day's windows later; on a desk whose every working day is alike
    (Mon-Fri 08:00-18:00, holidays or not), N days are exactly N x 10 working hours."""
    hours = cached_config(config_name, tmp_path_factory).business_hours
    assert hours is not None
    calendar = BusinessCalendar(hours)
    begin = calendar.add(start, timedelta(0))
    due = calendar.add_working_days(begin, days)
    following = calendar.add_working_days(begin, days + 1)
    worked, step = calendar.measure(begin, due), calendar.measure(due, following)
    assert due > begin and worked > timedelta(0)
    assert timedelta(0) < step <= timedelta(hours=25)  # a day's windows, 25h on an October all-day Sunday
    assert calendar.add(begin, worked) <= due  # the deadline is that working moment (or a close equal to it)
    if config_name in ("berlin", "berlin-holiday", "berlin-christmas"):
        assert worked == timedelta(hours=10 * days)
