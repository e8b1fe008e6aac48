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
(22–06) parts of the KepMenLH 48/1996 day–night noise level.
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
    "energy_mean_db",
    "mean",
    "mean_of_daily_means",
    "median",
    "merged_mean",
    "percent",
    "rising_edges",
    "rolling_means",
    "uptime",
]

#: Hours of data a daily mean needs (75 % of 24) [U], see the module docstring.
DAILY_MIN_HOURS: Final[int] = 18
#: Length of the rolling window WHO's 24-h guideline is defined on (STANDARDS §3).
ROLLING_HOURS: Final[int] = 24
#: Hours of data a 24-h rolling mean needs (75 %) [U].
ROLLING_MIN_HOURS: Final[int] = 18
_DECIBEL_SCALE: Final[float] = 10.0  # dB = 10 log10(energy ratio), by definition


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
    items = [_checks.finite("value", v) for v in values]
    return math.fsum(items) / len(items) if items else None


def mean_of_daily_means(daily_means: Sequence[float]) -> tuple[float, float, int] | None:
    """ISO 37120 annual-mean formula: sum of daily means / days measured.

    Returns ``(mean, numerator = Σ daily means, denominator = days)``; None without days.
    """
    if not daily_means:
        return None
    numerator = math.fsum(_checks.finite("daily_mean", v) for v in daily_means)
    return numerator / len(daily_means), numerator, len(daily_means)


def rolling_means(
    hourly: Sequence[tuple[float | None, int]],
    first: int,
    window: int = ROLLING_HOURS,
    min_hours: int = ROLLING_MIN_HOURS,
) -> list[tuple[int, float]]:
    """Trailing ``window``-hour means at each hour from index ``first`` on.

    ``hourly[i]`` is the ``(mean, n)`` of hour ``i`` (consecutive hours; ``(None, 0)``
    where nothing was measured). The mean at hour ``i`` merges hours ``i-window+1 … i``
    (:func:`merged_mean`) and exists only when at least ``min_hours`` of them have data.
    ``first`` lets callers pass ``window - 1`` hours of look-back before the period.
    Returns ``(index, mean)`` pairs for the hours with a valid mean.
    """
    if window < 1 or not 1 <= min_hours <= window:
        raise InvalidValue("window", (window, min_hours), "needs 1 <= min_hours <= window")
    if first < 0:
        raise InvalidValue("first", first, "is negative")
    # Checked once per hour, then each window is an exactly rounded sum of its slice
    # (a running float sum would drift and could flip a value sitting on a guideline).
    present = [value is not None and n > 0 for value, n in hourly]
    weighted = [
        _checks.finite("mean", value) * n if value is not None and n > 0 else 0.0
        for value, n in hourly
    ]
    counts = [n if ok else 0 for ok, (_, n) in zip(present, hourly, strict=True)]
    hours_with_data = sum(present[max(0, first - window + 1) : first])
    out: list[tuple[int, float]] = []
    for i in range(first, len(hourly)):
        hours_with_data += present[i]
        if i > first and i - window >= 0:
            hours_with_data -= present[i - window]
        if hours_with_data >= min_hours:
            lo = max(0, i - window + 1)
            out.append((i, math.fsum(weighted[lo : i + 1]) / sum(counts[lo : i + 1])))
    return out


def count_above(values: Iterable[float], level: float) -> int:
    """How many values are strictly above ``level``.

    "Exceeds" means strictly above, as in :func:`cityscore.who.exceedances`: a value
    equal to the guideline meets it.
    """
    limit = _checks.finite("level", level)
    return sum(1 for v in values if _checks.finite("value", v) > limit)


def rising_edges(flags: Iterable[bool]) -> int:
    """Number of runs of True (events): each False→True step, and a True start, count once."""
    events = 0
    previous = False
    for flag in flags:
        events += flag and not previous
        previous = flag
    return events


def energy_mean_db(levels: Iterable[float]) -> float | None:
    """Energy (logarithmic) mean of sound levels in dB: ``10 log10(mean 10^(L/10))``.

    How equivalent levels (Leq) of consecutive intervals combine into the Leq of the
    whole span; an arithmetic mean of decibels would understate loud hours.
    """
    energies = [10 ** (_checks.finite("level_db", v) / _DECIBEL_SCALE) for v in levels]
    if not energies:
        return None
    return _DECIBEL_SCALE * math.log10(math.fsum(energies) / len(energies))


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
    items = [_checks.finite("value", v) for v in values]
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
