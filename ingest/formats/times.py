"""Event times: RFC 3339 strings, ISO 8601 intervals, SenML numbers — all to aware UTC.

Every failure is a reason code, never an exception: ``invalid_timestamp`` for anything we
cannot read or that has no UTC offset (a naive time is ambiguous by up to 14 hours).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Final

from ingest.formats.result import Rejection, shorten
from kotacerdas.contract import MAX_INTERVAL_S
from kotacerdas.reasons import ReasonCode

__all__ = [
    "SENML_RELATIVE_LIMIT",
    "check_interval",
    "parse_interval",
    "parse_timestamp",
    "senml_time",
]

# RFC 8428 §4.5.3: a time below 2**28 s (about 8.5 years) is relative to "now".
SENML_RELATIVE_LIMIT: Final = 2**28
# The longest RFC 3339 string with fractional seconds and offset is ~35 characters; a
# longer "timestamp" is garbage and is refused before parsing.
_MAX_TIMESTAMP_CHARS: Final = 64
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def parse_timestamp(value: object, field: str) -> datetime | Rejection:
    """An RFC 3339 date-time with offset, as aware UTC, or the reason it is not one."""
    if not isinstance(value, str):
        return _invalid(field, value, "is not an RFC 3339 string")
    if len(value) > _MAX_TIMESTAMP_CHARS:
        return _invalid(field, value, "is too long to be a timestamp")
    try:
        ts = datetime.fromisoformat(value)
    except ValueError:
        return _invalid(field, value, "is not an RFC 3339 date-time")
    if ts.tzinfo is None or ts.utcoffset() is None:
        return _invalid(field, value, "has no UTC offset (naive time)")
    try:
        return ts.astimezone(UTC)
    except OverflowError:
        return _invalid(field, value, "is outside the representable range")


def parse_interval(value: object, field: str) -> tuple[datetime, int] | Rejection:
    """An ISO 8601 ``start/end`` interval: (end as UTC, length in whole seconds).

    A plain date-time (no ``/``) is accepted as an instant and returns length 0. The length
    is not range-checked here; callers pass it to :func:`check_interval`.
    """
    if isinstance(value, str) and "/" in value:
        start_text, _, end_text = value.partition("/")
        start = parse_timestamp(start_text, field)
        if isinstance(start, Rejection):
            return start
        end = parse_timestamp(end_text, field)
        if isinstance(end, Rejection):
            return end
        # Whole seconds: a sub-second jitter in a device clock does not change the period.
        return end, round((end - start).total_seconds())
    ts = parse_timestamp(value, field)
    return ts if isinstance(ts, Rejection) else (ts, 0)


def check_interval(seconds: object, field: str) -> int | Rejection:
    """An observation period: an integer number of seconds in 1..86 400 (contract)."""
    if type(seconds) is not int or not 0 < seconds <= MAX_INTERVAL_S:
        return Rejection(
            ReasonCode.INVALID_INTERVAL,
            f"{field}={shorten(seconds)} is not a whole number of seconds in 1..{MAX_INTERVAL_S}",
            field=field,
        )
    return seconds


def senml_time(resolved: float, received_at: datetime, field: str) -> datetime | Rejection:
    """A resolved SenML time (seconds) as aware UTC; relative below 2**28 (RFC 8428 §4.5.3)."""
    if not math.isfinite(resolved):
        return _invalid(field, resolved, "is not a finite number of seconds")
    try:
        if resolved < SENML_RELATIVE_LIMIT:  # negative = seconds before now
            return received_at + timedelta(seconds=resolved)
        return _EPOCH + timedelta(seconds=resolved)
    except OverflowError:
        return _invalid(field, resolved, "is outside the representable range")


def _invalid(field: str, value: object, why: str) -> Rejection:
    return Rejection(ReasonCode.INVALID_TIMESTAMP, f"{field}={shorten(value)} {why}", field=field)
