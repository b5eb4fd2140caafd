"""SLA clocks, computed from a ticket's timeline — never from hand-edited fields.

Two clocks run from the moment a ticket is recorded: *response* until the user first hears
from the desk (a person takes ownership, or the desk contacts the user), and *resolution*
until it is resolved. Both pause while the ticket is pending on a wait the desk lists in
`sla.pause_on` (by default: the user); the resolution clock also stands still between a
resolve and a reopen. With business hours configured, only working time counts (weekly
windows in the desk's time zone, holidays off), and a target in days is that many working
days; priorities listed in `always_on` count around the clock. When the priority changes,
the new targets count from the change (or from creation, `sla.on_priority_change`), and a
target already missed stays missed: a breach is a fact (docs/lifecycle.md, "SLA clocks").

A service request differs (itsm/domain/service_requests.py, called from the lines marked `[requests]`): its
resolution target is its needed-by date or its category's request target, and neither clock
runs while it waits for approval.

Pure: the caller passes `now`.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from itsm.config.settings import Config
from itsm.core import timeutil
from itsm.core.model import Entry, Ticket
from itsm.domain import service_requests
from itsm.domain.interactions import direction
from itsm.domain.working_time import ZERO, Calendar, Interval, calendar_for

# How `itsm assign` and `itsm escalate` word a new owner: "owner (none) -> Carla Diaz"
# (maybe after a group part); "-> (none)" is an owner taken away.
_GAVE_OWNER = re.compile(r"(?:^|; )owner .*? -> (?!\(none\))")


@dataclass(frozen=True)
class Breach:
    """A target missed while an earlier priority was in force: a fact, kept whatever the
    priority became later (ServiceNow keeps a breached SLA record and attaches a new one)."""

    priority: str
    due: datetime  # when that target was passed

    def to_json(self) -> dict[str, Any]:
        return {"priority": self.priority, "due": timeutil.format(self.due)}


@dataclass(frozen=True)
class Clock:
    """One SLA clock as it stands at `now`: the target of the priority in force, counted
    from when it came into force (or from creation, by `sla.on_priority_change`)."""

    target: timedelta
    used: timedelta  # working time counted so far against this target
    due: datetime  # when `used` reaches `target` (if paused: as if it restarted now)
    stopped: datetime | None  # when it stopped: response given, or ticket resolved
    paused: bool
    earlier: tuple[Breach, ...] = ()  # targets of earlier priorities that were missed

    @property
    def running(self) -> bool:
        return self.stopped is None and not self.paused

    @property
    def breached(self) -> bool:
        """The target in force is passed."""
        return self.used > self.target

    @property
    def ever_breached(self) -> bool:
        """Any target this clock had was passed: the fact reports count."""
        return self.breached or bool(self.earlier)

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


def _gives_owner(entry: Entry) -> bool:
    if entry.kind == "created":
        return False
    for key, value in entry.changes:
        if key == "owner":
            return bool(value)
    return entry.kind in ("assign", "escalate") and _GAVE_OWNER.search(entry.text) is not None


def first_response(ticket: Ticket, config: Config) -> datetime | None:
    """When the user first heard from the desk: a person took ownership, or the desk
    contacted the user (`sla.response_stops_on`). Routing to a group, internal notes,
    categorising, hierarchical escalation and links are work, not a response (Zendesk counts
    public agent replies; ServiceNow's response SLA stops on assignment to a person).
    Resolving is a response too: the service is back."""
    stops = config.sla_rules.response_stops_on
    for entry in ticket.timeline[1:]:
        if entry.kind == "resolve":
            return timeutil.parse(entry.time)
        if "owner" in stops and _gives_owner(entry):
            return timeutil.parse(entry.time)
        if "contact" in stops and direction(entry, ticket) == "out":
            return timeutil.parse(entry.time)
    return None


def waiting_on(entry: Entry) -> str:
    """What a `pend` entry waited on; an entry from before `pend --on` waited on the user."""
    for key, value in entry.changes:
        if key == "waiting_on" and isinstance(value, str):
            return value
    return "user"


def priorities(ticket: Ticket) -> list[tuple[datetime, str | None]]:
    """The priorities the ticket had, each with when it came into force, from the timeline's
    set lines. A record without them (written by hand or an older tool) had its current
    priority all along."""
    created = timeutil.parse(ticket.created)
    first = ticket.timeline[0] if ticket.timeline else None
    if first is None or first.kind != "created" or not first.changes:
        return [(created, ticket.priority)]
    history: list[tuple[datetime, str | None]] = [(created, dict(first.changes).get("priority", ticket.priority))]
    for entry in ticket.timeline[1:]:
        for key, value in entry.changes:
            if key == "priority" and value != history[-1][1]:
                moment = max(timeutil.parse(entry.time), history[-1][0])  # a timeline out of order
                if moment == history[-1][0]:
                    history[-1] = (moment, value)
                else:
                    history.append((moment, value))
    return history


# A rejected request stops its clocks as a resolve does: the rejection is how it ends.
_STOPS = ("resolve", "close", *service_requests.STOP_KINDS)


def _runs(ticket: Ticket, config: Config, restarts: bool, until: datetime,
          ) -> tuple[list[Interval], datetime | None, bool]:
    """The intervals a clock ran, up to `until`; when it stopped; whether it is paused.

    It stops at a resolve (or close) and, if `restarts`, runs again at a reopen; it pauses
    at a `pend` on a wait the desk's `sla.pause_on` lists, until the `resume`."""
    pause_on = config.sla_rules.pause_on
    runs: list[Interval] = []
    started: datetime | None = timeutil.parse(ticket.created)
    stopped: datetime | None = None
    paused = False
    for entry in ticket.timeline:
        moment = timeutil.parse(entry.time)
        if moment > until:
            break
        if entry.kind in _STOPS and stopped is None:
            if started is not None:
                runs.append((started, moment))
            started, stopped, paused = None, moment, False
        elif entry.kind == "reopen" and restarts and stopped is not None:
            started, stopped, paused = moment, None, False
        elif entry.kind == "pend" and stopped is None and not paused and waiting_on(entry) in pause_on:
            if started is not None:
                runs.append((started, moment))
            started, paused = None, True
        elif entry.kind == "resume" and paused and stopped is None:
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


def _clip(runs: list[Interval], start: datetime, end: datetime | None) -> list[Interval]:
    """The parts of `runs` inside [start, end); an empty run (a clock resumed this very
    moment) is kept when it lies inside."""
    clipped = []
    for run_start, run_end in runs:
        begin, finish = max(run_start, start), run_end if end is None else min(run_end, end)
        if finish > begin or (run_start == run_end == begin and (end is None or begin < end)):
            clipped.append((begin, finish))
    return clipped


def _segmented(which: str, runs: list[Interval], stopped: datetime | None, paused: bool,
               history: list[tuple[datetime, str | None]], ticket: Ticket, config: Config,
               now: datetime, share: float, base: datetime) -> Clock | None:
    """One clock over the ticket's priorities: each priority's target counts from when it
    came into force (or from creation); a target passed while its priority was in force is
    a Breach kept for good. The clock's own target is the one in force now — or, once the
    clock stopped, the one in force when it stopped: a later change cannot rewrite the outcome.
    `base` is when the clocks start: creation, or for a request that waited, its approval."""
    from_creation = config.sla_rules.on_priority_change == "from_creation"
    request_due: datetime | None = None
    if which == "resolution":
        # A request's target is the date the user needs it, or its category's: not its priority's.
        request_due = service_requests.resolution_due(ticket, config, calendar_for(config, history[-1][1]), base)
    if stopped is not None:
        history = [segment for index, segment in enumerate(history) if index == 0 or segment[0] <= stopped]
    earlier: list[Breach] = []
    for index, (start, priority) in enumerate(history):
        spec = config.sla.get(priority or "")
        end = history[index + 1][0] if index + 1 < len(history) else None
        if spec is None:
            if end is None:
                return None
            continue
        calendar = calendar_for(config, priority)
        origin = base if from_creation or index == 0 else max(start, base)
        duration, days = ((spec.response, spec.response_days) if which == "response"
                          else (spec.resolution, spec.resolution_days))
        target = calendar.target(origin, duration, days) if request_due is None else calendar.measure(origin, request_due)
        target *= share
        part = _clip(runs, origin, end)
        if end is None:
            clock = _clock(target, part, stopped, paused, calendar, now)
            # Counted from creation, a target can only be passed once it is in force.
            return dataclasses.replace(clock, due=max(clock.due, start), earlier=tuple(earlier))
        passed = _clock(target, part, None, False, calendar, now)
        if passed.breached:
            earlier.append(Breach(str(priority), max(passed.due, start)))
    return None


def clocks(ticket: Ticket, config: Config, now: datetime, share: float = 1.0) -> Clocks:
    """Both clocks of a ticket at `now`, from its timeline.

    With `share` < 1 the targets are that share of the real ones, so `due` tells when the
    clock crossed (or will cross) e.g. 75 % of its target: the moment a ticket is at risk.
    """
    if not timeutil.is_timestamp(ticket.created):
        return Clocks(None, None)
    history = priorities(ticket)
    if config.sla.get(history[-1][1] or "") is None:
        return Clocks(None, None)
    # A service request counts from its approval, if it waited for one, and never while it
    # waits (itsm/domain/service_requests.py).
    waits = service_requests.waits_of(ticket, now)
    base = service_requests.clock_start(ticket, waits)
    responded = first_response(ticket, config)
    # The response clock stops at the first response (a synthetic stop at that instant).
    runs, stopped, paused = _runs(ticket, config, False, min(now, responded) if responded else now)
    runs = service_requests.outside(runs, waits)
    paused = paused or (stopped is None and service_requests.awaiting_approval(ticket))
    if responded is not None and responded <= now:
        stopped = stopped or responded
        paused = False
    response = _segmented("response", runs, stopped, paused, history, ticket, config, now, share, base)
    runs, stopped, paused = _runs(ticket, config, True, now)
    runs = service_requests.outside(runs, waits)
    paused = paused or (stopped is None and service_requests.awaiting_approval(ticket))
    resolution = _segmented("resolution", runs, stopped, paused, history, ticket, config, now, share, base)
    return Clocks(response, resolution)


def work_times(ticket: Ticket, config: Config, now: datetime) -> tuple[timedelta | None, timedelta | None]:
    """How long the ticket took to its first response and to its (last) resolution, as the
    reports count them: working time of the calendar of its priority, from when its clocks
    start (creation, or a request's approval), without the pauses its SLA clocks make. None
    while there was no response / no resolution yet. Unlike a clock's `used`, this is the
    whole time, whatever the priority was meanwhile: MTTA and MTTR describe what the user
    waited, not a target."""
    if not timeutil.is_timestamp(ticket.created):
        return None, None
    calendar = calendar_for(config, ticket.priority)
    waits = service_requests.waits_of(ticket, now)
    base = service_requests.clock_start(ticket, waits)
    responded = first_response(ticket, config)
    to_response = to_resolution = None
    if responded is not None and responded <= now:
        runs, _, _ = _runs(ticket, config, False, responded)
        to_response = _measure(calendar, _clip(service_requests.outside(runs, waits), base, None))
    if not ticket.is_open and ticket.resolved and timeutil.is_timestamp(ticket.resolved):
        runs, stopped, _ = _runs(ticket, config, True, now)
        if stopped is not None:
            to_resolution = _measure(calendar, _clip(service_requests.outside(runs, waits), base, None))
    return to_response, to_resolution


def _measure(calendar: Calendar, runs: list[Interval]) -> timedelta:
    return sum((calendar.measure(start, end) for start, end in runs), ZERO)


def with_deadlines(ticket: Ticket, config: Config, now: datetime) -> Ticket:
    """The ticket with `responded`, `due_response` and `due_resolution` derived afresh."""
    state = clocks(ticket, config, now)
    responded = first_response(ticket, config)
    return dataclasses.replace(
        ticket,
        responded=timeutil.format(responded) if responded else None,
        due_response=timeutil.format(state.response.due) if state.response else None,
        due_resolution=timeutil.format(state.resolution.due) if state.resolution else None,
    )


def waits(ticket: Ticket, now: datetime) -> dict[str, timedelta]:
    """Wall-clock time the ticket spent pending, by what it waited on: a supplier's waits
    are reported against the supplier even where they do not pause the clocks."""
    total: dict[str, timedelta] = {}
    since: datetime | None = None
    on = "user"
    for entry in ticket.timeline:
        moment = timeutil.parse(entry.time)
        if moment > now:
            break
        if entry.kind == "pend" and since is None:
            since, on = moment, waiting_on(entry)
        elif since is not None and entry.kind in ("resume", "resolve", "close"):
            total[on] = total.get(on, ZERO) + (moment - since)
            since = None
    if since is not None:
        total[on] = total.get(on, ZERO) + (now - since)
    return total


@dataclass(frozen=True)
class Standing:
    """Where one SLA clock stands, for a person: met, missed, due, breached or paused."""

    clock: str  # "response" or "resolution"
    state: str  # met | missed | due | breached | paused
    due: datetime
    left: timedelta  # working time still left (negative once breached)
    since: datetime | None  # when it stopped (met, missed)
    earlier: tuple[Breach, ...] = ()  # targets of earlier priorities that were missed

    def words(self, now: datetime) -> str:
        return self._now_words(now) + "".join(
            f", also breached as {b.priority} (due {timeutil.format(b.due)})" for b in self.earlier)

    def _now_words(self, now: datetime) -> str:
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
        if self.earlier and self.state in ("due", "paused"):
            return f"BREACHED as {self.earlier[0].priority}"
        if self.state == "due":
            return f"{timeutil.span(self.left)} left"
        return self.state

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "due": timeutil.format(self.due),
                "left_minutes": int(self.left.total_seconds() // 60),
                "stopped": timeutil.format(self.since) if self.since else None,
                "breached_earlier": [b.to_json() for b in self.earlier]}


def standing(ticket: Ticket, config: Config, now: datetime) -> list[Standing]:
    """The ticket's SLA clocks as they stand at `now`: response, then resolution."""
    state = clocks(ticket, config, now)
    result = []
    for name, clock in (("response", state.response), ("resolution", state.resolution)):
        if clock is None:
            continue
        if clock.stopped is not None:
            word = "missed" if clock.ever_breached else "met"
        elif clock.breached:
            word = "breached"
        else:
            word = "paused" if clock.paused else "due"
        result.append(Standing(name, word, clock.due, clock.remaining, clock.stopped, clock.earlier))
    return result


def pressing(standings: list[Standing]) -> Standing | None:
    """The clock a person should look at first: a running or breached response clock, else
    the resolution clock."""
    response = next((s for s in standings if s.clock == "response"), None)
    if response is not None and response.state in ("due", "breached", "paused"):
        return response
    return next((s for s in standings if s.clock == "resolution"), response)
