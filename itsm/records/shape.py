"""The shape a reader needs: a status, type or priority it knows, times that are times.

Pure: a record in, (key, message) faults out, whatever the desk's configuration. The readers
(`list`, `chase`, `show`) warn about these instead of quietly leaving a record out; opening a
desk needs nothing more of the rules (itsm/domain/record_rules.py has the rest).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from itsm.core import timeutil
from itsm.core.model import (
    LEVELS,
    PRIORITIES,
    PROBLEM_STATUSES,
    STATUSES,
    SUPPORT_LEVELS,
    TICKET_TYPES,
    Problem,
    Record,
    Ticket,
)

Fault = tuple[str, str]  # (front-matter key or "", message)


def enum_faults(key: str, value: object, allowed: Iterable[object], optional: bool = False) -> Iterator[Fault]:
    allowed = tuple(allowed)
    if value is None and optional:
        return
    if value not in allowed:
        yield key, f"{key} '{value}' must be one of {', '.join(map(str, allowed))}"


def timestamp_faults(record: Record, keys: tuple[str, ...]) -> list[Fault]:
    faults = []
    for key in keys:
        value = getattr(record, key)
        if value is not None and not timeutil.is_timestamp(value):
            faults.append((key, f"{key} '{value}' is not a UTC time like 2026-11-26T09:00:00Z"))
    return faults


TIMESTAMP_KEYS = {
    "ticket": ("created", "updated", "responded", "resolved", "closed", "due_response", "due_resolution",
               "notified", "confirmed", "needed_by"),
    "problem": ("created", "updated", "resolved", "closed"),
    "kb": ("created", "updated"),
}


def shape_faults(record: Record) -> list[Fault]:
    """The faults that would make a reader misread the record — a status, type or priority
    that is not one of the known values, a time that is not a time — whatever the desk's
    configuration. `list` and `chase` warn about these instead of quietly leaving it out."""
    # Run on every record every reader reads: the common case (nothing wrong) is kept cheap.
    faults: list[Fault] = []
    if isinstance(record, Ticket):
        if (record.status not in STATUSES or record.type not in TICKET_TYPES
                or record.priority not in _OPTIONAL_PRIORITIES or record.impact not in _OPTIONAL_LEVELS
                or record.urgency not in _OPTIONAL_LEVELS or record.level not in _OPTIONAL_SUPPORT_LEVELS):
            faults += enum_faults("status", record.status, STATUSES)
            faults += enum_faults("type", record.type, TICKET_TYPES)
            faults += enum_faults("priority", record.priority, PRIORITIES, optional=True)
            faults += enum_faults("impact", record.impact, LEVELS, optional=True)
            faults += enum_faults("urgency", record.urgency, LEVELS, optional=True)
            if record.level is not None and record.level not in SUPPORT_LEVELS:
                faults.append(("level", f"level {record.level} must be 1, 2 or 3"))
    elif isinstance(record, Problem):
        faults += enum_faults("status", record.status, PROBLEM_STATUSES)
    faults += timestamp_faults(record, TIMESTAMP_KEYS[record.kind])
    return faults


_OPTIONAL_PRIORITIES = (*PRIORITIES, None)
_OPTIONAL_LEVELS = (*LEVELS, None)
_OPTIONAL_SUPPORT_LEVELS = (*SUPPORT_LEVELS, None)


def clocks_readable(record: Record) -> bool:
    """Whether every time the SLA clocks read is a real time: a ticket with `created:
    yesterday` is warned about by the reader and left out of what computes with times."""
    return not any(key in TIMESTAMP_KEYS[record.kind] for key, _ in shape_faults(record))
