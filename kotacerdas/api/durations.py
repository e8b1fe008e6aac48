"""ISO 8601 durations for ``aggrPeriodDuration`` (the NGSI-LD temporal vocabulary).

NGSI-LD (ETSI GS CIM 009, §4.5.19 "aggrPeriodDuration") takes an ISO 8601 duration,
e.g. ``PT1H`` or ``P1D``. We accept the fixed-length subset ``PnW`` or
``PnDTnHnMnS`` (with fractional seconds): years and months have no fixed length,
and PostgreSQL's ``date_bin`` (the server-side bucketing) refuses them, so they are
rejected with that reason rather than approximated. ``PT0S`` means "the whole time
range" in NGSI-LD and is returned as a zero duration.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Final

#: Shortest bucket: the rollups and indicator windows are no finer than a minute.
MIN_PERIOD: Final = timedelta(minutes=1)
#: Longest bucket: a year of days (a longer one is one bucket: use PT0S for that).
MAX_PERIOD: Final = timedelta(days=366)

_WEEKS = re.compile(r"P(?P<w>\d+)W")
_DAY_TIME = re.compile(
    r"P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:[.,]\d+)?)S)?)?"
)
_CALENDAR = re.compile(r"P(?:\d+Y)?(?:\d+M)?(?:\d+[WD])?(?:T.*)?")


class DurationError(ValueError):
    """Why a duration was refused (the message names the rule)."""


def parse_duration(text: str) -> timedelta:
    """``PT1H`` → 1 hour. Raises :class:`DurationError` with the reason."""
    if len(text) > 40:
        raise DurationError("duration is longer than 40 characters")
    weeks = _WEEKS.fullmatch(text)
    if weeks:
        return timedelta(weeks=int(weeks["w"]))
    match = _DAY_TIME.fullmatch(text)
    if not match or text in ("P", "PT") or text.endswith("T"):
        if _CALENDAR.fullmatch(text) and ("Y" in text or "M" in text.split("T")[0]):
            raise DurationError(
                f"{text!r}: years and months have no fixed length; use days (e.g. P30D)"
            )
        raise DurationError(f"{text!r} is not an ISO 8601 duration such as PT1H or P1D")
    parts = {k: v for k, v in match.groupdict().items() if v is not None}
    try:
        return timedelta(
            days=int(parts.get("d", 0)),
            hours=int(parts.get("h", 0)),
            minutes=int(parts.get("m", 0)),
            seconds=float(parts.get("s", "0").replace(",", ".")),
        )
    except OverflowError:
        raise DurationError(f"{text!r} is too long a duration") from None


def bucket_period(text: str) -> timedelta:
    """A duration usable as a bucket: zero (whole range) or within the bounds."""
    period = parse_duration(text)
    if period == timedelta(0):
        return period
    if period < MIN_PERIOD:
        raise DurationError(f"{text!r} is shorter than the finest bucket, PT1M")
    if period > MAX_PERIOD:
        raise DurationError(f"{text!r} is longer than {MAX_PERIOD.days} days; use PT0S")
    return period


def format_duration(period: timedelta) -> str:
    """The canonical text of a fixed-length duration (``timedelta(hours=1)`` → ``PT1H``)."""
    total = int(period.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    if not days and not time:
        return "PT0S"
    return "P" + (f"{days}D" if days else "") + (f"T{time}" if time else "")
