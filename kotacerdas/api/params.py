"""Validation of query parameters beyond their OpenAPI types (pure).

Every rule raises :class:`InvalidParameters` naming the parameter and the reason, so a
bad value is a 400 problem, never a 500 or a silently different query.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from kotacerdas.api import durations
from kotacerdas.api.problems import InvalidParam, InvalidParameters
from kotacerdas.api.queries import AGGREGATES

SLUG: Final = r"^[a-z0-9][a-z0-9-]{0,63}$"
SENSOR: Final = r"^[a-z0-9][a-z0-9_-]{2,63}$"
CODE: Final = r"^[a-z][a-z0-9_]{0,63}$"
#: Dates PostgreSQL and Python both handle with room for a period added or subtracted.
EARLIEST: Final = datetime(1970, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(2200, 1, 1, tzinfo=UTC)
#: Longest time range of one series or download: a year and a day.
MAX_RANGE: Final = timedelta(days=366)
DEFAULT_RANGE: Final = timedelta(hours=24)
#: Most buckets one aggregated page may span (a year of hours is 8 784).
MAX_BUCKETS: Final = 10_000


def bad(name: str, reason: str) -> InvalidParameters:
    return InvalidParameters(f"{name}: {reason}", [InvalidParam(name, reason)])


def instant(name: str, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise bad(name, "needs a UTC offset (e.g. 2026-11-28T08:00:00+07:00 or ...Z)")
    if not EARLIEST <= value < LATEST:
        raise bad(name, "must be between 1970 and 2200")
    return value


def time_range(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """``[from, to)``: defaults to the last 24 hours; at most :data:`MAX_RANGE`."""
    start, end = instant("from", start), instant("to", end)
    if end is None:
        end = (start + DEFAULT_RANGE) if start is not None else now
    if start is None:
        start = end - DEFAULT_RANGE
    if start >= end:
        raise bad("from", "must be before to")
    if end - start > MAX_RANGE:
        raise bad("to", f"the range is longer than {MAX_RANGE.days} days")
    return start, end


def methods(text: str | None) -> tuple[str, ...]:
    if text is None:
        return ()
    names = tuple(dict.fromkeys(m.strip() for m in text.split(",")))
    unknown = [m for m in names if m not in AGGREGATES]
    if unknown or not names:
        raise bad("aggrMethods", f"unsupported {unknown}; use some of {', '.join(AGGREGATES)}")
    return names


def period(text: str | None, methods_given: bool) -> timedelta | None:
    if text is None:
        return None
    if not methods_given:
        raise bad("aggrPeriodDuration", "needs aggrMethods (e.g. aggrMethods=avg)")
    try:
        return durations.bucket_period(text)
    except durations.DurationError as exc:
        raise bad("aggrPeriodDuration", str(exc)) from None


def bucket_count(start: datetime, end: datetime, step: timedelta | None) -> None:
    if step and (end - start) / step > MAX_BUCKETS:
        raise bad("aggrPeriodDuration", f"more than {MAX_BUCKETS} buckets; use a longer period")


def codes(text: str | None) -> tuple[str, ...]:
    import re

    if text is None:
        return ()
    names = tuple(dict.fromkeys(c.strip() for c in text.split(",") if c.strip()))
    if not names or len(names) > 50 or not all(re.fullmatch(CODE, c) for c in names):
        raise bad("code", "a comma-separated list of up to 50 indicator codes")
    return names
