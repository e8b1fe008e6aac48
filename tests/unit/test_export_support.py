"""Builders for the export unit tests: a small synthetic city, as the views would give it.

Named ``test_export_support`` so it sits with the export tests; it holds no tests.
Kota Uji: 2 districts, 2 air stations, 3 traffic counters on 2 streets, 2 bins, in
Asia/Makassar (UTC+8). Values are simple functions of the local hour so tests can state
the expected figures by hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kotacerdas.export import window as windows
from kotacerdas.export.datafiles import Denominators, load_denominators, load_rubric
from kotacerdas.export.inputs import (
    POLLUTANTS,
    AirDay,
    AlertRow,
    CityFacts,
    DistrictFacts,
    HourlySeries,
    Inputs,
    LiveIndexRow,
    QueryRecord,
    SensorFacts,
)

RUSH = (7, 8, 17, 18)
AIR = ("uji-air-0001", "uji-air-0002")
TRAFFIC = ("uji-traffic-0001", "uji-traffic-0002", "uji-traffic-0003")
WASTE = ("uji-waste-0001", "uji-waste-0002")
SENSORS = (
    SensorFacts("uji-air-0001", "a", "air", 60, True),
    SensorFacts("uji-air-0002", "b", "air", 60, True),
    SensorFacts("uji-traffic-0001", "a", "traffic", 60, True, "Jl. Satu", "arteri_primer",
                2000.0, 50.0, 3.0),
    SensorFacts("uji-traffic-0002", "b", "traffic", 60, True, "Jl. Satu", "arteri_primer",
                2000.0, 50.0, 3.0),
    SensorFacts("uji-traffic-0003", "b", "traffic", 60, True, "Jl. Dua", "lokal",
                1000.0, 40.0, 2.0),
    SensorFacts("uji-waste-0001", "a", "waste", 300, True, capacity_l=660.0),
    SensorFacts("uji-waste-0002", "b", "waste", 300, True, capacity_l=660.0),
)  # fmt: skip


def pm25(local_hour: int) -> float:
    return 10.0 + local_hour  # daily mean 21.5


def fill(hour_index: int, bin_no: int) -> float:
    """A bin that gains 4 points an hour and is emptied when it passes 100 (26-h cycle)."""
    return float((hour_index * 4 + bin_no * 8) % 104)


def _air(window: windows.Window, sensor: str, fraction: float) -> tuple[HourlySeries, list[AirDay]]:
    n = round(60 * fraction)
    start = window.first_hour - 23
    hours = list(range(start, window.first_hour + window.hours))
    local = [window.local_hour(h) for h in hours]
    series = HourlySeries(
        sensor, hours,
        {"pm25_avg": [pm25(h) for h in local], "pm25_n": [n] * len(hours),
         "noise_avg": [60.0 if 6 <= h < 22 else 50.0 for h in local]},
        samples=n * window.hours, buckets=window.hours,
    )  # fmt: skip
    per_day: dict = defaultdict(list)
    for h, lh in zip(hours, local, strict=True):
        if h >= window.first_hour:
            per_day[window.local_day(h)].append(pm25(lh))
    days = [
        AirDay(sensor, day, {p: (sum(v) * n if p == "pm25" else 20.0 * n * len(v),
                                 n * len(v), len(v)) if p != "hc" else (0.0, 0, 0)
                             for p in POLLUTANTS})
        for day, v in sorted(per_day.items())
    ]  # fmt: skip
    return series, days


def _traffic(window: windows.Window, sensor: str) -> HourlySeries:
    hours = list(range(window.first_hour, window.first_hour + window.hours))
    rush = [window.local_hour(h) in RUSH for h in hours]
    return HourlySeries(
        sensor, hours,
        {"vehicle_count_sum": [2200.0 if r else 800.0 for r in rush],
         "observed_s": [3600.0] * len(hours),
         "avg_speed_kmh_avg": [20.0 if r else 45.0 for r in rush],
         "speeding_count_sum": [0.0 if r else 8.0 for r in rush]},
        samples=60 * len(hours), buckets=len(hours),
    )  # fmt: skip


def _waste(window: windows.Window, sensor: str, bin_no: int) -> HourlySeries:
    hours = list(range(window.first_hour, window.first_hour + window.hours))
    levels = [fill(i, bin_no) for i in range(len(hours))]
    return HourlySeries(
        sensor, hours,
        {"fill_level_max": levels, "fill_level_avg": levels,
         "temperature_max": [31.0] * len(hours)},
        samples=12 * len(hours), buckets=len(hours),
    )  # fmt: skip


def build_inputs(
    *,
    period: str = "2026-10",
    timezone: str = "Asia/Makassar",
    air_fraction: float = 1.0,
    domains: Sequence[str] = ("air", "traffic", "waste"),
) -> Inputs:
    window = windows.window(windows.parse(period), timezone)
    air = [_air(window, s, air_fraction) for s in AIR] if "air" in domains else []
    opened = window.start_utc + timedelta(days=2)
    alerts = (
        AlertRow("overflow", "overflow", "warning", "closed", opened, opened + timedelta(minutes=30)),
        AlertRow("overflow", "overflow", "warning", "closed", opened, opened + timedelta(minutes=90)),
        AlertRow("gridlock", "gridlock", "critical", "open", opened, None),
    )  # fmt: skip
    return Inputs(
        city=CityFacts("uji", "Kota Uji", "uji", "Sulawesi Selatan", timezone, 100.0, 300_000),
        window=window,
        districts=(DistrictFacts("a", "A", 50.0, 200_000), DistrictFacts("b", "B", 50.0, 100_000)),
        sensors=tuple(s for s in SENSORS if s.domain in domains),
        air_days=tuple(day for _, days in air for day in days),
        air_hourly=tuple(series for series, _ in air),
        traffic_hourly=tuple(_traffic(window, s) for s in TRAFFIC) if "traffic" in domains else (),
        waste_hourly=tuple(_waste(window, s, i) for i, s in enumerate(WASTE))
        if "waste" in domains else (),
        alerts=alerts,
        live_indices=(LiveIndexRow("green_city_index", 1, 60.0, 0.8),),
        dead_letters={"malformed_json": 3},
        queries=(QueryRecord("air_hourly", ("v_air_1h",), "0" * 64, {"city": "uji"}, 2, 1488),),
        inputs_sha256="0" * 64,
    )  # fmt: skip


def denominators(tmp: Path, **values: float) -> Denominators:
    """A denominators file for Kota Uji with the given values (each with a source)."""
    lines = ["version: test", "cities:", "  uji:"]
    for key, value in values.items():
        lines.append(f"    {key}: {{value: {value}, source: 'test fixture'}}")
    path = tmp / "denominators.yaml"
    path.write_text("\n".join(lines) + "\n")
    return load_denominators(path)


def default_files() -> tuple[object, Denominators]:
    return load_rubric(), load_denominators()


NOW = datetime(2026, 11, 1, 0, 30, tzinfo=UTC)
