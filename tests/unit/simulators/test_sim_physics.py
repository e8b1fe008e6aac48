"""Physics sanity: rush-hour peaks, afternoon ozone, speed falls with V/C, bins fill and empty."""

from __future__ import annotations

import itertools
import random
from statistics import mean

import pytest
from sim_support import fleet, make_plan, make_plan_spec, registry

from kotacerdas.registry import Sensor
from simulators.air import AirState, air_step
from simulators.traffic import TrafficState, speed_for, traffic_step
from simulators.waste import WasteState, waste_step

JAKARTA = 7 * 3600
MONDAY_MIDNIGHT_UTC = 1_795_971_600  # 2026-11-30T00:00:00+07:00, a Monday


def _first(domain: str, city: str = "jakarta") -> Sensor:
    return next(s for s in fleet((city,)) if s.domain == domain)


def _air_mean(hour: float, metric: str, n: int = 300) -> float:
    sensor, rng = _first("air"), random.Random(1)
    epoch = MONDAY_MIDNIGHT_UTC + int(hour * 3600)
    values = [
        air_step(sensor, epoch, 60.0, AirState(), rng, offset_s=JAKARTA, land_use="mixed")[0][
            metric
        ]
        for _ in range(n)
    ]
    return mean(values)


def test_the_test_epoch_is_a_monday_in_jakarta() -> None:
    from simulators.diurnal import local_hour, local_weekday

    assert local_weekday(MONDAY_MIDNIGHT_UTC, JAKARTA) == 0
    assert local_hour(MONDAY_MIDNIGHT_UTC, JAKARTA) == 0.0


@pytest.mark.parametrize("metric", ["no2", "co"])
def test_traffic_pollutants_peak_at_both_rush_hours(metric: str) -> None:
    morning, evening = _air_mean(7.5, metric), _air_mean(17.5, metric)
    quiet = _air_mean(10.5, metric), _air_mean(22.5, metric)
    assert morning > 1.2 * max(quiet)
    assert evening > 1.2 * max(quiet)


def test_pm25_is_higher_at_morning_rush_than_mid_morning() -> None:
    assert _air_mean(7.5, "pm25") > 1.15 * _air_mean(10.5, "pm25")


def test_ozone_peaks_after_noon() -> None:
    by_hour = {h: _air_mean(h, "o3", 100) for h in range(24)}
    peak = max(by_hour, key=by_hour.__getitem__)
    assert 12 <= peak <= 15
    assert by_hour[peak] > 3 * by_hour[3]


def test_noise_is_lower_at_night() -> None:
    assert _air_mean(2.0, "noise") + 10 < _air_mean(8.0, "noise")


def test_speed_falls_as_volume_over_capacity_rises() -> None:
    speeds = [speed_for(60.0, vc / 10) for vc in range(0, 16)]
    assert all(a > b for a, b in itertools.pairwise(speeds))
    assert speed_for(60.0, 1.0) == pytest.approx(30.0)  # half the free-flow speed at capacity


def test_traffic_counts_peak_at_rush_hour_and_speed_drops() -> None:
    sensor, rng = _first("traffic"), random.Random(2)

    def at(hour: float) -> dict[str, float]:
        epoch = MONDAY_MIDNIGHT_UTC + int(hour * 3600)
        return traffic_step(sensor, epoch, 60.0, TrafficState(), rng, offset_s=JAKARTA)[0]

    rush, night = at(7.5), at(3.0)
    assert rush["vehicle_count"] > 3 * night["vehicle_count"]
    assert rush["avg_speed_kmh"] < night["avg_speed_kmh"]
    assert rush["occupancy"] > night["occupancy"]
    assert rush["speeding_count"] <= rush["vehicle_count"]


