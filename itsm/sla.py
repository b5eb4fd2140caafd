"""SLA clocks, computed from a ticket's timeline — never from hand-edited fields.

Two clocks run from the moment a ticket is recorded: *response* until the first action by
someone other than the reporter, and *resolution* until it is resolved. Both pause while the
ticket is pending (waiting on the user or a supplier); the resolution clock also stands
still between a resolve and a reopen. With business hours configured, only working time
counts (weekly windows in the desk's time zone, holidays off), and a target in days is that
many working days; priorities listed in `always_on` count around the clock. Targets follow
the ticket's current priority, so a priority change moves the deadlines.

A service request differs (itsm/requests.py, called from the lines marked `[requests]`): its
resolution target is its needed-by date or its category's request target, and neither clock
runs while it waits for approval.

Pure: the caller passes `now`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from itsm import requests, timeutil
from itsm.config import BusinessHours, Config, SlaTarget
from itsm.model import Ticket

ZERO = timedelta(0)
# How `itsm assign` and `itsm escalate` word a new owner: "owner (none) -> Carla Diaz"
# (maybe after a group part); "-> (none)" is an owner taken away.
_GAVE_OWNER = re.compile(r"(?:^|; )owner .*? -> (?!\(none\))")
_MAX_DAYS = 3 * 366  # a calendar with no working time would otherwise never reach a target

Interval = tuple[datetime, datetime]


class Calendar:
    """Counts working time. The plain calendar counts every second."""

    def measure(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, ZERO)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return start + duration

    def target(self, start: datetime, duration: timedelta, days: int | None) -> timedelta:
        """A target as working time for a clock that starts at `start`. Around the clock a
        day is 24 hours."""
        return duration


class BusinessCalendar(Calendar):
    """Working time: weekly windows in a time zone, minus holidays (DST-correct)."""

    def __init__(self, hours: BusinessHours) -> None:
        self.hours = hours
        self.zone = ZoneInfo(hours.timezone)

    def _windows(self, day: date) -> Iterator[Interval]:
        if day in self.hours.holidays:
            return
        for start_min, end_min in self.hours.days.get(day.weekday(), ()):
            yield self._instant(day, start_min), self._instant(day, end_min)

    def _instant(self, day: date, minutes: int) -> datetime:
        if minutes >= 24 * 60:
            day, minutes = day + timedelta(days=1), minutes - 24 * 60
        local = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=self.zone)
        return local.astimezone(UTC)

    def _days_from(self, moment: datetime) -> Iterator[date]:
        day = moment.astimezone(self.zone).date() - timedelta(days=1)
        for _ in range(_MAX_DAYS):
            yield day
            day += timedelta(days=1)

    def measure(self, start: datetime, end: datetime) -> timedelta:
        total = ZERO
        if end <= start:
            return total
        last_day = end.astimezone(self.zone).date() + timedelta(days=1)
        for day in self._days_from(start):
            if day > last_day:
                break
            for window_start, window_end in self._windows(day):
                overlap = min(end, window_end) - max(start, window_start)
                if overlap > ZERO:
                    total += overlap
        return total

    def add(self, start: datetime, duration: timedelta) -> datetime:
        remaining = duration
        for day in self._days_from(start):
            for window_start, window_end in self._windows(day):
                begin = max(start, window_start)
                if begin >= window_end:
                    continue
                if remaining <= window_end - begin:
                    return begin + remaining
                remaining -= window_end - begin
        raise ValueError("business_hours leave no working time within three years")

    def target(self, start: datetime, duration: timedelta, days: int | None) -> timedelta:
        """A target as working time for a clock that starts at `start`. A target in days is
        that many working days — what a desk manager means by `3d`, as Zendesk and Freshdesk
        count business days — not 72 working hours (ServiceNow's 24-hour schedule day)."""
        if days is None:
            return duration
        begin = self.add(start, ZERO)  # the first working moment: a Saturday ticket starts Monday
        return self.measure(begin, self.add_working_days(begin, days))

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The same clock time `days` working days after `start` (a working moment), skipping
        days without working time; where that time is outside the day's windows, the nearest
        working moment of that day: its first window's start when earlier, the last one's end
        when later, the next window's start when between two."""
        local = start.astimezone(self.zone)
        day = local.date()
        minutes = local.hour * 60 + local.minute
        for _ in range(_MAX_DAYS):
            if days == 0:
                break
            day += timedelta(days=1)
            if any(True for _ in self._windows(day)):
                days -= 1
        else:
            raise ValueError("business_hours leave no working time within three years")
        moment = self._instant(day, minutes) + timedelta(seconds=local.second, microseconds=local.microsecond)
        windows = list(self._windows(day))
        for window_start, window_end in windows:
            if moment < window_start:
                return window_start
            if moment <= window_end:
                return moment
        return windows[-1][1]


def calendar_for(config: Config, priority: str | None) -> Calendar:
    hours = config.business_hours
    if hours is None or not hours.days or priority in hours.always_on:
        return Calendar()
    return BusinessCalendar(hours)


@dataclass(frozen=True)
class Clock:
    """One SLA clock as it stands at `now`."""

    target: timedelta
    used: timedelta  # working time counted so far
    due: datetime  # when `used` reaches `target` (if paused: as if it restarted now)
    stopped: datetime | None  # when it stopped: response given, or ticket resolved
    paused: bool

    @property
    def running(self) -> bool:
        return self.stopped is None and not self.paused

    @property
    def breached(self) -> bool:
        return self.used > self.target

    @property
    def fraction(self) -> float:
        return self.used / self.target if self.target else 1.0

    @property
    def remaining(self) -> timedelta:
        return self.target - self.used


@dataclass(frozen=True)
class Clocks:
    response: Clock | None
    resolution: Clock | None


def first_response(ticket: Ticket) -> datetime | None:
    """When the ticket first got an owner, or someone other than its reporter acted on it."""
    for entry in ticket.timeline[1:]:
        gave_owner = entry.kind in ("assign", "escalate") and _GAVE_OWNER.search(entry.text) is not None
        # Resolving is a response too, even when reporters resolve their own ticket.
        if gave_owner or entry.kind == "resolve" or entry.actor != ticket.reporter:
            return timeutil.parse(entry.time)
    return None


def _runs(ticket: Ticket, stop_kinds: tuple[str, ...], restart_kinds: tuple[str, ...],
          pause_kinds: tuple[str, ...], resume_kinds: tuple[str, ...],
          until: datetime) -> tuple[list[Interval], datetime | None, bool]:
    """The intervals a clock ran, up to `until`; when it stopped; whether it is paused."""
    runs: list[Interval] = []
    started: datetime | None = timeutil.parse(ticket.created)
    stopped: datetime | None = None
    paused = False
    for entry in ticket.timeline:
        moment = timeutil.parse(entry.time)
        if moment > until:
            break
        if entry.kind in stop_kinds and stopped is None:
            if started is not None:
                runs.append((started, moment))
            started, stopped, paused = None, moment, False
        elif entry.kind in restart_kinds and stopped is not None:
            started, stopped, paused = moment, None, False
        elif entry.kind in pause_kinds and stopped is None and not paused:
            if started is not None:
                runs.append((started, moment))
            started, paused = None, True
        elif entry.kind in resume_kinds and paused and stopped is None:
            started, paused = moment, False
    if started is not None and stopped is None and until >= started:
        # Kept even when empty: a clock resumed this very moment runs on from now.
        runs.append((started, until))
    return runs, stopped, paused


def _clock(target: timedelta, runs: list[Interval], stopped: datetime | None, paused: bool,
           calendar: Calendar, now: datetime) -> Clock:
    used = ZERO
    due: datetime | None = None
    for start, end in runs:
        span = calendar.measure(start, end)
        if due is None and used + span >= target:
            due = calendar.add(start, target - used)
        used += span
    if due is None:
        # Not reached yet: from where the clock stands (or would restart), the rest.
        resume_at = stopped if stopped is not None else (runs[-1][1] if runs and not paused else now)
        due = calendar.add(resume_at, target - used)
    return Clock(target=target, used=used, due=due, stopped=stopped, paused=paused)


def clocks(ticket: Ticket, config: Config, now: datetime, share: float = 1.0) -> Clocks:
    """Both clocks of a ticket at `now`, from its timeline and its current priority.

    With `share` < 1 the targets are that share of the real ones, so `due` tells when the
    clock crossed (or will cross) e.g. 75 % of its target: the moment a ticket is at risk.
    """
    target = config.sla.get(ticket.priority or "")
    if target is None or not timeutil.is_timestamp(ticket.created):
        return Clocks(None, None)
    calendar = calendar_for(config, ticket.priority)
    created = requests.clock_start(ticket, now)  # [requests] counted from approval, if it waited for one
    resolution_target = calendar.target(created, target.resolution, target.resolution_days)  # [requests] split out
    request_due = requests.resolution_due(ticket, config, calendar, created)  # [requests]
    if request_due is not None:  # [requests] needed-by date, or the category's request target
        resolution_target = calendar.measure(created, request_due)  # [requests]
    target = SlaTarget(calendar.target(created, target.response, target.response_days) * share,
                       resolution_target * share)  # [requests]
    waits = requests.approval_waits(ticket, now)  # [requests] no clock runs while awaiting approval
    stop_kinds = ("resolve", "close", *requests.STOP_KINDS)  # [requests] a rejection ends a request
    responded = first_response(ticket)
    # The response clock stops at the first response (a synthetic stop at that instant).
    runs, stopped, paused = _runs(ticket, stop_kinds, (), ("pend",), ("resume",),
                                  min(now, responded) if responded else now)
    runs = requests.outside(runs, waits)  # [requests]
    paused = paused or (stopped is None and requests.awaiting_approval(ticket))  # [requests]
    if responded is not None and responded <= now:
        stopped = stopped or responded
        paused = False
    response = _clock(target.response, runs, stopped, paused, calendar, now)
    runs, stopped, paused = _runs(ticket, stop_kinds, ("reopen",), ("pend",), ("resume",), now)
    runs = requests.outside(runs, waits)  # [requests]
    paused = paused or (stopped is None and requests.awaiting_approval(ticket))  # [requests]
    resolution = _clock(target.resolution, runs, stopped, paused, calendar, now)
    return Clocks(response, resolution)


def with_deadlines(ticket: Ticket, config: Config, now: datetime) -> Ticket:
    """The ticket with `responded`, `due_response` and `due_resolution` derived afresh."""
    state = clocks(ticket, config, now)
    responded = first_response(ticket)
    return dataclasses.replace(
        ticket,
        responded=timeutil.format(responded) if responded else None,
        due_response=timeutil.format(state.response.due) if state.response else None,
        due_resolution=timeutil.format(state.resolution.due) if state.resolution else None,
    )


@dataclass(frozen=True)
class Standing:
    """Where one SLA clock stands, for a person: met, missed, due, breached or paused."""

    clock: str  # "response" or "resolution"
    state: str  # met | missed | due | breached | paused
    due: datetime
    left: timedelta  # working time still left (negative once breached)
    since: datetime | None  # when it stopped (met, missed)

    def words(self, now: datetime) -> str:
        if self.state in ("met", "missed"):
            return f"{self.clock} {self.state}"
        if self.state == "breached":
            return f"{self.clock} breached {timeutil.span(now - self.due)} ago (due {timeutil.format(self.due)})"
        if self.state == "paused":
            return f"{self.clock} paused, {timeutil.span(self.left)} left"
        return f"{self.clock} due in {timeutil.span(self.left)} ({timeutil.format(self.due)})"

    def short(self, now: datetime) -> str:
        """For a table column: what matters about this clock, in a few characters."""
        if self.state == "breached":
            return f"BREACHED {timeutil.span(now - self.due)}"
        if self.state == "due":
            return f"{timeutil.span(self.left)} left"
        return self.state

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "due": timeutil.format(self.due),
                "left_minutes": int(self.left.total_seconds() // 60),
                "stopped": timeutil.format(self.since) if self.since else None}


def standing(ticket: Ticket, config: Config, now: datetime) -> list[Standing]:
    """The ticket's SLA clocks as they stand at `now`: response, then resolution."""
    state = clocks(ticket, config, now)
    result = []
    for name, clock in (("response", state.response), ("resolution", state.resolution)):
        if clock is None:
            continue
        if clock.stopped is not None:
            word = "missed" if clock.breached else "met"
        elif clock.breached:
            word = "breached"
        else:
            word = "paused" if clock.paused else "due"
        result.append(Standing(name, word, clock.due, clock.remaining, clock.stopped))
    return result


def pressing(standings: list[Standing]) -> Standing | None:
    """The clock a person should look at first: a running or breached response clock, else
    the resolution clock."""
    response = next((s for s in standings if s.clock == "response"), None)
    if response is not None and response.state in ("due", "breached", "paused"):
        return response
    return next((s for s in standings if s.clock == "resolution"), response)
