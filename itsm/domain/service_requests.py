"""Service requests: what makes a request's clocks differ from an incident's.

ITIL 4 separates *service request management* (pre-defined, user-initiated requests for
something new — a laptop for a new starter, a licence — fulfilled by an agreed procedure,
often after an approval) from *incident management* (restoring a service that broke). So a
request's resolution clock runs to the date the user needs it (`needed_by`), else to its
category's request target (`requests.targets` in itsm.yaml), else to its priority's target;
and while it waits for approval, no clock runs: the desk cannot start on what nobody has
approved yet.

Pure: the ticket, the config and `now` in; `itsm/domain/sla.py` calls these in a few marked lines.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from itsm.config.settings import Config
from itsm.core import timeutil
from itsm.core.errors import UsageError
from itsm.core.model import Ticket
from itsm.domain.working_time import Calendar, Interval

# A rejected request stops its clocks as a resolve does: the rejection is how it ends.
STOP_KINDS = ("reject",)
_DAYS_BACK = 14  # how far `--due` on a day off looks back for the last working day


def is_request(ticket: Ticket) -> bool:
    return ticket.type == "request"


# -- approval ------------------------------------------------------------------------------


def approval_waits(ticket: Ticket, until: datetime) -> list[Interval]:
    """The intervals, up to `until`, during which the request waited for approval: from the
    entry that set `approval: requested` to the one that set it otherwise (approve, reject,
    or a change of type). No clock runs in them. An incident has none."""
    waits: list[Interval] = []
    waiting_since: datetime | None = None
    ordered = sorted(enumerate(ticket.timeline), key=lambda pair: (pair[1].time, pair[0]))
    for _, entry in ordered:
        moment = timeutil.parse(entry.time)
        if moment > until:
            break
        said = dict(entry.changes)
        if "approval" not in said:
            continue
        if said["approval"] == "requested" and waiting_since is None:
            waiting_since = moment
        elif said["approval"] != "requested" and waiting_since is not None:
            waits.append((waiting_since, moment))
            waiting_since = None
    if waiting_since is not None and until >= waiting_since:
        waits.append((waiting_since, until))
    return waits


def awaiting_approval(ticket: Ticket) -> bool:
    return is_request(ticket) and ticket.approval == "requested"


def outside(runs: list[Interval], waits: list[Interval]) -> list[Interval]:
    """The parts of the clock's runs that fall outside every approval wait."""
    for wait_start, wait_end in waits:
        kept: list[Interval] = []
        for start, end in runs:
            if end <= wait_start or start >= wait_end:
                kept.append((start, end))
                continue
            if start < wait_start:
                kept.append((start, wait_start))
            if end > wait_end:
                kept.append((wait_end, end))
        runs = kept
    return runs


def waits_of(ticket: Ticket, now: datetime) -> list[Interval]:
    """The approval waits of a request up to `now`; an incident has none (not even read)."""
    return approval_waits(ticket, now) if is_request(ticket) else []


def clock_start(ticket: Ticket, waits: list[Interval]) -> datetime:
    """When the request's clocks start counting toward their targets: when it was recorded,
    or — if it waited for approval from the start — when it was approved (while it still
    waits: as if it were approved now). `waits` are its approval waits (`waits_of`); an
    incident has none, and its clocks start when it was recorded."""
    created = timeutil.parse(ticket.created)
    if waits and waits[0][0] <= created:
        return waits[0][1]
    return created


# -- targets ---------------------------------------------------------------------------------


def resolution_due(ticket: Ticket, config: Config, calendar: Calendar, start: datetime) -> datetime | None:
    """When a request's resolution clock reaches its target if nothing pauses it after
    `start` (see `clock_start`): its needed-by time, else its category's request target
    counted from `start`. None for an incident, or a request with neither: the priority's
    target counts, as for an incident.

    A needed-by time that lies before `start` (the approval came after the date the user
    needed it) cannot be met by the desk: the category's target counts from the approval."""
    if not is_request(ticket):
        return None
    if ticket.needed_by is not None and timeutil.is_timestamp(ticket.needed_by):
        needed = timeutil.parse(ticket.needed_by)
        if needed > start:
            return needed
    target = config.requests.target_for(ticket.category)
    if target is None:
        return None
    begin = calendar.add(start, timedelta(0))  # the first working moment
    return calendar.add(begin, calendar.target(begin, target.duration, target.days))


# -- the date the user needs it ---------------------------------------------------------------


def needed_by(text: str, config: Config, now: datetime) -> datetime:
    """What `--due` means: a date is the end of that working day in the desk's time zone (the
    close of its last window under business hours — on a day without working time, of the
    last working day before it; around the clock, 23:59:59); a time without an offset is the
    desk's local time. A moment that is not after `now` is refused."""
    text = text.strip()
    hours = config.business_hours
    zone = ZoneInfo(hours.timezone) if hours is not None else ZoneInfo("UTC")
    try:
        if len(text) == 10:
            moment = _end_of_working_day(date.fromisoformat(text), config, zone)
        else:
            typed = datetime.fromisoformat(text.replace("z", "Z"))
            moment = typed if typed.tzinfo is not None else typed.replace(tzinfo=zone)
    except ValueError:
        raise UsageError(f"--due '{text}' is not a date like 2026-11-30 or a time like 2026-11-30T12:00",
                         hint="a date means the end of that working day in the desk's time zone") from None
    moment = moment.astimezone(UTC).replace(microsecond=0)
    if moment <= now:
        raise UsageError(f"--due {text} is in the past ({timeutil.format(moment)})",
                         hint="give the date the user needs it by, from today on")
    return moment


def _end_of_working_day(day: date, config: Config, zone: ZoneInfo) -> datetime:
    hours = config.business_hours
    if hours is None or not hours.days:
        return datetime.combine(day, time(23, 59, 59), tzinfo=zone)
    for back in range(_DAYS_BACK):
        candidate = day - timedelta(days=back)
        windows = () if candidate in hours.holidays else hours.days.get(candidate.weekday(), ())
        if windows:
            end = max(window_end for _, window_end in windows)
            if end >= 24 * 60:  # a window to 24:00 ends at the next day's midnight
                return datetime.combine(candidate + timedelta(days=1), time(0), tzinfo=zone)
            return datetime.combine(candidate, time(end // 60, end % 60), tzinfo=zone)
    raise UsageError(f"--due {day.isoformat()}: no working day in the two weeks before it",
                     hint="check business_hours in itsm.yaml, or give a full time")
