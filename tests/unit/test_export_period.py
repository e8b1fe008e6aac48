"""cityscore.period and kotacerdas.export.classify: period statistics the export relies on."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityscore import period, safety, traffic, waste, who
from cityscore.errors import InvalidValue
from kotacerdas.export import classify

PROPERTY = settings(database=None, deadline=None, max_examples=150)
T0 = datetime(2026, 10, 1, tzinfo=UTC)


def naive_rolling(means, counts, first, window=24, min_hours=18):
    out = []
    for i in range(first, len(means)):
        lo = max(0, i - window + 1)
        hours = [(m, n) for m, n in zip(means[lo : i + 1], counts[lo : i + 1], strict=True)
                 if m is not None and n > 0]  # fmt: skip
        if len(hours) >= min_hours:
            out.append((i, sum(m * n for m, n in hours) / sum(n for _, n in hours)))
    return out


def test_merged_mean_is_the_rollup_merge() -> None:
    assert period.merged_mean([(10.0, 2), (40.0, 1), (None, 0), (99.0, 0)]) == (20.0, 3)
    assert period.merged_mean([(None, 0)]) is None


def test_mean_of_daily_means_is_the_iso_37120_formula() -> None:
    assert period.mean_of_daily_means([10.0, 20.0, 60.0]) == (30.0, 90.0, 3)
    assert period.mean_of_daily_means([]) is None


@PROPERTY
@given(
    hours=st.lists(
        st.one_of(st.none(), st.tuples(st.floats(0, 500, allow_nan=False), st.integers(1, 60))),
        min_size=0, max_size=80,
    ),
    first=st.integers(0, 30),
)  # fmt: skip
def test_rolling_means_equal_the_naive_computation(hours, first) -> None:
    means = [h[0] if h else None for h in hours]
    counts = [h[1] if h else 0 for h in hours]
    got = period.rolling_means(means, counts, min(first, len(hours)))
    want = naive_rolling(means, counts, min(first, len(hours)))
    assert [i for i, _ in got] == [i for i, _ in want]
    for (_, a), (_, b) in zip(got, want, strict=True):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-6)


def test_rolling_mean_needs_18_of_24_hours() -> None:
    means = [10.0] * 17 + [None] * 6 + [10.0, 10.0]
    counts = [1] * 17 + [0] * 6 + [1, 1]
    assert period.rolling_means(means, counts, 22)[0] == (23, 10.0)  # hour 22: only 17 of 23
    assert period.rolling_means(means, counts, 24) == [(24, 10.0)]  # hours 1–24: 16 + 2


def test_rolling_mean_on_the_guideline_is_not_above_it() -> None:
    """Integer micro-unit sums: 15.0 stays 15.0, so it meets the AQG rather than exceeds."""
    values = [14.7, 15.3] * 12
    rolling = [m for _, m in period.rolling_means(values, [60] * 24, 23)]
    assert rolling == [15.0]
    assert period.count_above(rolling, who.levels("pm25", "24h")["AQG"]) == 0


@PROPERTY
@given(st.lists(st.floats(0, 200, allow_nan=False), max_size=40))
def test_count_above_agrees_with_who_exceedances(values) -> None:
    aqg = who.levels("pm25", "24h")["AQG"]
    assert period.count_above(values, aqg) == sum(
        "AQG" in who.exceedances("pm25", "24h", v) for v in values
    )


def test_run_starts_count_an_overflow_once_however_long() -> None:
    flags = [False, True, True, True, False, True, False, False, True]
    assert period.run_starts(flags) == [1, 5, 8]
    assert period.run_starts([True, True]) == [0]


def test_percent_and_uptime_say_no_evidence_instead_of_zero() -> None:
    assert period.percent(3, 4) == 75.0
    assert period.percent(0, 0) is None
    assert period.uptime(36, 60) == 0.6
    assert period.uptime(90, 60) == 1.0
    assert period.uptime(0, 0) is None


def test_distribution_lists_every_category_and_refuses_strangers() -> None:
    assert period.distribution(["a", "a", "c"], ("a", "b", "c")) == {
        "a": pytest.approx(200 / 3), "b": 0.0, "c": pytest.approx(100 / 3)
    }  # fmt: skip
    assert period.distribution([], ("a",)) is None
    with pytest.raises(InvalidValue):
        period.distribution(["z"], ("a",))


def test_bulk_validation_names_a_bad_value() -> None:
    with pytest.raises(InvalidValue, match="not finite"):
        period.mean([1.0, float("nan")])
    with pytest.raises(InvalidValue, match="not a number"):
        period.median([1.0, True])  # type: ignore[list-item]


@PROPERTY
@given(st.lists(st.tuples(st.integers(0, 200), st.one_of(st.none(), st.integers(0, 60))),
                max_size=12), st.integers(0, 300))  # fmt: skip
def test_collection_counts_match_the_waste_module(raw, as_of_h) -> None:
    requests = [
        waste.ServiceRequest(T0 + timedelta(hours=h),
                             None if e is None else T0 + timedelta(hours=h + e))
        for h, e in raw
    ]  # fmt: skip
    as_of = T0 + timedelta(hours=as_of_h)
    on_time, due = period.collection_counts(requests, as_of)
    share = waste.collection_efficiency(requests, as_of)
    assert (share is None) == (due == 0)
    if due:
        assert on_time / due == pytest.approx(share)


# --- classify: monotone rules applied through their boundaries -------------------------


@PROPERTY
@given(st.lists(st.floats(0, 130, allow_nan=False), max_size=200))
def test_overflow_flags_equal_calling_the_rule_per_value(levels) -> None:
    assert classify.flags(levels, waste.overflowing) == [waste.overflowing(v) for v in levels]


@PROPERTY
@given(st.lists(st.floats(-5, 90, allow_nan=False), max_size=200), st.floats(0, 50))
def test_fire_flags_equal_calling_the_rule_per_value(temps, baseline) -> None:
    def rule(t: float) -> bool:
        return safety.bin_fire_risk(t, baseline)

    assert classify.flags(temps, rule) == [rule(t) for t in temps]


@PROPERTY
@given(st.lists(st.floats(0, 5000, allow_nan=False), max_size=200), st.floats(100, 4000))
def test_los_ranks_equal_calling_the_rule_per_value(flows, capacity) -> None:
    def rank(flow: float) -> int:
        return traffic.los_rank(traffic.level_of_service(traffic.vc_ratio(flow, capacity)))

    assert classify.ranks(flows, rank, 5) == [rank(f) for f in flows]


def test_boundaries_on_exact_band_edges() -> None:
    rng = random.Random(7)
    flows = [400.0, 880.0, 880.0001, 1480.0, 1680.0, 2000.0, 2000.0001] + [
        rng.uniform(0, 3000) for _ in range(500)
    ]

    def rank(flow: float) -> int:
        return traffic.los_rank(traffic.level_of_service(traffic.vc_ratio(flow, 2000.0)))

    assert classify.ranks(flows, rank, 5) == [rank(f) for f in flows]
    assert classify.flags([89.999, 90.0, 90.001], waste.overflowing) == [False, True, True]
