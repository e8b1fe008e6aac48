"""City indicators from rollups (pure): values come from cityscore, coverage is honest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from aggregator.indicators.compute import SensorRowsMemo, compute_city
from aggregator.indicators.model import CityInputs, Rollup, SensorMeta, window_start
from aggregator.indicators.sensors import traffic_rows
from cityscore import composite, ispu, safety, traffic

T = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
AIR = [SensorMeta(f"jkt-air-000{i}", "jakarta", "gambir", "air", 60) for i in (1, 2)]
ROAD = SensorMeta(
    "jkt-traffic-0001",
    "jakarta",
    "gambir",
    "traffic",
    60,
    capacity_pcu_h=3000,
    free_flow_kmh=50,
    length_km=2,
)
BIN = SensorMeta("jkt-waste-0001", "jakarta", "menteng", "waste", 300)


def _inputs(
    pm25: float = 40.0, silent_station: bool = False, flow_per_min: float = 30.0
) -> CityInputs:
    inputs = CityInputs(
        "jakarta", "Asia/Jakarta", T, [*AIR, ROAD, BIN], observed_since=T - timedelta(hours=2)
    )
    for meta in AIR:
        inputs.rollups[meta.sensor_id] = [
            Rollup(T - timedelta(hours=h + 1), {"pm25_avg": pm25, "pm25_n": 60}) for h in range(24)
        ]
        inputs.last_seen[meta.sensor_id] = T - timedelta(minutes=1)
    if silent_station:
        inputs.last_seen[AIR[1].sensor_id] = T - timedelta(minutes=30)
    inputs.rollups[ROAD.sensor_id] = [
        Rollup(
            T - timedelta(minutes=m + 1),
            {
                "vehicle_count_sum": flow_per_min,
                "observed_s": 60.0,
                "avg_speed_kmh_avg": 40.0,
                "avg_speed_kmh_n": 1,
                "speeding_count_sum": 3.0,
            },
        )
        for m in range(30)
    ]
    inputs.last_seen[ROAD.sensor_id] = T - timedelta(minutes=1)
    inputs.rollups[BIN.sensor_id] = [
        Rollup(
            T - timedelta(minutes=5 * (40 - i)),
            {"fill_level_avg": 20.0 + i, "temperature_max": 31.0},
        )
        for i in range(40)
    ]
    inputs.last_seen[BIN.sensor_id] = T - timedelta(minutes=5)
    return inputs


def _get(rows, code, place):
    return next(r for r in rows if r.code == code and r.place == place)


def test_station_ispu_equals_cityscore_on_the_24h_mean():
    rows = compute_city(_inputs(pm25=40.0))
    station = _get(rows, "ispu", "jakarta/gambir/jkt-air-0001")
    assert station.value == ispu.index({"pm25": 40.0}).value
    assert station.category == "sedang"


def test_the_city_reports_its_worst_station_and_a_composite_with_coverage():
    rows = compute_city(_inputs(pm25=160.0))
    city = _get(rows, "ispu", "jakarta")
    assert city.value == ispu.sub_index("pm25", 160.0) and city.category == "sangat_tidak_sehat"
    green = _get(rows, "green_city_index", "jakarta")
    assert 0 <= green.value <= 100 and 0 < green.coverage <= 1


def test_a_silent_station_lowers_coverage_and_is_flagged():
    normal = compute_city(_inputs())
    quiet = compute_city(_inputs(silent_station=True))
    assert _get(quiet, "silent", "jakarta/gambir/jkt-air-0002").value == 1.0
    assert _get(quiet, "silent_sensors", "jakarta").value == 1.0
    for code in ("ispu", "green_city_index", "safety_index"):
        assert _get(quiet, code, "jakarta").coverage < _get(normal, code, "jakarta").coverage


def test_traffic_over_capacity_is_level_of_service_f_and_gridlock():
    rows = compute_city(_inputs(flow_per_min=60.0))  # 3600 veh/h on a 3000 pcu/h road
    assert _get(rows, "los", "jakarta/gambir/jkt-traffic-0001").category == "F"
    assert _get(rows, "gridlock", "jakarta/gambir/jkt-traffic-0001").value == 1.0
    assert _get(rows, "gridlock_segments", "jakarta").value == 1.0


def test_before_three_intervals_of_observation_nobody_is_called_silent():
    inputs = _inputs()
    inputs.observed_since = T - timedelta(minutes=2)
    del inputs.last_seen[BIN.sensor_id]
    rows = compute_city(inputs)
    assert not any(r.code == "silent" and r.sensor_id == BIN.sensor_id for r in rows)


def test_windows_are_five_minutes():
    assert window_start(T + timedelta(minutes=7, seconds=3)) == T + timedelta(minutes=5)


def test_composite_helper_is_the_one_used():
    rows = compute_city(_inputs(pm25=40.0))
    safety = _get(rows, "safety_index", "jakarta")
    assert set(safety.detail["components"]) == set(composite.safety_index().components)


def test_a_provisional_window_does_not_call_a_late_sensor_silent():
    """Quiet for 5 min at the window end, but the data is complete only up to 2 min ago:
    the readings may be on their way, so no verdict yet; once the silence shows in the
    complete part of the data, it is silent."""
    inputs = _inputs()
    inputs.last_seen[AIR[1].sensor_id] = T - timedelta(minutes=6)
    inputs.complete_until = T - timedelta(minutes=2)
    rows = compute_city(inputs)
    assert not [r for r in rows if r.code == "silent" and r.sensor_id == AIR[1].sensor_id]
    assert _get(rows, "silent_sensors", "jakarta").value == 0.0
    inputs.complete_until = T - timedelta(minutes=1)
    assert _get(compute_city(inputs), "silent", "jakarta/gambir/jkt-air-0002").value == 1.0


def test_a_window_recomputed_with_the_memo_equals_one_computed_afresh():
    """A revision reuses the rows of sensors whose inputs did not change, and only those:
    a changed station, road or bin gets new rows, the city rows follow."""
    memo = SensorRowsMemo(timedelta(hours=1))
    first = compute_city(_inputs(pm25=40.0), memo)
    assert first == compute_city(_inputs(pm25=40.0))
    revised = _inputs(pm25=40.0, flow_per_min=80.0)  # late traffic counts
    revised.rollups[AIR[0].sensor_id][0] = Rollup(
        T - timedelta(hours=1), {"pm25_avg": 300.0, "pm25_n": 60}
    )
    revised.rollups[BIN.sensor_id][-1] = Rollup(
        T - timedelta(minutes=5), {"fill_level_avg": 95.0, "temperature_max": 75.0}
    )
    again = compute_city(revised, memo)
    assert again == compute_city(revised) != first
    for place, code in [
        ("jakarta/gambir/jkt-air-0001", "ispu"),
        ("jakarta/gambir/jkt-traffic-0001", "vc_ratio"),
        ("jakarta/menteng/jkt-waste-0001", "fill_level"),
        ("jakarta/menteng/jkt-waste-0001", "bin_fire_risk"),
    ]:
        assert _get(again, code, place) != _get(first, code, place)
    assert _get(again, "ispu", "jakarta/gambir/jkt-air-0002") is _get(
        first, "ispu", "jakarta/gambir/jkt-air-0002"
    )  # the unchanged station's row is reused, not recomputed


def test_the_memo_keeps_an_hour_of_windows():
    memo = SensorRowsMemo(timedelta(hours=1))
    compute_city(_inputs(), memo)
    memo.forget_before("jakarta", T + timedelta(minutes=55))
    assert memo.get("jakarta", BIN.sensor_id, T, object()) is None  # inputs differ
    kept = _inputs()
    assert compute_city(kept, memo) == compute_city(_inputs())
    memo.forget_before("jakarta", T + timedelta(minutes=61))
    assert not any(memo.get("jakarta", m.sensor_id, T, None) for m in [*AIR, ROAD, BIN])


@given(
    st.lists(
        st.one_of(st.none(), st.floats(0, 120), st.just(0.0)),  # None: no count that minute
        min_size=0,
        max_size=30,
    )
)
def test_gridlock_from_the_current_run_equals_gridlock_over_every_minute(counts):
    """traffic_rows reads the minutes back to the first that is not F; cityscore over all
    of them gives the same verdict and run length."""
    minutes = [
        Rollup(
            T - timedelta(minutes=len(counts) - i),
            {
                "vehicle_count_sum": c,
                "observed_s": 0.0 if c == 0.0 else 60.0,  # 0 s: a minute without data
                "avg_speed_kmh_avg": 30.0,
                "avg_speed_kmh_n": 1,
                "speeding_count_sum": 0.0,
            },
        )
        for i, c in enumerate(counts)
    ]
    rows = traffic_rows(ROAD, minutes, T)
    every = [
        (r.ts, traffic.level_of_service(traffic.vc_ratio(traffic.hourly_flow(c, 60.0), 3000)))
        for r, c in zip(minutes, counts, strict=True)
        if c is not None and c != 0.0
    ]
    jam = [r for r in rows if r.code == "gridlock"]
    if not jam:
        return  # no observed seconds in the last 15 minutes: no traffic rows at all
    assert jam[0].value == float(safety.gridlock(every))
    minutes_f = safety.los_f_duration(every).total_seconds() / 60
    assert jam[0].detail["los_f_minutes"] == minutes_f


def test_an_ispu_from_part_of_its_24_hours_says_how_many():
    inputs = _inputs(pm25=40.0)
    station, other = (meta.sensor_id for meta in AIR)
    # heard for 5 hours only, and the worse of the two
    inputs.rollups[station] = [
        Rollup(r.ts, {"pm25_avg": 80.0, "pm25_n": 60}) for r in inputs.rollups[station][:5]
    ]
    rows = compute_city(inputs)
    assert _get(rows, "ispu", f"jakarta/gambir/{station}").detail["hours"] == 5
    assert _get(rows, "ispu", f"jakarta/gambir/{other}").detail["hours"] == 24
    city = _get(rows, "ispu", "jakarta")  # the worst station's value, and its hours
    assert city.detail["station"] == station and city.detail["hours"] == 5
