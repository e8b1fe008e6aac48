"""Waste: fill levels, bins near full, predicted time to full, collection efficiency and
bins at risk of fire."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db

from kotacerdas.dashboards.base import new_dashboard
from kotacerdas.dashboards.panels import (
    bar_gauge,
    label,
    marker_map,
    stat_panel,
    table_panel,
    thresholds,
    time_series,
)
from kotacerdas.dashboards.variables import CITY, DISTRICTS, sensors_in_districts

UID = "kota-waste"
# "Near full" for dispatch: 80 % fill (a truck needs the last fifth as reaction time).
NEAR_FULL_PCT = 80
FILL_STEPS = [(None, "green"), (60.0, "yellow"), (float(NEAR_FULL_PCT), "orange"), (100.0, "red")]
BIN = "coalesce(s.street, s.sensor_id) || ' (' || s.sensor_id || ')'"


def _latest_bins(code: str) -> str:
    return f"""
        SELECT il.sensor_id, il.value
          FROM v_indicator_latest il
         WHERE il.code = '{code}' AND il.city = {CITY}
           AND il.sensor_id IN ({sensors_in_districts("waste")})
    """


def _city_count(code: str, title: str) -> str:
    return f"""
        SELECT value AS "{title}" FROM v_indicator_latest
         WHERE city = {CITY} AND district IS NULL AND sensor_id IS NULL AND code = '{code}'
    """


NEAR_FULL_COUNT = f"""
    SELECT count(*) AS "{label("Hampir penuh", "Near full")}"
      FROM ({_latest_bins("fill_level")}) f
     WHERE f.value >= {NEAR_FULL_PCT}
"""

NEAR_FULL = f"""
    WITH fill AS ({_latest_bins("fill_level")}),
         ttf AS ({_latest_bins("time_to_full_h")})
    SELECT {BIN} AS "{label("Tempat sampah", "Bin")}",
           d.name AS "{label("Kecamatan", "District")}",
           fill.value AS "{label("Terisi %", "Fill %")}",
           ttf.value AS "{label("Penuh dalam (jam)", "Full in (h)")}"
      FROM fill
      JOIN v_sensor s ON s.sensor_id = fill.sensor_id
      JOIN v_district d ON d.city = s.city AND d.slug = s.district
      LEFT JOIN ttf ON ttf.sensor_id = fill.sensor_id
     WHERE fill.value >= {NEAR_FULL_PCT}
     ORDER BY 3 DESC
"""

TIME_TO_FULL = f"""
    SELECT t.sensor_id AS "{label("Tempat sampah", "Bin")}",
           t.value AS "{label("Penuh dalam", "Full in")}"
      FROM ({_latest_bins("time_to_full_h")}) t
     WHERE t.value IS NOT NULL
     ORDER BY 2 ASC
     LIMIT 15
"""

FILL_BY_DISTRICT = f"""
    SELECT $__timeGroupAlias(r.ts, $__interval), d.name AS metric, avg(r.fill_level_avg) AS value
      FROM v_waste_1m r
      JOIN v_district d ON d.city = r.city AND d.slug = r.district
     WHERE r.city = {CITY} AND r.district IN ({DISTRICTS}) AND $__timeFilter(r.ts)
     GROUP BY 1, 2
     ORDER BY 1
"""

COLLECTION_EFFICIENCY = f"""
    SELECT i.window_start AS "time", coalesce(d.name, '{label("Kota", "City")}') AS metric,
           i.value
      FROM v_indicator i
      LEFT JOIN v_district d ON d.city = i.city AND d.slug = i.district
     WHERE i.code = 'collection_efficiency' AND i.city = {CITY} AND i.sensor_id IS NULL
       AND (i.district IS NULL OR i.district IN ({DISTRICTS}))
       AND $__timeFilter(i.window_start)
     ORDER BY 1
"""

# Newest raw temperature per bin: the primary key (sensor_id, ts) makes this an index probe.
FIRE_RISK = f"""
    SELECT {BIN} AS "{label("Tempat sampah", "Bin")}",
           d.name AS "{label("Kecamatan", "District")}",
           t.temperature AS "{label("Suhu °C", "Temperature °C")}",
           t.ts AS "{label("Terakhir", "Last reading")}"
      FROM ({_latest_bins("bin_fire_risk")}) f
      JOIN v_sensor s ON s.sensor_id = f.sensor_id
      JOIN v_district d ON d.city = s.city AND d.slug = s.district
      LEFT JOIN LATERAL (
          SELECT r.temperature, r.ts FROM v_waste_reading r
           WHERE r.sensor_id = f.sensor_id ORDER BY r.ts DESC LIMIT 1
      ) t ON true
     WHERE f.value >= 1
     ORDER BY 3 DESC NULLS LAST
"""

BIN_MAP = f"""
    SELECT s.sensor_id, s.lat, s.lon, coalesce(s.street, '') AS street, f.value AS fill_level
      FROM ({_latest_bins("fill_level")}) f
      JOIN v_sensor s ON s.sensor_id = f.sensor_id
"""


def build() -> db.Dashboard:
    return (
        new_dashboard(
            UID,
            label("Sampah", "Waste"),
            "Bin fill levels, dispatch list, collection efficiency, fire risk.",
        )
        .with_panel(
            stat_panel(
                label("Hampir penuh (≥ 80 %)", "Near full (≥ 80 %)"),
                NEAR_FULL_COUNT,
                steps=[(None, "green"), (1.0, "orange")],
            )
        )
        .with_panel(
            stat_panel(
                label("Meluap", "Overflowing"),
                _city_count("bins_overflowing", label("Meluap", "Overflowing")),
                steps=[(None, "green"), (1.0, "red")],
            )
        )
        .with_panel(
            stat_panel(
                label("Risiko kebakaran", "Fire risk"),
                _city_count("fire_risk_bins", label("Risiko kebakaran", "Fire risk")),
                steps=[(None, "green"), (1.0, "red")],
            )
        )
        .with_panel(
            stat_panel(
                label("Efisiensi pengangkutan", "Collection efficiency"),
                _city_count("collection_efficiency", label("Efisiensi", "Efficiency")),
                unit="percentunit",
                steps=[(None, "red"), (0.7, "orange"), (0.9, "green")],
            )
        )
        .with_panel(
            marker_map(
                label("Peta tingkat isi", "Fill level map"),
                BIN_MAP,
                "fill_level",
                thresholds(FILL_STEPS),
                span=12,
                height=12,
            )
        )
        .with_panel(
            table_panel(
                label("Tempat sampah hampir penuh", "Bins near full"), NEAR_FULL, span=12, height=12
            )
        )
        .with_panel(
            time_series(
                label("Tingkat isi per kecamatan", "Fill level per district"),
                FILL_BY_DISTRICT,
                unit="percent",
                steps=FILL_STEPS,
            )
        )
        .with_panel(
            bar_gauge(
                label("Perkiraan waktu hingga penuh", "Predicted time to full"),
                TIME_TO_FULL,
                unit="h",
                minimum=0,
                steps=[(None, "red"), (6.0, "orange"), (24.0, "green")],
            )
        )
        .with_panel(
            time_series(
                label("Efisiensi pengangkutan", "Collection efficiency"),
                COLLECTION_EFFICIENCY,
                unit="percentunit",
            )
        )
        .with_panel(
            table_panel(label("Tempat sampah berisiko terbakar", "Bins at fire risk"), FIRE_RISK)
        )
    )
