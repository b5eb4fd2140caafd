"""The desk's clock: UTC, second precision, ISO-8601 with `Z`; `$ITSM_NOW` overrides it."""

from __future__ import annotations

import calendar
import functools
import os
import re
from datetime import UTC, datetime, timedelta

from itsm.core.errors import UsageError

# A stored time: UTC, to the second, with months, days, hours, minutes and seconds in range
# (days past 28 are checked against the month apart).
_REAL_TS_RE = re.compile(r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\dZ\Z")
_DURATION_RE = re.compile(r"^(\d+)\s*(m|min|h|d)\Z")


def now() -> datetime:
    """The current instant, or `$ITSM_NOW` when set (tests and reproducible reports)."""
    fixed = os.environ.get("ITSM_NOW")
    if fixed:
        try:
            return parse_user_time(fixed)
        except ValueError:
            raise UsageError(
                f"ITSM_NOW='{fixed}' is not a timestamp", hint="use e.g. 2026-11-26T09:00:00Z"
            ) from None
    return datetime.now(UTC).replace(microsecond=0)


def parse_user_time(text: str) -> datetime:
    """Lenient reading of a typed time: a date, or ISO with `Z`, an offset, or nothing (UTC)."""
    value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def is_timestamp(text: object) -> bool:
    """A stored time: the exact format, and a moment that exists (not 2026-13-45T99:00:00Z)."""
    if not isinstance(text, str) or _REAL_TS_RE.match(text) is None:
        return False
    day = text[8:10]
    return day <= "28" or int(day) <= calendar.monthrange(int(text[0:4]), int(text[5:7]))[1]


@functools.lru_cache(maxsize=1 << 16)
def parse(text: str) -> datetime:
    """Read a stored timestamp (strict format); raises ValueError otherwise. Remembered: the
    clocks of `chase` read the same times of a ticket's timeline several times over."""
    if not is_timestamp(text):
        raise ValueError(f"'{text}' is not a UTC timestamp like 2026-11-26T09:00:00Z")
    # The format is checked above, so the fields are where they are: building the datetime
    # from them is ten times cheaper than strptime, and a read model build reads millions.
    return datetime(int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), int(text[14:16]),
                    int(text[17:19]), tzinfo=UTC)


def format(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp() -> str:
    return format(now())


def parse_duration(text: str) -> timedelta:
    """`15m`, `4h`, `3d` as used by SLA targets in itsm.yaml."""
    match = _DURATION_RE.match(str(text).strip())
    if not match:
        raise ValueError(f"'{text}' is not a duration like 15m, 4h or 3d")
    amount, unit = int(match.group(1)), match.group(2)
    try:
        return {"m": timedelta(minutes=amount), "min": timedelta(minutes=amount),
                "h": timedelta(hours=amount), "d": timedelta(days=amount)}[unit]
    except OverflowError:
        raise ValueError(f"'{text}' is longer than any duration a desk can count") from None


def duration_days(text: str) -> int | None:
    """The number of days of a duration written in days (`3d`), else None."""
    match = _DURATION_RE.match(str(text).strip())
    return int(match.group(1)) if match and match.group(2) == "d" else None


def from_epoch(seconds: int) -> str:
    return format(datetime.fromtimestamp(seconds, UTC))


def span(duration: timedelta) -> str:
    """A duration as a person reads it: `2d 3h`, `45m` (to the minute, the largest units)."""
    minutes = int(duration.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts += [f"{minutes}m"] if minutes or not parts else []
    return " ".join(parts)
