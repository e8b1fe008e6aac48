"""The aggregator seam: live indicator rows per window."""

from __future__ import annotations

import pytest
from cityscore_support import fill_series

from cityscore import live


def _rows(rows: tuple[live.LiveIndicator, ...]) -> dict[str, live.LiveIndicator]:
    return {row.code: row for row in rows}


def test_air_rows_with_coverage_and_nowcast() -> None:
    rows = _rows(
        live.air_indicators(
            {"pm25": 20.288, "pm10": 30.0, "no2": None, "temperature": 31.0},
            pm25_hourly=[13, 16, 10, 21, 74, 64, 53, 82, 90, 75, 80, 50],
        )
    )
    assert rows["ispu"].value == pytest.approx(56.0)
    assert rows["ispu"].category == "sedang"
    assert rows["ispu"].coverage == pytest.approx(2 / 7)
    assert rows["hazardous_air"].value == 0.0
    assert set(rows) >= {"ispu_pm25", "ispu_pm10", "nowcast_pm25", "aqi_pm25_nowcast"}
    assert "ispu_no2" not in rows
    assert rows["nowcast_pm25"].value == pytest.approx(17.41, abs=0.01)
    # NowCast 17.4 µg/m³: 51 + 49/26.3 × (17.4 − 9.1) = 66.5 -> 66
    assert (rows["aqi_pm25_nowcast"].value, rows["aqi_pm25_nowcast"].category) == (
        66.0,
        "moderate",
    )


def test_air_rows_without_pollutants_are_empty() -> None:
    assert live.air_indicators({"temperature": 30.0}) == ()
    assert live.air_indicators({}, pm25_hourly=[None, None, 5.0]) == ()


def test_traffic_rows() -> None:
    rows = _rows(
        live.traffic_indicators(
            flow_pcu_h=1700,
            capacity_pcu_h=2000,
            avg_speed_kmh=20,
            free_flow_kmh=40,
            vehicle_count=200,
            speeding_count=10,
        )
    )
    assert rows["los"].category == "E" and rows["los"].value == 4.0
    assert rows["vc_ratio"].value == pytest.approx(0.85)
    assert rows["speed_ratio"].value == 0.5
    assert rows["congestion_level"].value == pytest.approx(100.0)
    assert rows["speeding_share"].value == 0.05
    standstill = _rows(live.traffic_indicators(avg_speed_kmh=0, free_flow_kmh=40))
    assert set(standstill) == {"speed_ratio"}


def test_waste_rows() -> None:
    rows = _rows(live.waste_indicators(fill_series([62, 72, 82, 92]), temperature_c=65.0))
    assert rows["fill_level"].value == 92.0
    assert rows["overflowing"].value == 1.0
    assert rows["time_to_full_h"].value == pytest.approx(0.8)
    assert rows["bin_fire_risk"].value == 1.0
    assert live.waste_indicators([]) == ()
