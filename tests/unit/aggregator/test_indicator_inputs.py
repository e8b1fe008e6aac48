"""Reading several windows at once gives each window exactly its own inputs (pure part)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from aggregator.indicators.inputs import _SEEN_LOOKBACK, _slice, _slice_bins, merge_minutes
from aggregator.indicators.job import _runs
from aggregator.indicators.model import CityInputs, Rollup
from aggregator.indicators.sensors import waste_series

T = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
M = timedelta(minutes=1)


def test_each_window_gets_the_rollups_and_sightings_of_its_own_span():
    lookback = timedelta(minutes=30)
    times = [T - 200 * M + i * 7 * M for i in range(40)]  # one sensor, every 7 minutes
    minutes = {"s1": (times, [Rollup(t, {"v": float(i)}) for i, t in enumerate(times)])}
    ends = [T - 60 * M, T, T + 5 * M]
    windows = [CityInputs("c", "UTC", end, []) for end in ends]
    _slice(windows, minutes, lookback)
    for inputs in windows:
        want = [t for t in times if inputs.as_of - lookback <= t < inputs.as_of]
        assert [r.ts for r in inputs.rollups.get("s1", [])] == want
        seen = [t for t in times if inputs.as_of - _SEEN_LOOKBACK <= t < inputs.as_of]
        assert inputs.last_seen.get("s1") == (seen[-1] if seen else None)
        assert inputs.observed_since == (seen[0] if seen else None)


def test_windows_far_apart_are_read_separately():
    starts = [T, T + 5 * M, T + 10 * M, T + 3 * 60 * M, T + 3 * 60 * M + 5 * M]
    assert _runs(starts) == [starts[:3], starts[3:]]


def _read(table: dict[str, list[datetime]], since: datetime, until: datetime) -> dict:
    """What _minutes would read of ``table`` (sensor -> sorted bucket starts)."""
    out = {}
    for sid, times in sorted(table.items()):
        inside = [t for t in times if since <= t < until]
        if inside:
            out[sid] = (inside, [Rollup(t, {"v": 1.0}) for t in inside])
    return out


@given(
    before=st.dictionaries(st.sampled_from("abc"), st.sets(st.integers(0, 300)), max_size=3),
    after=st.dictionaries(st.sampled_from("abcd"), st.sets(st.integers(0, 400)), max_size=4),
    since_m=st.integers(0, 200),
    changed_m=st.integers(0, 400),
)
def test_kept_minutes_and_a_fresh_read_from_the_change_give_a_full_read(
    before, after, since_m, changed_m
):
    """The cache's merge: minutes before the change as they were, everything from the
    change on as read now, nothing before ``since``."""
    old_since, old_until, until = T, T + 300 * M, T + 400 * M
    as_of = {sid: sorted(T + m * M for m in ms) for sid, ms in before.items()}
    changed = T + changed_m * M
    fresh_from = max(T + since_m * M, min(changed, old_until))
    # the table now: unchanged before the change, anything from it on
    now = {
        sid: sorted(
            {t for t in as_of.get(sid, []) if t < changed}
            | {T + m * M for m in after.get(sid, set()) if T + m * M >= changed}
        )
        for sid in set(as_of) | set(after)
    }
    kept = _read(as_of, old_since, old_until)
    merge_minutes(kept, T + since_m * M, fresh_from, _read(now, fresh_from, until))
    want = _read(now, T + since_m * M, until)
    assert {sid: times for sid, (times, _) in kept.items()} == {
        sid: times for sid, (times, _) in want.items()
    }
    assert all([r.ts for r in rollups] == times for times, rollups in kept.values())


def test_bin_series_sliced_per_window_equal_those_read_from_each_windows_rollups():
    lookback = timedelta(hours=24)
    times = [T - 30 * 60 * M + i * 5 * M for i in range(400)]  # a bin every 5 minutes
    rollups = [
        Rollup(
            t,
            {
                "fill_level_avg": None if i % 17 == 0 else float(i % 90),
                "temperature_max": None if i % 13 == 0 else 30.0 + i % 7,
            },
        )
        for i, t in enumerate(times)
    ]
    minutes = {"b1": (times, rollups)}
    ends = [T - 60 * M, T - 55 * M, T, T + 3 * M]
    by_bins = [CityInputs("c", "UTC", end, []) for end in ends]
    by_rollups = [CityInputs("c", "UTC", end, []) for end in ends]
    _slice_bins(by_bins, minutes, lookback)
    _slice(by_rollups, minutes, lookback)
    for sliced, read in zip(by_bins, by_rollups, strict=True):
        want = waste_series(read.rollups["b1"], read.as_of)
        fills, temps = sliced.bins["b1"]
        assert (list(fills), list(temps)) == want and want[0] and want[1]


def test_a_bin_series_that_fails_its_check_is_still_sliced_per_window():
    """Each window then checks its own slice (and names the bad sample)."""
    times = [T - 30 * 60 * M + i * 5 * M for i in range(400)]
    rollups = [
        Rollup(t, {"fill_level_avg": -5.0 if i == 350 else 10.0, "temperature_max": 30.0})
        for i, t in enumerate(times)
    ]
    ends = [T - 60 * M, T]
    by_bins = [CityInputs("c", "UTC", end, []) for end in ends]
    by_rollups = [CityInputs("c", "UTC", end, []) for end in ends]
    _slice_bins(by_bins, {"b1": (times, rollups)}, timedelta(hours=24))
    _slice(by_rollups, {"b1": (times, rollups)}, timedelta(hours=24))
    for sliced, read in zip(by_bins, by_rollups, strict=True):
        fills, temps = sliced.bins["b1"]
        assert (list(fills), list(temps)) == waste_series(read.rollups["b1"], read.as_of)
    assert any(level < 0 for _, level in by_bins[-1].bins["b1"][0])
