"""EPA PM NowCast (STANDARDS §2.4 [V]); public as :func:`cityscore.aqi.nowcast`."""

from __future__ import annotations

from collections.abc import Sequence

from cityscore import _checks
from cityscore.errors import InvalidSeries
from cityscore.tables import aqi as table

__all__ = ["nowcast"]


def nowcast(hourly: Sequence[float | None]) -> float | None:
    """PM NowCast in the input's unit (µg/m³), not yet truncated.

    ``hourly`` holds up to 12 hourly means, **most recent hour first** (``hourly[0]`` is
    c1, ``hourly[i]`` was measured ``i`` hours ago); ``None`` marks a missing hour.

    1. w = c_min / c_max over the present hours (= 1 − range / c_max); w = 1 if all are 0.
    2. w is floored at 0.5 (PM).
    3. NowCast = Σ w^i·c_i / Σ w^i over present hours only — a missing hour is skipped
       in both sums, so its weight does not shift the others.

    Completeness (the reading we implement, as issue 4 states it): the result is
    ``None`` when **both** of the two most recent hours (c1 and c2) are missing. Other
    sources are stricter — "not reported when c1 *or* c2 is missing" (everybodywiki) and
    "at least 2 of the 3 most recent hours" (EPA TAD) [C] — callers that need those can
    check before calling. Convert the result with :func:`cityscore.aqi.sub_index`
    (``pm25``/``pm10``), which truncates it.

    Raises :class:`~cityscore.errors.InvalidSeries` for more than 12 values and
    :class:`~cityscore.errors.InvalidConcentration` for a negative, NaN or infinite hour.
    """
    if len(hourly) > table.NOWCAST_HOURS:
        raise InvalidSeries(
            "hourly", f"has {len(hourly)} values; NowCast uses at most {table.NOWCAST_HOURS}"
        )
    present = [
        (hours_ago, _checks.concentration(f"hourly[{hours_ago}]", value))
        for hours_ago, value in enumerate(hourly)
        if value is not None
    ]
    recent = {hours_ago for hours_ago, _ in present if hours_ago < 2}
    if not recent:
        return None
    c_max = max(value for _, value in present)
    c_min = min(value for _, value in present)
    weight = 1.0 if c_max == 0.0 else c_min / c_max
    weight = max(weight, table.NOWCAST_PM_WEIGHT_FLOOR)
    numerator = sum(weight**hours_ago * value for hours_ago, value in present)
    denominator = sum(weight**hours_ago for hours_ago, _ in present)
    return numerator / denominator
