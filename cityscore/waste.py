"""Waste-bin indicators: time to full, overflowing, collection efficiency.

Fill levels are percent of usable volume (canonical ``fill_level``), timestamps are the
readings' event times. Thresholds are ours (:mod:`cityscore.tables.policy`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from operator import itemgetter

from cityscore import _checks, _series
from cityscore.errors import InvalidSeries
from cityscore.tables import policy

# (hours, levels) -> (slope, intercept) or None. Theil-Sen by default; the numpy twin
# cityscore.vectorised.theil_sen gives the same figures faster for bulk callers.
SlopeFit = Callable[[Sequence[float], Sequence[float]], "tuple[float, float] | None"]

__all__ = [
    "ServiceRequest",
    "between",
    "collection_efficiency",
    "overflowing",
    "service_requests",
    "time_to_full",
    "validated",
]

SERVICE_WINDOW = timedelta(hours=policy.SERVICE_WINDOW_HOURS)


def validated(samples: Sequence[tuple[datetime, float]]) -> Sequence[tuple[datetime, float]]:
    """A bin's ``(timestamp, fill %)`` samples checked and sorted once: the functions
    here and :func:`cityscore.live.waste_indicators` take the result without checking it
    again (for callers that ask several of them about the same series)."""
    return _series.checked(samples)


def between(
    series: Sequence[tuple[datetime, float]], since: datetime, until: datetime
) -> Sequence[tuple[datetime, float]]:
    """The samples of a series with ``since <= timestamp < until``, checked (a
    :func:`validated` series is sliced without checking it again: callers that look at
    many windows of one long series check it once)."""
    series = _series.checked(series)
    first = bisect_left(series, since, key=itemgetter(0))
    return _series.Checked(series[first : bisect_left(series, until, first, key=itemgetter(0))])


def _resets(series: Sequence[tuple[datetime, float]]) -> list[int]:
    return _series.reset_positions(
        [level for _, level in series],
        policy.RESET_DROP_PERCENT_POINTS,
        policy.RESET_CONFIRM_SAMPLES,
    )


def time_to_full(
    samples: Sequence[tuple[datetime, float]],
    full: float = policy.FULL_PERCENT,
    fit: SlopeFit = _series.theil_sen,
) -> timedelta | None:
    """Predicted time from the newest sample until the bin reaches ``full`` percent.

    1. Samples are validated and sorted; only the newest ``MAX_FILL_SAMPLES`` are used
       (bounds the O(n²) slope computation).
    2. Collection resets — a drop of ``RESET_DROP_PERCENT_POINTS`` or more, confirmed by
       the medians of the neighbouring samples so one glitch cannot fake it — cut the
       series; only samples from the last reset on describe the current fill.
    3. The fill rate is the Theil–Sen slope (median of pairwise slopes), so a few noisy
       readings do not move it; the current level is the fitted line at the newest time.

    Returns ``timedelta(0)`` if the fitted level is already at or above ``full``, and
    ``None`` when there are fewer than ``MIN_FILL_SAMPLES`` samples since the last
    reset, the bin is not filling (slope <= 0), or it would take longer than
    ``MAX_TIME_TO_FULL_HOURS`` (a nearly flat fit, e.g. sensor noise on an idle bin).
    """
    target = _checks.positive("full", full)
    series = _series.checked(samples)[-policy.MAX_FILL_SAMPLES :]
    resets = _resets(series)
    if resets:
        series = series[resets[-1] :]
    if len(series) < policy.MIN_FILL_SAMPLES:
        return None
    origin = series[0][0]
    xs = [_series.hours_since(origin, ts) for ts, _ in series]
    line = fit(xs, [level for _, level in series])
    if line is None or line[0] <= policy.MIN_FILL_RATE_PERCENT_PER_HOUR:
        return None
    slope, intercept = line
    remaining = target - (intercept + slope * xs[-1])
    hours = max(remaining, 0.0) / slope
    if hours > policy.MAX_TIME_TO_FULL_HOURS:
        return None  # a bin that fills this slowly is, for operations, not filling
    return timedelta(hours=hours)


def overflowing(fill_level: float, threshold: float = policy.OVERFLOW_THRESHOLD_PERCENT) -> bool:
    """True when the fill level (%) is at or above ``threshold`` (default 90 %, ours)."""
    level = _checks.non_negative("fill_level", fill_level)
    return level >= _checks.positive("threshold", threshold)


@dataclass(frozen=True, slots=True)
class ServiceRequest:
    """A bin reached the service threshold at ``needed_at``; emptied at ``emptied_at``."""

    needed_at: datetime
    emptied_at: datetime | None = None


def service_requests(
    samples: Sequence[tuple[datetime, float]],
    threshold: float = policy.SERVICE_THRESHOLD_PERCENT,
) -> list[ServiceRequest]:
    """Service requests of one bin from its fill series.

    A request opens at the first sample at or above ``threshold`` and closes at the next
    collection reset (same reset rule as :func:`time_to_full`); a request still open at
    the end has ``emptied_at=None``.
    """
    limit = _checks.positive("threshold", threshold)
    series = _series.checked(samples)
    resets = _resets(series)
    requests: list[ServiceRequest] = []
    # Between two resets (and before the first, after the last) at most one request:
    # it opens at the first sample at or above the threshold (a reset sample never
    # opens one) and is closed by the reset that ends the stretch.
    starts, ends = [0, *(r + 1 for r in resets)], [*resets, len(series)]
    for first, end in zip(starts, ends, strict=True):
        opened = next((i for i in range(first, end) if series[i][1] >= limit), None)
        if opened is not None:
            emptied = series[end][0] if end < len(series) else None
            requests.append(ServiceRequest(series[opened][0], emptied))
    return requests


def collection_efficiency(
    requests: Sequence[ServiceRequest], as_of: datetime, window: timedelta = SERVICE_WINDOW
) -> float | None:
    """Share (0–1) of due service requests that were emptied within ``window``.

    Definition (ours): a request is *due* once its deadline ``needed_at + window`` has
    passed at ``as_of``, or once it was emptied; on-time means emptied by the deadline.
    Requests still inside their window and not yet emptied are left out (not yet
    judged). We use requests rather than "collected / scheduled rounds" because the
    registry holds no round schedule, and because it measures what residents see: a
    full bin that waits. ``None`` when nothing was due — no demand is not 100 %.
    """
    if window <= timedelta(0):
        raise InvalidSeries("window", f"must be positive, got {window!r}")
    on_time = due = 0
    for position, request in enumerate(requests):
        deadline = request.needed_at + window
        if request.emptied_at is not None and request.emptied_at < request.needed_at:
            raise InvalidSeries(f"requests[{position}]", "emptied_at is before needed_at")
        if request.emptied_at is None and deadline > as_of:
            continue
        due += 1
        on_time += request.emptied_at is not None and request.emptied_at <= deadline
    return on_time / due if due else None
