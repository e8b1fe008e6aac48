"""EPA PM NowCast: published worked example, completeness, missing hours, properties."""

from __future__ import annotations

import math
import statistics

import pytest
from cityscore_support import PROPERTY
from hypothesis import given
from hypothesis import strategies as st

from cityscore import aqi
from cityscore.errors import InvalidConcentration, InvalidSeries

# "Computing the NowCast" (EPA/AirNow training slides,
# https://cdn.slideserve.com/brina/computing-the-nowcast): 12 hours listed oldest first
# 50 80 75 90 82 53 64 74 21 10 16 13; range 80, scaled rate 80/90, weight 0.11 -> 0.5;
# "13*(.5)^0 + 16*(.5)^1 + 10*(.5)^2 + … = 17.4 ug/m3".
SLIDES_OLDEST_FIRST = [50, 80, 75, 90, 82, 53, 64, 74, 21, 10, 16, 13]


def test_published_worked_example_gives_17_4() -> None:
    recent_first = list(reversed(SLIDES_OLDEST_FIRST))
    value = aqi.nowcast(recent_first)
    assert value is not None
    assert aqi.truncate("pm25", value) == 17.4
    assert value == pytest.approx(17.4139, abs=1e-4)


def test_weight_is_min_over_max_when_above_the_floor() -> None:
    # c = 20, 16 -> w = 0.8: (20 + 0.8*16) / 1.8
    assert aqi.nowcast([20.0, 16.0]) == pytest.approx((20 + 0.8 * 16) / 1.8)


def test_missing_hours_are_skipped_in_both_sums() -> None:
    # hours 0 and 2 present, w = 0.5 floor: (10 + 0.25*40) / (1 + 0.25)
    assert aqi.nowcast([10.0, None, 40.0]) == pytest.approx((10 + 0.25 * 40) / 1.25)


def test_completeness_none_only_when_both_recent_hours_missing() -> None:
    assert aqi.nowcast([None, None, 30.0, 30.0]) is None
    assert aqi.nowcast([]) is None
    assert aqi.nowcast([None, 12.0, 30.0]) is not None
    assert aqi.nowcast([12.0, None, 30.0]) is not None
    assert aqi.nowcast([12.0]) == 12.0


def test_all_zero_hours_give_zero() -> None:
    assert aqi.nowcast([0.0] * 12) == 0.0


def test_bad_series_raise_typed_errors() -> None:
    with pytest.raises(InvalidSeries, match="13 values"):
        aqi.nowcast([1.0] * 13)
    with pytest.raises(InvalidConcentration, match=r"hourly\[2\].*negative"):
        aqi.nowcast([1.0, 2.0, -3.0])
    with pytest.raises(InvalidConcentration, match="not finite"):
        aqi.nowcast([math.nan])


@PROPERTY
@given(st.floats(min_value=0, max_value=1000), st.integers(min_value=1, max_value=12))
def test_constant_input_equals_the_plain_mean(value: float, hours: int) -> None:
    result = aqi.nowcast([value] * hours)
    assert result == pytest.approx(statistics.fmean([value] * hours), rel=1e-12, abs=1e-12)


@PROPERTY
@given(
    st.lists(st.one_of(st.none(), st.floats(min_value=0, max_value=1000)), min_size=1, max_size=12)
)
def test_nowcast_lies_between_the_present_extremes(hourly: list[float | None]) -> None:
    result = aqi.nowcast(hourly)
    present = [v for v in hourly if v is not None]
    if hourly[0] is None and (len(hourly) < 2 or hourly[1] is None):
        assert result is None
    else:
        assert result is not None
        assert min(present) - 1e-9 <= result <= max(present) + 1e-9
