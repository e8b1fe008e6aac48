"""Apply a cityscore rule to a year of hourly values without calling it a million times.

Every threshold rule the export applies per hour is *monotone* in the value it judges:
a fuller bin is never "less overflowing", a higher V/C never gives a better LOS, a hotter
bin never less at risk of fire. For such a rule the cityscore function itself is asked,
by bisection over the sorted distinct values, where each class begins (a dozen calls
instead of one per hour); each hour is then placed by comparing with those boundaries.
The decision stays cityscore's; a unit test checks the result equals calling the rule
on every value.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence


def boundary(values: Sequence[float], rule: Callable[[float], bool]) -> float | None:
    """The smallest of ``values`` for which the monotone ``rule`` holds; None if none."""
    ordered = sorted(set(values))
    first = bisect_left(ordered, True, key=rule)
    return ordered[first] if first < len(ordered) else None


def flags(values: Sequence[float], rule: Callable[[float], bool]) -> list[bool]:
    """``[rule(v) for v in values]`` for a monotone ``rule``."""
    edge = boundary(values, rule)
    return [False] * len(values) if edge is None else [v >= edge for v in values]


def ranks(values: Sequence[float], rank: Callable[[float], int], top: int) -> list[int]:
    """``[rank(v) for v in values]`` for a non-decreasing step ``rank`` in ``0 … top``."""
    ordered = sorted(set(values))
    if not ordered:
        return []
    base = rank(ordered[0])
    edges = [
        ordered[i]
        for level in range(base + 1, top + 1)
        if (i := bisect_left(ordered, level, key=rank)) < len(ordered)
    ]
    return [base + bisect_right(edges, v) for v in values]
