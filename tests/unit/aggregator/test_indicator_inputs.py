"""Reading several windows at once gives each window exactly its own inputs (pure part)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aggregator.indicators.inputs import _SEEN_LOOKBACK, _slice
from aggregator.indicators.job import _runs
from aggregator.indicators.model import CityInputs, Rollup

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
