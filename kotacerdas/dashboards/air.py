"""Air quality: ISPU and US AQI (NowCast) per station and district, WHO guideline
exceedance, pollutant breakdown."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db

from kotacerdas.dashboards import labels
from kotacerdas.dashboards.base import new_dashboard
from kotacerdas.dashboards.panels import (
    bar_chart,
    bar_gauge,
    ispu_category_mappings,
    label,
    table_panel,
    time_series,
)
from kotacerdas.dashboards.variables import CITY, DISTRICTS, sensors_in_districts

UID = "kota-air"
# ISPU band edges (Permen LHK P.14/2020): 50, 100, 200, 300.
ISPU_STEPS = [
    (None, "green"),
    (50.0, "blue"),
    (100.0, "yellow"),
    (200.0, "red"),
    (300.0, "#1f1f1f"),
]
# US EPA AQI band edges (TAD 2024): 50, 100, 150, 200, 300.
AQI_STEPS = [
    (None, "green"),
    (50.0, "yellow"),
    (100.0, "orange"),
    (150.0, "red"),
    (200.0, "purple"),
    (300.0, "dark-red"),
]
# WHO global air quality guidelines 2021: PM2.5 24-hour AQG level 15 µg/m³.
WHO_PM25_24H = 15.0
UGM3 = "conμgm3"


def _station_series(code: str) -> str:
    return f"""
        SELECT i.window_start AS "time", s.sensor_id || ' · ' || d.name AS metric, i.value
          FROM v_indicator i
          JOIN v_sensor s ON s.sensor_id = i.sensor_id
          JOIN v_district d ON d.city = s.city AND d.slug = s.district
         WHERE i.code = '{code}' AND i.city = {CITY} AND s.district IN ({DISTRICTS})
           AND $__timeFilter(i.window_start)
         ORDER BY 1
    """


ISPU_BY_DISTRICT = f"""
    SELECT i.window_start AS "time", d.name AS metric, i.value
      FROM v_indicator i
      JOIN v_district d ON d.city = i.city AND d.slug = i.district
     WHERE i.code = 'ispu' AND i.city = {CITY} AND i.sensor_id IS NULL
       AND i.district IN ({DISTRICTS}) AND $__timeFilter(i.window_start)
     ORDER BY 1
"""

STATIONS_NOW = f"""
    SELECT s.sensor_id AS "{label("Stasiun", "Station")}",
           d.name AS "{label("Kecamatan", "District")}",
           max(il.value) FILTER (WHERE il.code = 'ispu') AS "ISPU",
           max(il.category) FILTER (WHERE il.code = 'ispu')
               AS "{label("Kategori ISPU", "ISPU category")}",
           max(il.detail ->> 'critical') FILTER (WHERE il.code = 'ispu')
               AS "{label("Parameter kritis", "Critical pollutant")}",
           max(il.value) FILTER (WHERE il.code = 'aqi_pm25_nowcast') AS "AQI PM2.5 NowCast",
           max(il.category) FILTER (WHERE il.code = 'aqi_pm25_nowcast')
               AS "{label("Kategori AQI", "AQI category")}",
           max(il.value) FILTER (WHERE il.code = 'who_pm25_exceed_h')
               AS "{label("Jam > pedoman WHO (24 j)", "Hours > WHO guideline (24 h)")}"
      FROM v_indicator_latest il
      JOIN v_sensor s ON s.sensor_id = il.sensor_id
      JOIN v_district d ON d.city = s.city AND d.slug = s.district
     WHERE il.city = {CITY} AND s.district IN ({DISTRICTS})
     GROUP BY s.sensor_id, d.name
     ORDER BY 3 DESC NULLS LAST
"""

WHO_EXCEEDANCE = f"""
    SELECT il.sensor_id AS "{label("Stasiun", "Station")}",
           il.value AS "{label("Jam melebihi", "Hours exceeded")}"
      FROM v_indicator_latest il
     WHERE il.code = 'who_pm25_exceed_h' AND il.city = {CITY}
       AND il.sensor_id IN ({sensors_in_districts("air")})
     ORDER BY 2 DESC
