"""Period statistics for the maturity export: means of rollups, completeness, counts.

Pure helpers the exporter uses to turn hourly rollups into period figures; every
indicator-specific rule (ISPU bands, LOS bands, WHO levels, overflow and fire thresholds)
stays in its own module and is *called*, never copied, here or in the exporter.

Sums use :func:`math.fsum` (exactly rounded), so a figure does not depend on the order
in which rows arrive: the same data always gives the same number, bit for bit.

Completeness [U]: a daily mean is valid with at least 18 of its 24 hourly values (75 %),
the rule of EU Directive 2008/50/EC Annex VII/XI and of US EPA 40 CFR Part 50
Appendix N for 24-h PM2.5 from hourly monitors — from memory, confirm before relying on
it. The same 75 % is applied to the 24-h rolling mean and to the day (06–22) and night
(22–06) parts of the KepMenLH 48/1996 day–night noise level (the exporter's rule).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import datetime
from statistics import median as _median
from typing import Final

from cityscore import _checks, waste
from cityscore.errors import InvalidValue

__all__ = [
    "DAILY_MIN_HOURS",
    "ROLLING_HOURS",
    "ROLLING_MIN_HOURS",
    "collection_counts",
    "count_above",
    "distribution",
    "mean",
    "mean_of_daily_means",
    "median",
    "merged_mean",
    "percent",
    "rolling_means",
    "run_starts",
    "uptime",
]

#: Hours of data a daily mean needs (75 % of 24) [U], see the module docstring.
DAILY_MIN_HOURS: Final[int] = 18
#: Length of the rolling window WHO's 24-h guideline is defined on (STANDARDS §3).
ROLLING_HOURS: Final[int] = 24
#: Hours of data a 24-h rolling mean needs (75 %) [U].
ROLLING_MIN_HOURS: Final[int] = 18
_MICRO: Final[int] = 1_000_000


def _all_finite(name: str, values: Sequence[float]) -> Sequence[float]:
    """Validate many values at C speed; on failure name the first bad one like _checks."""
    try:
        if all(map(math.isfinite, values)) and bool not in map(type, values):
            return values
    except TypeError:
        pass
    for value in values:
        _checks.finite(name, value)
    return values  # unreachable: _checks raised on the bad value


def merged_mean(parts: Iterable[tuple[float | None, int]]) -> tuple[float, int] | None:
    """Mean of merged rollup rows: ``Σ mean·n / Σ n`` over ``(mean, n)`` pairs.

    The same merge the rollup migration uses to derive a coarser grain from a finer one
    (mean = Σ mean·n / Σ n). Pairs with ``n == 0`` or a None mean are skipped. Returns
    ``(mean, total n)``, or None when nothing was measured.
    """
    weighted: list[float] = []
    total = 0
    for value, n in parts:
        if value is None or not n:
            continue
        weighted.append(_checks.finite("mean", value) * n)
        total += n
    return (math.fsum(weighted) / total, total) if total else None


def mean(values: Iterable[float]) -> float | None:
    """Arithmetic mean (exactly rounded sum); None for no values."""
    items = list(_all_finite("value", list(values)))
    return math.fsum(items) / len(items) if items else None


def mean_of_daily_means(daily_means: Sequence[float]) -> tuple[float, float, int] | None:
    """ISO 37120 annual-mean formula: sum of daily means / days measured.

    Returns ``(mean, numerator = Σ daily means, denominator = days)``; None without days.
    """
    if not daily_means:
        return None
    numerator = math.fsum(_all_finite("daily_mean", daily_means))
    return numerator / len(daily_means), numerator, len(daily_means)


def rolling_means(
    means: Sequence[float | None],
    counts: Sequence[int],
    first: int,
    window: int = ROLLING_HOURS,
    min_hours: int = ROLLING_MIN_HOURS,
) -> list[tuple[int, float]]:
    """Trailing ``window``-hour means at each hour from index ``first`` on.

    ``means[i]``/``counts[i]`` are hour ``i``'s mean and sample count (consecutive hours;
    None/0 where nothing was measured). The mean at hour ``i`` merges hours
    ``i-window+1 … i`` like :func:`merged_mean` and exists only when at least
    ``min_hours`` of them have data; ``first`` lets callers pass ``window - 1`` hours of
    look-back before the period. Returns ``(index, mean)`` for the hours with a mean.

    The window sums run in integers of micro-units (``round(mean·n·10⁶)``): exact in any
    order and O(1) per hour — a running float sum would drift and could flip a value
    sitting on a guideline. The quantum is 10⁻⁶ of the metric's unit.
    """
    if window < 1 or not 1 <= min_hours <= window:
        raise InvalidValue("window", (window, min_hours), "needs 1 <= min_hours <= window")
    if first < 0 or len(means) != len(counts):
        raise InvalidValue("first", first, "must be >= 0 with means and counts of one length")
    present = [m is not None and n > 0 for m, n in zip(means, counts, strict=True)]
    _all_finite("mean", [m for m, n in zip(means, counts, strict=True) if m is not None and n])
    micro = [
        round(m * n * _MICRO) if m is not None and n > 0 else 0
        for m, n in zip(means, counts, strict=True)
    ]
    weights = [n if ok else 0 for n, ok in zip(counts, present, strict=True)]
    lo = max(0, first - window + 1)
    hours, total, samples = sum(present[lo:first]), sum(micro[lo:first]), sum(weights[lo:first])
    out: list[tuple[int, float]] = []
    for i in range(first, len(means)):
        hours, total, samples = hours + present[i], total + micro[i], samples + weights[i]
        if i - window >= lo:
            old = i - window
            hours, total, samples = hours - present[old], total - micro[old], samples - weights[old]
        if hours >= min_hours:
            out.append((i, total / _MICRO / samples))
    return out


def count_above(values: Iterable[float], level: float) -> int:
    """How many values are strictly above ``level``.

    "Exceeds" means strictly above, as in :func:`cityscore.who.exceedances`: a value
    equal to the guideline meets it.
    """
    limit = _checks.finite("level", level)
    return sum(1 for v in _all_finite("value", list(values)) if v > limit)


def run_starts(flags: Iterable[bool]) -> list[int]:
    """Positions where a run of True begins (events): each False→True step, and a True start.

    An overflow that lasts six hours is one event, not six.
    """
    starts: list[int] = []
    previous = False
    for position, flag in enumerate(flags):
        if flag and not previous:
            starts.append(position)
        previous = flag
    return starts


def percent(numerator: float, denominator: float) -> float | None:
    """``numerator / denominator × 100``; None when the denominator is 0 (no evidence)."""
    num = _checks.non_negative("numerator", numerator)
    den = _checks.non_negative("denominator", denominator)
    return num / den * _checks.PERCENT if den else None


def distribution(categories: Iterable[str], order: Sequence[str]) -> dict[str, float] | None:
    """Percent of items per category, in ``order`` (absent categories get 0.0).

    None when there are no items. An item outside ``order`` raises: a category the
    caller did not expect is a bug, not a new bucket.
    """
    counts = dict.fromkeys(order, 0)
    total = 0
    for item in categories:
        if item not in counts:
            raise InvalidValue("category", item, f"is not one of {', '.join(order)}")
        counts[item] += 1
        total += 1
    if not total:
        return None
    return {name: count / total * _checks.PERCENT for name, count in counts.items()}


def median(values: Iterable[float]) -> float | None:
    """Median; None for no values."""
    items = _all_finite("value", list(values))
    return float(_median(items)) if items else None


def uptime(received: int, expected: float) -> float | None:
    """Share (0–1) of expected samples that arrived, capped at 1; None if none expected.

    A sensor sending faster than its registered interval cannot make up for another
    one's silence: callers cap per sensor first, then sum.
    """
    got = _checks.non_negative("received", received)
    want = _checks.non_negative("expected", expected)
    return min(got / want, 1.0) if want else None


def collection_counts(requests: Sequence[waste.ServiceRequest], as_of: datetime) -> tuple[int, int]:
    """``(emptied on time, due)`` of service requests, by :func:`waste.collection_efficiency`.

    The period figure needs the numerator and the denominator, the waste module returns
    their ratio; asking it about each request alone gives 1.0 (on time), 0.0 (late or
    never) or None (not yet due), so the definition stays in one place.
    """
    on_time = due = 0
    for request in requests:
        share = waste.collection_efficiency((request,), as_of)
        if share is not None:
            due += 1
            on_time += share == 1.0
    return on_time, due
