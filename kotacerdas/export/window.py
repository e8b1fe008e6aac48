"""Reporting periods (``2026-10``, ``2026-Q4``, ``2026``) and their query windows.

A period is a civil period of the *city's* calendar: "Oktober 2026" in Makassar starts at
midnight WITA (UTC+8), in Jakarta at midnight WIB (UTC+7). The export reads hourly
rollups, whose buckets are whole UTC hours, so a window maps onto whole buckets only if
the city's UTC offset is a whole number of hours and does not change within the period;
all Indonesian zones (WIB +7, WITA +8, WIT +9) qualify, others are refused rather than
silently cut mid-bucket.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kotacerdas.export.errors import InvalidPeriod, UnsupportedTimezone

Kind = Literal["month", "quarter", "year"]
SCHEDULES: Final[dict[str, Kind]] = {"monthly": "month", "quarterly": "quarter", "yearly": "year"}
_PATTERN: Final = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])))?$")
_SECONDS_PER_HOUR: Final = 3600


@dataclass(frozen=True, slots=True, order=True)
class Period:
    year: int
    kind: Kind
    index: int
    """Month 1–12, quarter 1–4, or 1 for a year."""

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{self.year}-{self.index:02d}"
        return f"{self.year}-Q{self.index}" if self.kind == "quarter" else str(self.year)

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.kind]

    @property
    def first_day(self) -> date:
        month = self.index if self.kind == "month" else 3 * (self.index - 1) + 1
        return date(self.year, month if self.kind != "year" else 1, 1)

    @property
    def end_day(self) -> date:
        """First day after the period."""
        start = self.first_day
        months = start.month - 1 + self.months
        return date(start.year + months // 12, months % 12 + 1, 1)

    def previous(self) -> Period:
        return containing(self.first_day - timedelta(days=1), self.kind)

    def __str__(self) -> str:
        return self.label


def parse(text: str) -> Period:
    """``2026-10`` (month), ``2026-Q4`` (quarter) or ``2026`` (year)."""
    match = _PATTERN.match(text.strip())
    if not match:
        raise InvalidPeriod(f"period {text!r} is not YYYY-MM, YYYY-Qn or YYYY (e.g. 2026-10)")
    year = int(match["year"])
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise InvalidPeriod(f"period {text!r}: month {month} is not 01–12")
        return Period(year, "month", month)
    if match["quarter"]:
        return Period(year, "quarter", int(match["quarter"]))
    return Period(year, "year", 1)


def containing(day: date, kind: Kind) -> Period:
    if kind == "month":
        return Period(day.year, "month", day.month)
    if kind == "quarter":
        return Period(day.year, "quarter", (day.month - 1) // 3 + 1)
    return Period(day.year, "year", 1)


def previous_complete(now: datetime, timezone: str, kind: Kind) -> Period:
    """The last period of ``kind`` that has ended at ``now`` in the city's calendar."""
    if now.tzinfo is None:
        raise InvalidPeriod(f"--now {now.isoformat()} needs a UTC offset")
    local_day = now.astimezone(_zone(timezone)).date()
    return containing(local_day, kind).previous()


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnsupportedTimezone(f"unknown time zone {name!r}") from None


@dataclass(frozen=True, slots=True)
class Window:
    """A period in one city's calendar: local and UTC bounds, whole UTC hours."""

    period: Period
    timezone: str
    start: datetime
    """Local midnight of the first day (aware)."""
    end: datetime
    """Local midnight after the last day (exclusive)."""
    offset_hours: int
    """The city's UTC offset, constant over the period."""

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(UTC)

    @property
    def first_hour(self) -> int:
        """Epoch hour (``unix time // 3600``) of the first hourly bucket."""
        return int(self.start_utc.timestamp()) // _SECONDS_PER_HOUR

    @property
    def hours(self) -> int:
        return int((self.end_utc - self.start_utc).total_seconds()) // _SECONDS_PER_HOUR

    @property
    def seconds(self) -> int:
        return self.hours * _SECONDS_PER_HOUR

    @property
    def days(self) -> list[date]:
        first = self.period.first_day
        return [first + timedelta(days=i) for i in range((self.period.end_day - first).days)]

    def local_day(self, epoch_hour: int) -> date:
        """Local calendar day of an hourly bucket."""
        return date.fromordinal(_EPOCH_ORDINAL + (epoch_hour + self.offset_hours) // 24)

    def local_hour(self, epoch_hour: int) -> int:
        """Local hour of day (0–23) of an hourly bucket."""
        return (epoch_hour + self.offset_hours) % 24

    def bucket(self, day: date) -> str:
        """Chart bucket of a day: the day (month), its week's Monday (quarter), its month."""
        if self.period.kind == "month":
            return day.isoformat()
        if self.period.kind == "quarter":
            return max(day - timedelta(days=day.weekday()), self.period.first_day).isoformat()
        return f"{day.year}-{day.month:02d}"

    def buckets(self) -> list[str]:
        return list(dict.fromkeys(self.bucket(day) for day in self.days))


_EPOCH_ORDINAL: Final = date(1970, 1, 1).toordinal()


def window(period: Period, timezone: str) -> Window:
    zone = _zone(timezone)
    start = datetime.combine(period.first_day, datetime.min.time(), zone)
    end = datetime.combine(period.end_day, datetime.min.time(), zone)
    day_starts = (
        datetime.combine(period.first_day + timedelta(days=i), datetime.min.time(), zone)
        for i in range((period.end_day - period.first_day).days + 1)
    )
    offsets = {moment.utcoffset() for moment in day_starts}
    if len(offsets) != 1:
        raise UnsupportedTimezone(
            f"{timezone} changes its UTC offset within {period.label}; hourly rollups cannot "
            "be cut at local midnight there"
        )
    offset = offsets.pop()
    assert offset is not None
    seconds = int(offset.total_seconds())
    if seconds % _SECONDS_PER_HOUR:
        raise UnsupportedTimezone(
            f"{timezone} is UTC{offset}: not a whole hour, so local days do not fall on the "
            "hourly rollup buckets"
        )
    return Window(period, timezone, start, end, seconds // _SECONDS_PER_HOUR)