"""

POLLUTANT_BREAKDOWN = f"""
    SELECT replace(upper(substr(il.code, 6)), 'PM25', 'PM2.5') AS "{label("Polutan", "Pollutant")}",
           max(il.value) AS "{label("Sub-indeks ISPU tertinggi", "Highest ISPU sub-index")}",
           avg(il.value) AS "{label("Rata-rata stasiun", "Station mean")}"
      FROM v_indicator_latest il
     WHERE il.code LIKE 'ispu\\_%' AND il.city = {CITY}
       AND il.sensor_id IN ({sensors_in_districts("air")})
     GROUP BY 1
     ORDER BY 2 DESC
"""

CONCENTRATIONS = f"""
    SELECT $__timeGroupAlias(ts, $__interval),
           avg(pm25_avg) AS "PM2.5", avg(pm10_avg) AS "PM10", avg(no2_avg) AS "NO2",
           avg(so2_avg) AS "SO2", avg(o3_avg) AS "O3", avg(co_avg) AS "CO",
           avg(hc_avg) AS "HC"
      FROM v_air_1m
     WHERE city = {CITY} AND district IN ({DISTRICTS}) AND $__timeFilter(ts)
     GROUP BY 1
     ORDER BY 1
"""

PM25_HOURLY = f"""
    SELECT ts AS "time", sensor_id AS metric, pm25_avg AS value
      FROM v_air_1h
     WHERE city = {CITY} AND district IN ({DISTRICTS}) AND $__timeFilter(ts)
     ORDER BY 1
"""


def build() -> db.Dashboard:
    return (
        new_dashboard(
            UID,
            label("Kualitas udara", "Air quality"),
            "ISPU (Permen LHK P.14/2020), US AQI NowCast, WHO 2021 guideline.",
        )
        .with_panel(
            time_series(
                label("ISPU per stasiun", "ISPU per station"),
                _station_series("ispu"),
                steps=ISPU_STEPS,
            )
        )
        .with_panel(
            time_series(
                label("ISPU per kecamatan", "ISPU per district"),
                ISPU_BY_DISTRICT,
                steps=ISPU_STEPS,
                description="District ISPU = its worst station.",
            )
        )
        .with_panel(
            time_series(
                label("AQI AS (NowCast PM2.5) per stasiun", "US AQI (PM2.5 NowCast) per station"),
                _station_series("aqi_pm25_nowcast"),
                steps=AQI_STEPS,
            )
        )
        .with_panel(
            time_series(
                label("PM2.5 rata-rata per jam", "PM2.5 hourly mean"),
                PM25_HOURLY,
                unit=UGM3,
                steps=[(None, "green"), (WHO_PM25_24H, "red")],
                description="Red line: WHO 2021 24-h guideline, 15 µg/m³.",
            )
        )
        .with_panel(
            table_panel(
                label("Kondisi stasiun sekarang", "Stations now"),
                STATIONS_NOW,
                span=24,
                mappings=[*ispu_category_mappings(), *labels.mappings(labels.AQI)],
            )
        )
        .with_panel(
            bar_gauge(
                label(
                    "Jam melebihi pedoman WHO PM2.5 (24 jam terakhir)",
                    "Hours above the WHO PM2.5 guideline (last 24 h)",
                ),
                WHO_EXCEEDANCE,
                unit="h",
                minimum=0,
                maximum=24,
                steps=[(None, "green"), (1.0, "yellow"), (6.0, "red")],
            )
        )
        .with_panel(
            bar_chart(
                label("Rincian polutan (sub-indeks ISPU)", "Pollutant breakdown (ISPU sub-index)"),
                POLLUTANT_BREAKDOWN,
                x_field=label("Polutan", "Pollutant"),
            )
        )
        .with_panel(
            time_series(
                label("Konsentrasi polutan", "Pollutant concentrations"),
                CONCENTRATIONS,
                unit=UGM3,
                span=24,
            )
        )
    )
