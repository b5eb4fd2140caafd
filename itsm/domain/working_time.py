"""Working time: the plain calendar counts every second; business hours count weekly windows
in the desk's time zone, minus holidays (DST-correct), and a day of a target is a working day.

Pure: instants in, instants and durations out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from itsm.config.settings import BusinessHours, Config

ZERO = timedelta(0)
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
