"""Small numeric helpers of the benchmarks (pure)."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0–1); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def poll_until(
    predicate: Callable[[], bool], timeout_s: float, step_s: float = 0.1
) -> float | None:
    """Monotonic time when ``predicate()`` became true, None on timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(step_s)
    return None


@dataclass(frozen=True)
class Sample:
    """Counters of every stage at one moment (``t``: seconds since the run began)."""

    t: float
    counters: dict[str, float]


def rate_between(samples: Sequence[Sample], name: str, start: float, end: float) -> float:
    """Average rate of counter ``name`` from the first sample at/after ``start`` to the
    last at/before ``end`` (0 if the window holds fewer than two samples)."""
    inside = [s for s in samples if start <= s.t <= end]
    if len(inside) < 2 or inside[-1].t <= inside[0].t:
        return 0.0
    first, last = inside[0], inside[-1]
    return (last.counters.get(name, 0.0) - first.counters.get(name, 0.0)) / (last.t - first.t)


def per_second(samples: Sequence[Sample], name: str) -> list[tuple[float, float]]:
    """(t, rate) between consecutive samples: the series the plot draws."""
    out = []
    for a, b in itertools.pairwise(samples):
        if b.t > a.t:
            out.append((b.t, (b.counters.get(name, 0.0) - a.counters.get(name, 0.0)) / (b.t - a.t)))
    return out


def bucket_percentiles(
    points: Sequence[tuple[float, float]], width_s: float = 1.0, qs: Sequence[float] = (0.5, 0.99)
) -> list[tuple[float, list[float]]]:
    """Group (t, value) points into buckets of ``width_s`` and give each bucket's
    percentiles: [(bucket start, [p for q in qs])], in time order."""
    buckets: dict[int, list[float]] = {}
    for t, v in points:
        buckets.setdefault(int(t // width_s), []).append(v)
    return [(k * width_s, [percentile(vs, q) for q in qs]) for k, vs in sorted(buckets.items())]


def rate_in(times: Sequence[float], start: float, end: float) -> float:
    """Events per second with a time in [start, end] (0 for an empty window)."""
    if end <= start:
        return 0.0
    return sum(1 for t in times if start <= t <= end) / (end - start)


def counts_per_second(times: Sequence[float]) -> list[tuple[float, float]]:
    """(end of second, events in it) for each whole second that has events."""
    per: dict[int, int] = {}
    for t in times:
        k = int(t // 1)
        per[k] = per.get(k, 0) + 1
    return [(float(k + 1), float(n)) for k, n in sorted(per.items())]
