"""The numpy path gives exactly the scalar results."""

from __future__ import annotations

import math

import numpy as np
import pytest
from cityscore_support import PROPERTY
from hypothesis import given
from hypothesis import strategies as st

from cityscore import aqi, ispu, vectorised
from cityscore.errors import InvalidConcentration, OutsideTableRange, UnknownPollutant
from cityscore.tables import aqi as aqi_table
from cityscore.tables import ispu as ispu_table

AQI_FULL = ["pm25", "pm10", "co", "no2", "o3_8h", "so2"]


def _aqi_upper(key: str) -> float:
    top = aqi_table.TABLES[key].bands[-1].c_hi
    return top if key in aqi_table.HANDOFF_ABOVE_TOP else top * 1.5


def test_bulk_random_sample_matches_scalar_exactly() -> None:
    rng = np.random.default_rng(2026)
    n = 5000
    ispu_in = {p: rng.uniform(0, xs[-1] * 1.2, n) for p, xs in ispu_table.BREAKPOINTS_UGM3.items()}
    aqi_in = {k: rng.uniform(0, _aqi_upper(k), n) for k in AQI_FULL}
    # include every breakpoint exactly
    for p, xs in ispu_table.BREAKPOINTS_UGM3.items():
        ispu_in[p][: len(xs)] = xs
    got_ispu = vectorised.ispu_index(ispu_in)
    got_aqi = vectorised.aqi_index(aqi_in)
    for i in range(n):
        expected = ispu.index({p: float(v[i]) for p, v in ispu_in.items()})
        assert got_ispu.value[i] == expected.value
        assert got_ispu.critical[i] == expected.critical
        assert got_ispu.category[i] == expected.category
        assert bool(got_ispu.beyond_table[i]) == expected.beyond_table
        expected_aqi = aqi.index({k: float(v[i]) for k, v in aqi_in.items()})
        assert got_aqi.value[i] == expected_aqi.value
        assert got_aqi.critical[i] == expected_aqi.critical
        assert got_aqi.category[i] == expected_aqi.category
        assert bool(got_aqi.beyond_index[i]) == expected_aqi.beyond_index


@PROPERTY
@given(st.data(), st.sampled_from(list(aqi_table.POLLUTANTS)))
def test_aqi_sub_index_matches_scalar(data: st.DataObject, key: str) -> None:
    lo = aqi_table.TABLES[key].bands[0].c_lo
    values = data.draw(
        st.lists(st.floats(lo, _aqi_upper(key), allow_nan=False), min_size=1, max_size=20)
    )
    got = vectorised.aqi_sub_index(key, values)
    assert got.tolist() == [aqi.sub_index(key, v) for v in values]


@PROPERTY
@given(st.sampled_from(ispu_table.POLLUTANTS), st.lists(st.floats(0, 1e5), min_size=1))
def test_ispu_sub_index_matches_scalar(pollutant: str, values: list[float]) -> None:
    got = vectorised.ispu_sub_index(pollutant, values)
    assert got.tolist() == [ispu.sub_index(pollutant, v) for v in values]


def test_errors_match_the_scalar_path() -> None:
    with pytest.raises(InvalidConcentration, match="negative"):
        vectorised.ispu_sub_index("pm25", [1.0, -2.0])
    with pytest.raises(InvalidConcentration, match="not finite"):
        vectorised.aqi_sub_index("pm25", [math.nan])
    with pytest.raises(UnknownPollutant):
        vectorised.ispu_index({"pm1": [1.0]})
    with pytest.raises(OutsideTableRange):
        vectorised.aqi_sub_index("o3_8h", [0.05, 0.25])
    with pytest.raises(OutsideTableRange):
        vectorised.aqi_sub_index("o3_1h", [0.1])


@PROPERTY
@given(
    st.lists(
        st.tuples(st.integers(0, 200), st.floats(0, 120, allow_nan=False)),
        min_size=0,
        max_size=96,
    )
)
def test_theil_sen_matches_the_scalar_fit_exactly(points) -> None:
    """Same slopes, same medians: the bin time-to-full is the same whichever path."""
    from cityscore import _series

    xs = [x / 12 for x, _ in points]  # hours, with repeats (equal x give no slope)
    ys = [y for _, y in points]
    assert vectorised.theil_sen(xs, ys) == _series.theil_sen(xs, ys)
