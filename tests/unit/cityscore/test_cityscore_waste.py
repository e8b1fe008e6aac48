"""Waste: time to full (resets, noise), overflowing, service requests, efficiency."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from statistics import median

import pytest
from cityscore_support import PROPERTY, T0, fill_series
from hypothesis import given
from hypothesis import strategies as st

from cityscore import _checks, _series, waste
from cityscore.errors import InvalidSeries, InvalidValue
from cityscore.tables import policy

H = timedelta(hours=1)


def test_linear_fill() -> None:
    # 10 % + 5 %/h, newest 45 %: 55 points left at 5 %/h = 11 h
    assert waste.time_to_full(fill_series([10 + 5 * i for i in range(8)])) == 11 * H


def test_uses_only_samples_after_the_last_collection_reset() -> None:
    samples = fill_series([40, 60, 80, 95, 5, 10, 15, 20])
    assert waste.time_to_full(samples) == 16 * H


def test_robust_to_noisy_readings() -> None:
    levels = [10.0 + 5 * i for i in range(12)]
    levels[4] = 97.0  # lid open: ultrasonic spike
    levels[8] = 0.0  # glitch low, back to normal next sample: not a reset
    remaining = waste.time_to_full(fill_series(levels))
    assert remaining is not None
    # the fit ignores both: 5 %/h, newest fitted level 65 % -> 7 h
    assert remaining == pytest.approx(7 * H, abs=timedelta(minutes=1))


def test_custom_full_level_and_already_full() -> None:
    assert waste.time_to_full(fill_series([50, 60, 70]), full=80) == 1 * H
    assert waste.time_to_full(fill_series([80, 90, 100])) == timedelta(0)


@pytest.mark.parametrize(
    "levels",
    [
        [50.0, 50.0, 50.0, 50.0],  # not filling
        [60.0, 55.0, 50.0],  # emptying slowly (compaction)
        [10.0, 20.0],  # too few samples
        [70.0, 80.0, 90.0, 5.0, 10.0],  # too few since the reset
        [],
    ],
)
def test_none_when_not_filling_or_too_few_samples(levels: list[float]) -> None:
    assert waste.time_to_full(fill_series(levels)) is None


def test_order_of_samples_does_not_matter() -> None:
    samples = fill_series([10, 15, 20, 25, 30])
    assert waste.time_to_full(list(reversed(samples))) == waste.time_to_full(samples)


def test_sample_count_is_bounded() -> None:
    samples = fill_series([(i % 50) * 2.0 for i in range(500)], step=timedelta(minutes=10))
    assert waste.time_to_full(samples) is not None


def test_bad_samples() -> None:
    naive = datetime(2026, 1, 1)
    with pytest.raises(InvalidSeries, match="aware and naive"):
        waste.time_to_full([(T0, 10.0), (naive, 20.0), (T0 + H, 30.0)])
    with pytest.raises(InvalidValue, match="negative"):
        waste.time_to_full(fill_series([10.0, -5.0, 20.0]))
    with pytest.raises(InvalidSeries, match="pair"):
        waste.time_to_full([(T0, 10.0, 1)])  # type: ignore[list-item]
    with pytest.raises(InvalidValue, match="full"):
        waste.time_to_full(fill_series([1, 2, 3]), full=0)


def test_overflowing() -> None:
    assert not waste.overflowing(89.9)
    assert waste.overflowing(90.0)
    assert waste.overflowing(75.0, threshold=75.0)
    with pytest.raises(InvalidValue):
        waste.overflowing(float("nan"))


def test_service_requests_from_a_fill_series() -> None:
    samples = fill_series([50, 70, 85, 90, 95, 5, 20, 60, 82])
    assert waste.service_requests(samples) == [
        waste.ServiceRequest(T0 + 2 * H, T0 + 5 * H),
        waste.ServiceRequest(T0 + 8 * H, None),
    ]


def test_collection_efficiency() -> None:
    as_of = T0 + 100 * H
    requests = [
        waste.ServiceRequest(T0, T0 + 2 * H),  # on time
        waste.ServiceRequest(T0, T0 + 30 * H),  # late
        waste.ServiceRequest(T0, None),  # missed, deadline passed
        waste.ServiceRequest(as_of - H, None),  # pending: not yet judged
        waste.ServiceRequest(as_of - H, as_of),  # emptied early: on time
    ]
    assert waste.collection_efficiency(requests, as_of) == pytest.approx(2 / 4)
    assert waste.collection_efficiency([], as_of) is None
    assert waste.collection_efficiency(requests[3:4], as_of) is None


def test_collection_efficiency_bad_input() -> None:
    with pytest.raises(InvalidSeries, match="before needed_at"):
        waste.collection_efficiency([waste.ServiceRequest(T0, T0 - H)], T0)
    with pytest.raises(InvalidSeries, match="window"):
        waste.collection_efficiency([], T0, window=timedelta(0))


@PROPERTY
@given(
    start=st.floats(0, 60),
    rate=st.floats(0.5, 20),
    count=st.integers(3, 40),
    full=st.floats(70, 100),
)
def test_linear_series_prediction(start: float, rate: float, count: int, full: float) -> None:
    levels = [start + rate * i for i in range(count)]
    remaining = waste.time_to_full(fill_series(levels), full=full)
    expected = max(full - levels[-1], 0.0) / rate
    assert remaining is not None
    assert remaining / H == pytest.approx(expected, abs=1e-6)


@PROPERTY
@given(st.lists(st.floats(0, 100), min_size=2, max_size=20), st.data())
def test_collection_efficiency_is_a_share(offsets: list[float], data: st.DataObject) -> None:
    requests = [
        waste.ServiceRequest(
            T0 + h * H,
            data.draw(st.one_of(st.none(), st.just(T0 + (h + data.draw(st.floats(0, 48))) * H))),
        )
        for h in offsets
    ]
    result = waste.collection_efficiency(requests, T0 + 200 * H)
    assert result is None or 0.0 <= result <= 1.0


def test_time_to_full_of_an_almost_flat_series_is_no_prediction() -> None:
    """Regression: a slope of ~1e-12 %/h overflowed timedelta instead of saying None."""
    base = datetime(2026, 11, 28, tzinfo=UTC)
    samples = [
        (base + timedelta(minutes=5 * i), 40.0 + (1e-12 if i % 2 else 0.0)) for i in range(20)
    ]
    samples[-1] = (samples[-1][0], 40.000000001)
    assert waste.time_to_full(samples) is None


_LEVELS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 100), st.booleans()
)


@given(st.lists(st.tuples(st.integers(0, 10_000), st.booleans(), _LEVELS), min_size=0, max_size=12))
def test_series_check_fast_path_agrees_with_the_item_by_item_check(items) -> None:
    samples = [
        ((T0 if aware else T0.replace(tzinfo=None)) + timedelta(minutes=m), level)
        for m, aware, level in items
    ]

    def one_by_one() -> list[tuple[datetime, float]]:
        out = [(ts, _checks.non_negative("fill", level)) for ts, level in samples]
        if len({ts.tzinfo is None for ts, _ in out}) > 1:
            raise InvalidSeries("samples", "mixes")
        return sorted(out, key=lambda s: s[0])

    try:
        expected: object = one_by_one()
    except (InvalidValue, InvalidSeries) as exc:
        expected = type(exc)
    try:
        got: object = list(_series.checked(samples))
    except (InvalidValue, InvalidSeries) as exc:
        got = type(exc)
    assert got == expected


def test_a_checked_series_is_not_checked_again() -> None:
    series = _series.checked(fill_series([10, 20, 30]))
    assert _series.checked(series) is series
    assert _series.checked(list(series)) is not series
    assert waste.validated(series) is series
    with pytest.raises(InvalidValue):
        waste.validated(fill_series([10.0, float("nan")]))
    with pytest.raises(InvalidValue):  # an iterator is read once, by either path
        _series.checked(iter(fill_series([10.0, -1.0])))


@given(
    levels=st.lists(st.floats(0, 100), max_size=30),
    since=st.integers(-2, 32),
    length=st.integers(0, 35),
)
def test_a_window_of_a_checked_series_is_its_samples_in_the_window_still_checked(
    levels, since, length
) -> None:
    series = waste.validated(fill_series(levels))
    start, end = T0 + timedelta(hours=since), T0 + timedelta(hours=since + length)
    part = waste.between(series, start, end)
    assert list(part) == [s for s in series if start <= s[0] < end]
    assert waste.validated(part) is part
    with pytest.raises(InvalidValue):  # an unchecked series is checked first
        waste.between(fill_series([10.0, -1.0]), start, end)


def _requests_sample_by_sample(levels: list[float], threshold: float) -> list[tuple]:
    """The definition walked one sample at a time (what service_requests must equal)."""
    series = fill_series(levels)
    resets = set(
        _series.reset_positions(
            levels, policy.RESET_DROP_PERCENT_POINTS, policy.RESET_CONFIRM_SAMPLES
        )
    )
    out, opened = [], None
    for position, (ts, level) in enumerate(series):
        if position in resets and opened is not None:
            out.append((opened, ts))
            opened = None
        if opened is None and level >= threshold and position not in resets:
            opened = ts
    return out + ([(opened, None)] if opened is not None else [])


@PROPERTY
@given(
    st.lists(st.sampled_from([0.0, 3.0, 10.0, 45.0, 79.9, 80.0, 85.0, 99.0]), max_size=60),
    st.sampled_from([5.0, 50.0, 80.0]),  # 5: a reset sample may be above it
)
def test_service_requests_equal_the_sample_by_sample_definition(levels, threshold) -> None:
    got = waste.service_requests(fill_series(levels), threshold=threshold)
    assert [(r.needed_at, r.emptied_at) for r in got] == _requests_sample_by_sample(
        levels, threshold
    )


@PROPERTY
@given(st.lists(st.floats(0, 100), max_size=40), st.sampled_from([1, 3]))
def test_reset_positions_equal_a_check_of_every_position(levels, confirm) -> None:
    want = [
        i
        for i in range(1, len(levels))
        if levels[i - 1] - levels[i] >= 30.0
        and median(levels[max(0, i - confirm) : i]) - median(levels[i : i + confirm]) >= 30.0
    ]
    assert _series.reset_positions(levels, 30.0, confirm) == want
