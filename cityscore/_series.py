"""Fill-level series helpers: validation, collection-reset detection, Theil–Sen slope."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise
from operator import attrgetter, itemgetter
from statistics import median

from cityscore import _checks
from cityscore.errors import InvalidSeries

Sample = tuple[datetime, float]

SECONDS_PER_HOUR = 3600.0


class Checked(tuple[Sample, ...]):
    """A series :func:`checked` returned: valid and sorted. Immutable, so passing it on
    to another function of the package (time to full after the latest fill) skips the
    second check."""

    __slots__ = ()


def checked(samples: Sequence[Sample], name: str = "samples") -> Checked:
    """Validate ``(timestamp, fill %)`` pairs and return them sorted by time.

    Timestamps must all be aware or all naive (mixing them cannot be ordered); fill
    levels must be finite and non-negative.
    """
    if type(samples) is Checked:
        return samples
    items = list(samples)
    if _plainly_valid(items):
        return Checked(sorted(items, key=itemgetter(0)))
    out: list[Sample] = []
    for position, item in enumerate(items):
        if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], datetime)):
            raise InvalidSeries(name, f"item {position} is not a (datetime, float) pair: {item!r}")
        out.append((item[0], _checks.non_negative(f"{name}[{position}].fill", item[1])))
    if len({ts.tzinfo is None for ts, _ in out}) > 1:
        raise InvalidSeries(name, "mixes time-zone-aware and naive timestamps")
    out.sort(key=lambda sample: sample[0])
    return Checked(out)


def _plainly_valid(items: list[Sample]) -> bool:
    """The common case, checked with C-level passes (the live job checks every bin's
    day of samples each window): datetime/float pairs, one kind of timestamp, finite
    levels >= 0. Anything else takes the item-by-item check, which names the culprit."""
    if not items or set(map(type, items)) != {tuple} or set(map(len, items)) != {2}:
        return False
    times, levels = zip(*items, strict=True)
    if set(map(type, times)) != {datetime} or set(map(type, levels)) != {float}:
        return False
    zones = set(map(attrgetter("tzinfo"), times))
    if None in zones and len(zones) > 1:
        return False
    return all(map(math.isfinite, levels)) and min(levels) >= 0.0


def reset_positions(levels: Sequence[float], drop: float, confirm: int) -> list[int]:
    """Positions where the bin was emptied.

    A reset at ``i`` needs both a fall of at least ``drop`` points from ``levels[i-1]``
    to ``levels[i]`` and the same fall between the medians of the ``confirm`` samples
    before and from ``i`` on. The second test rejects a single low glitch (the level
    comes back) and the return from a single high spike (the level before was normal).
    """
    found: list[int] = []
    # The fall first (one C-level pass; the live job asks this of every bin's day each
    # window), the medians only where the level fell.
    falls = [i for i, (a, b) in enumerate(pairwise(levels), 1) if a - b >= drop]
    for i in falls:
        before = median(levels[max(0, i - confirm) : i])
        after = median(levels[i : i + confirm])
        if before - after >= drop:
            found.append(i)
    return found


def hours_since(origin: datetime, ts: datetime) -> float:
    return (ts - origin).total_seconds() / SECONDS_PER_HOUR


def theil_sen(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float] | None:
    """Median of pairwise slopes and median intercept; None without two distinct x.

    Robust to about 29 % outliers (the estimator's breakdown point), which covers the
    spikes ultrasonic fill sensors produce when a lid is open or a bag sits skewed.
    """
    slopes = [
        (ys[j] - ys[i]) / (xs[j] - xs[i])
        for i in range(len(xs))
        for j in range(i + 1, len(xs))
        if xs[j] != xs[i]
    ]
    if not slopes:
        return None
    slope = median(slopes)
    intercept = median(y - slope * x for x, y in zip(xs, ys, strict=True))
    return slope, intercept
