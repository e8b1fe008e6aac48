"""Composite indices: 0–100, coverage 0–1, missing never read as 0 or perfect."""

from __future__ import annotations

import math

import pytest
from cityscore_support import PROPERTY
from hypothesis import given
from hypothesis import strategies as st

from cityscore import composite
from cityscore.composite import CompositeResult
from cityscore.errors import InvalidValue, UnknownZone


def _check(result: CompositeResult) -> None:
    assert 0.0 <= result.coverage <= 1.0
    if result.value is None:
        assert result.coverage == 0.0
    else:
        assert 0.0 <= result.value <= 100.0
        total = sum(c.contribution for c in result.components.values())
        assert total == pytest.approx(result.value)
    present = sum(c.weight for c in result.components.values() if c.score is not None)
    assert result.coverage == pytest.approx(present)


def test_best_and_worst_inputs() -> None:
    best = composite.green_city_index(
        ispu=0,
        congestion_level_pct=0,
        bins_not_overflowing_share=1,
        collection_efficiency=1,
        noise_dba=40,
    )
    worst = composite.green_city_index(
        ispu=400,
        congestion_level_pct=250,
        bins_not_overflowing_share=0,
        collection_efficiency=0,
        noise_dba=90,
    )
    assert (best.value, best.coverage) == (100.0, 1.0)
    assert (worst.value, worst.coverage) == (0.0, 1.0)


def test_missing_inputs_lower_coverage_and_are_not_zero_or_perfect() -> None:
    only_air = composite.green_city_index(ispu=150)
    assert only_air.coverage == pytest.approx(0.35)
    assert only_air.value == pytest.approx(50.0)  # renormalised: air alone decides
    assert only_air.components["noise"].score is None
    assert only_air.components["noise"].contribution == 0.0
    empty = composite.safety_index()
    assert empty.value is None and empty.coverage == 0.0


def test_normalisations() -> None:
    assert composite.air_quality_score(75) == pytest.approx(75.0)
    assert composite.air_quality_score(300) == 0.0
    assert composite.mobility_score(30) == pytest.approx(70.0)
    assert composite.mobility_score(-10) == 100.0
    assert composite.noise_score(55) == 100.0
    assert composite.noise_score(60) == pytest.approx(50.0)
    assert composite.noise_score(70, zone="industri") == 100.0


def test_safety_index_weights_and_contributions() -> None:
    result = composite.safety_index(hazardous_air_share=0.0, speeding_share=0.5)
    assert result.coverage == pytest.approx(0.5)
    # 0.3/0.5 × 100 + 0.2/0.5 × 50
    assert result.value == pytest.approx(80.0)
    assert result.components["speeding"].effective_weight == pytest.approx(0.4)


def test_bad_inputs() -> None:
    with pytest.raises(InvalidValue, match="speeding_share"):
        composite.safety_index(speeding_share=1.5)
    with pytest.raises(InvalidValue, match="not finite"):
        composite.green_city_index(ispu=math.nan)
    with pytest.raises(UnknownZone):
        composite.green_city_index(noise_zone="mars")


shares = st.one_of(st.none(), st.floats(0, 1))


@PROPERTY
@given(
    st.one_of(st.none(), st.floats(0, 1000)),
    st.one_of(st.none(), st.floats(-50, 500)),
    shares,
    shares,
    st.one_of(st.none(), st.floats(0, 140)),
)
def test_green_city_index_within_bounds(
    ispu: float | None,
    congestion: float | None,
    not_overflowing: float | None,
    efficiency: float | None,
    noise_dba: float | None,
) -> None:
    _check(
        composite.green_city_index(
            ispu=ispu,
            congestion_level_pct=congestion,
            bins_not_overflowing_share=not_overflowing,
            collection_efficiency=efficiency,
            noise_dba=noise_dba,
        )
    )


@PROPERTY
@given(shares, shares, shares, shares, shares)
def test_safety_index_within_bounds(
    a: float | None, b: float | None, c: float | None, d: float | None, e: float | None
) -> None:
    _check(
        composite.safety_index(
            hazardous_air_share=a,
            bin_fire_risk_share=b,
            gridlock_share=c,
            speeding_share=d,
            night_noise_share=e,
        )
    )


@PROPERTY
@given(st.floats(0, 500), st.floats(0, 500))
def test_worse_air_never_raises_the_green_index(a: float, b: float) -> None:
    low, high = sorted((a, b))
    better = composite.green_city_index(ispu=low, congestion_level_pct=20).value
    worse = composite.green_city_index(ispu=high, congestion_level_pct=20).value
    assert better is not None and worse is not None and worse <= better
