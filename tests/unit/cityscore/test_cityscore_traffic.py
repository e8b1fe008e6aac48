"""Traffic: PM 96/2015 LOS bands, KM 14/2006 speed LOS, TomTom congestion, V/C."""

from __future__ import annotations

import math

import pytest
from cityscore_support import PROPERTY
from hypothesis import given
from hypothesis import strategies as st

from cityscore import traffic
from cityscore.errors import InvalidValue, UnknownLevelOfService


@pytest.mark.parametrize(
    ("ratio", "los"),
    [
        (0.0, "A"), (0.20, "A"), (0.2001, "B"), (0.44, "B"), (0.4401, "C"), (0.74, "C"),
        (0.7401, "D"), (0.84, "D"), (0.8401, "E"), (1.00, "E"), (1.0001, "F"), (3.0, "F"),
    ],
)  # fmt: skip
def test_pm96_bands_half_open_on_the_upper_side(ratio: float, los: str) -> None:
    assert traffic.level_of_service(ratio) == los


@pytest.mark.parametrize(
    ("speed", "los"),
    [(120, "A"), (80, "A"), (79.9, "B"), (40, "B"), (39.9, "C"), (30, "C"), (29.9, "D"),
     (25, "D"), (24.9, "E"), (15, "E"), (14.9, "F"), (0, "F")],
)  # fmt: skip
def test_km14_speed_bands(speed: float, los: str) -> None:
    assert traffic.speed_level_of_service(speed) == los


def test_tomtom_published_example() -> None:
    # A 30-minute free-flow trip that takes 45 minutes is 50 % congestion
    # (gparashar.com/blog/tomtom-traffic-index): over a fixed distance speed is 2/3.
    assert traffic.congestion_level(40.0, 60.0) == pytest.approx(50.0)
    assert traffic.congestion_level(60.0, 60.0) == 0.0
    assert traffic.congestion_level(30.0, 60.0) == pytest.approx(100.0)


def test_vc_ratio_and_flow() -> None:
    assert traffic.vc_ratio(1700, 2000) == pytest.approx(0.85)
    assert traffic.level_of_service(traffic.vc_ratio(1700, 2000)) == "E"
    assert traffic.hourly_flow(50, 300) == 600.0
    assert traffic.speed_ratio(30, 60) == 0.5
    assert traffic.los_rank("A") == 0 and traffic.los_rank("F") == 5


@pytest.mark.parametrize("capacity", [0.0, -10.0, math.nan])
def test_vc_ratio_rejects_capacity_not_above_zero(capacity: float) -> None:
    with pytest.raises(InvalidValue, match="capacity_pcu_h"):
        traffic.vc_ratio(100, capacity)


def test_other_bad_input() -> None:
    with pytest.raises(InvalidValue, match=r"flow_pcu_h.*negative"):
        traffic.vc_ratio(-1, 100)
    with pytest.raises(InvalidValue, match="speed_kmh"):
        traffic.congestion_level(0.0, 50.0)
    with pytest.raises(InvalidValue, match="vc_ratio"):
        traffic.level_of_service(math.inf)
    with pytest.raises(UnknownLevelOfService, match="'G'"):
        traffic.los_rank("G")


ratios = st.floats(min_value=0, max_value=10, allow_nan=False)


@PROPERTY
@given(ratios, ratios)
def test_los_is_monotone_in_vc(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert traffic.los_rank(traffic.level_of_service(low)) <= traffic.los_rank(
        traffic.level_of_service(high)
    )


@PROPERTY
@given(st.floats(0.1, 200), st.floats(0.1, 200), st.floats(1, 200))
def test_congestion_falls_as_speed_rises(a: float, b: float, free_flow: float) -> None:
    low, high = sorted((a, b))
    assert traffic.congestion_level(low, free_flow) >= traffic.congestion_level(high, free_flow)
