"""Reading several windows at once gives each window exactly its own inputs (pure part)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from aggregator.indicators.inputs import _SEEN_LOOKBACK, _slice, _slice_bins, merge_minutes
from aggregator.indicators.job import _runs, city_as_of
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


def _trimmed(minutes: dict, since: datetime, until: datetime) -> dict:
    out = {}
    for sid, (times, rollups) in minutes.items():
        keep = [i for i, t in enumerate(times) if since <= t < until]
        if keep:
            out[sid] = ([times[i] for i in keep], [rollups[i] for i in keep])
    return out


def _bins(inputs: CityInputs) -> dict:
    """A window's bin series; a bin with none in the window is as good as absent."""
    return {k: (list(f), list(t)) for k, (f, t) in inputs.bins.items() if f or t}


@given(
    offsets=st.lists(st.integers(0, 55), min_size=1, max_size=6, unique=True),
    lookback_m=st.sampled_from([30, 24 * 60]),
)
def test_windows_revised_from_the_kept_minutes_get_what_their_own_read_gives(offsets, lookback_m):
    """MinuteCache serves a revision's span from the day (plus history) it keeps: the
    slices of that superset are exactly those of a read of the span alone."""
    lookback = timedelta(minutes=lookback_m)
    back = max(lookback, _SEEN_LOOKBACK)
    times = [T - 26 * 60 * M + i * M for i in range(26 * 60) if i % 3 != 1]  # gaps
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
    kept = {"b1": (times, rollups), "b2": (times[::5], rollups[::5])}
    ends = sorted(T - 60 * M + k * 5 * M for k in offsets)  # windows of the last hour
    own = _trimmed(kept, min(ends) - back, max(ends))
    for slicer in (_slice_bins, _slice):
        from_kept = [CityInputs("c", "UTC", end, []) for end in ends]
        from_own = [CityInputs("c", "UTC", end, []) for end in ends]
        slicer(from_kept, kept, lookback)
        slicer(from_own, own, lookback)
        for a, b in zip(from_kept, from_own, strict=True):
            assert _bins(a) == _bins(b)
            assert a.rollups == b.rollups
            assert (a.last_seen, a.observed_since) == (b.last_seen, b.observed_since)


def test_a_dark_city_is_closed_on_the_others_clock_past_the_silence():
    silence = timedelta(minutes=15)
    newest = {"a": T, "b": T - 10 * M, "c": T - 60 * M}
    assert city_as_of(newest, "a", silence) == T + M
    assert city_as_of(newest, "b", silence) == T - 9 * M  # within the silence: its own
    assert city_as_of(newest, "c", silence) == T - 14 * M  # dark: the others' less 15 min
    assert city_as_of(newest, "d", silence) is None  # no data yet
    assert city_as_of({}, "a", silence) is None