def test_bins_fill_then_a_collection_round_empties_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("simulators.waste.MISSED_ROUND_PROBABILITY", 0.0)
    sensor, rng = _first("waste"), random.Random(3)
    state = WasteState(fill=10.0, last_round_day=-1, rate_factor=1.0)
    epoch = MONDAY_MIDNIGHT_UTC + 9 * 3600  # 09:00
    fills = []
    for _ in range(2 * 24 * 12):  # two days in 5-minute steps
        metrics, state = waste_step(
            sensor, epoch, 300.0, state, rng, offset_s=JAKARTA, land_use="commercial"
        )
        fills.append(metrics["fill_level"])
        epoch += 300
    assert max(fills) > 25.0  # it fills through the day …
    drops = [a - b for a, b in itertools.pairwise(fills) if a - b > 20.0]
    assert len(drops) == 2  # … and each morning's round empties it
    assert all(f <= 100.0 for f in fills)


def test_missed_rounds_make_bins_overflow() -> None:
    sensor, rng = _first("waste"), random.Random(4)
    state = WasteState(fill=60.0, rate_factor=1.0)
    epoch = MONDAY_MIDNIGHT_UTC
    for _ in range(3 * 24 * 12):
        metrics, state = waste_step(
            sensor,
            epoch,
            300.0,
            state,
            rng,
            offset_s=JAKARTA,
            land_use="commercial",
            skip_rounds=True,
        )
        epoch += 300
    assert metrics["fill_level"] > 100.0
    assert metrics["fill_level"] <= 150.0  # within the contract's plausible range


def _scenario_items(name: str) -> tuple[dict, list[dict]]:
    sensors = fleet()
    if name == "missed_collection":  # the bins of one district: days of simulated time, cheaply
        sensors = [s for s in sensors if s.domain == "waste" and s.district == "gambir"]
    elif name == "haze":
        sensors = [s for s in sensors if s.domain == "air" and s.city == "jakarta"]
    spec = make_plan_spec(scenarios=(name,), rate=2000.0, duration_s=30.0, sensors=sensors)
    items = make_plan(spec, sensors)
    record = next(i.truth for i in items if i.truth["kind"] == "scenario")
    messages = [
        i.truth
        for i in items
        if i.truth["kind"] == "message" and i.truth["sensor_id"] in record["sensor_ids"]
    ]
    return record, messages


def _in_window(record: dict, messages: list[dict]) -> list[dict]:
    return [m for m in messages if record["start"] <= m["ts"] < record["end"]]


def test_haze_scenario_reaches_sangat_tidak_sehat() -> None:
    record, messages = _scenario_items("haze")
    window = _in_window(record, messages)
    assert max(m["metrics"]["pm25"] for m in window if m["metrics"]) > 250.4  # berbahaya
    outside = [m for m in messages if m["ts"] >= record["end"] and m["metrics"]]
    assert outside and mean(m["metrics"]["pm25"] for m in outside) < 150


def test_rush_gridlock_scenario_exceeds_capacity_for_20_minutes() -> None:
    record, messages = _scenario_items("rush_gridlock")
    sensor = registry().sensors[record["sensor_ids"][0]]
    assert sensor.capacity_pcu_h
    over = [
        m
        for m in _in_window(record, messages)
        if m["metrics"]
        and m["metrics"]["vehicle_count"] * 3600 / sensor.interval_s > sensor.capacity_pcu_h
    ]
    assert over
    from datetime import datetime

    span = datetime.fromisoformat(over[-1]["ts"]) - datetime.fromisoformat(over[0]["ts"])
    assert span.total_seconds() >= 20 * 60


def test_bin_fire_scenario_spikes_temperature() -> None:
    record, messages = _scenario_items("bin_fire")
    assert (
        max(m["metrics"]["temperature"] for m in _in_window(record, messages) if m["metrics"])
        > 70.0
    )


def test_missed_collection_scenario_overflows_a_district() -> None:
    record, messages = _scenario_items("missed_collection")
    assert record["district"]
    assert (
        max(m["metrics"]["fill_level"] for m in _in_window(record, messages) if m["metrics"])
        > 100.0
    )


def test_silent_sensor_sends_nothing_in_its_window() -> None:
    record, messages = _scenario_items("silent_sensor")
    assert messages  # it talks before and after
    assert not _in_window(record, messages)
