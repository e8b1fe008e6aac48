"""City overview: the ISPU map, the two composite indices with coverage, open alerts and
the districts that need attention now."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db

from kotacerdas.dashboards import labels
from kotacerdas.dashboards.base import new_dashboard
from kotacerdas.dashboards.panels import (
    ISPU_RANK_SQL,
    ispu_category_mappings,
    ispu_rank_thresholds,
    label,
    marker_map,
    stat_panel,
    table_panel,
    time_series,
)
from kotacerdas.dashboards.variables import CITY, DISTRICTS

UID = "kota-overview"
INDEX_STEPS = [(None, "red"), (40.0, "orange"), (60.0, "yellow"), (80.0, "green")]
COVERAGE_STEPS = [(None, "red"), (0.5, "orange"), (0.8, "green")]

STATION_MAP = f"""
    SELECT s.sensor_id, s.lat, s.lon, d.name AS district, il.value AS ispu,
           il.category, array_position({ISPU_RANK_SQL}, il.category) AS category_rank,
           il.detail ->> 'critical' AS critical_pollutant, il.window_start
      FROM v_indicator_latest il
      JOIN v_sensor s ON s.sensor_id = il.sensor_id
      JOIN v_district d ON d.city = s.city AND d.slug = s.district
     WHERE il.code = 'ispu' AND il.city = {CITY} AND s.district IN ({DISTRICTS})
"""


def _city_value(code: str, column: str, title: str) -> str:
    return f"""
        SELECT {column} AS "{title}"
          FROM v_indicator_latest
         WHERE city = {CITY} AND district IS NULL AND sensor_id IS NULL AND code = '{code}'
    """


OPEN_ALERT_COUNTS = f"""
    SELECT count(*) AS "{label("Terbuka", "Open")}",
           count(*) FILTER (WHERE severity = 'critical') AS "{label("Kritis", "Critical")}"
      FROM v_alert_open
     WHERE city = {CITY} AND (district IS NULL OR district IN ({DISTRICTS}))
"""

OPEN_ALERTS = f"""
    SELECT a.opened_at AS "{label("Dibuka", "Opened")}",
           a.severity AS "{label("Tingkat", "Severity")}",
           a.kind AS "{label("Jenis", "Kind")}",
           coalesce(d.name, '—') AS "{label("Kecamatan", "District")}",
           coalesce(a.sensor_id, '—') AS "Sensor",
           a.value AS "{label("Nilai", "Value")}",
           a.message AS "{label("Pesan", "Message")}"
      FROM v_alert_open a
      LEFT JOIN v_district d ON d.city = a.city AND d.slug = a.district
     WHERE a.city = {CITY} AND (a.district IS NULL OR a.district IN ({DISTRICTS}))
     ORDER BY CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,
              a.opened_at DESC
"""

# Worst first: the lower of the two composite indices, then the higher ISPU.
WORST_DISTRICTS = f"""
    WITH now_by_district AS (
        SELECT il.district,
               max(il.value) FILTER (WHERE il.code = 'ispu') AS ispu,
               max(il.category) FILTER (WHERE il.code = 'ispu') AS ispu_category,
               max(il.value) FILTER (WHERE il.code = 'green_city_index') AS green,
               max(il.value) FILTER (WHERE il.code = 'safety_index') AS safety,
               max(il.value) FILTER (WHERE il.code = 'congestion_level') AS congestion,
               max(il.value) FILTER (WHERE il.code = 'bins_overflowing') AS overflowing
          FROM v_indicator_latest il
         WHERE il.city = {CITY} AND il.sensor_id IS NULL AND il.district IN ({DISTRICTS})
         GROUP BY il.district
    )
    SELECT d.name AS "{label("Kecamatan", "District")}",
           n.ispu AS "ISPU",
           n.ispu_category AS "{label("Kategori ISPU", "ISPU category")}",
           n.green AS "{label("Indeks hijau", "Green index")}",
           n.safety AS "{label("Indeks keselamatan", "Safety index")}",
           n.congestion AS "{label("Kemacetan %", "Congestion %")}",
           n.overflowing AS "{label("Tempat sampah meluap", "Bins overflowing")}"
      FROM now_by_district n
      JOIN v_district d ON d.city = {CITY} AND d.slug = n.district
     ORDER BY least(n.green, n.safety) ASC NULLS LAST, n.ispu DESC NULLS LAST
     LIMIT 10
"""

INDICES_OVER_TIME = f"""
    SELECT window_start AS "time",
           CASE code WHEN 'green_city_index' THEN '{label("Indeks kota hijau", "Green-city index")}'
                     ELSE '{label("Indeks keselamatan", "Safety index")}' END AS metric,
           value
      FROM v_indicator
     WHERE city = {CITY} AND district IS NULL AND sensor_id IS NULL
       AND code IN ('green_city_index', 'safety_index') AND $__timeFilter(window_start)
     ORDER BY 1
"""


def build() -> db.Dashboard:
    green, safety = (
        label("Indeks kota hijau", "Green-city index"),
        label("Indeks keselamatan", "Safety index"),
    )
    coverage = label("Cakupan", "Coverage")
    return (
        new_dashboard(
            UID,
            label("Ikhtisar kota", "City overview"),
            "Live air-quality map, composite indices with their coverage, open alerts.",
        )
        .with_panel(
            stat_panel(
                green,
                _city_value("green_city_index", "value", green),
                steps=INDEX_STEPS,
                span=4,
                decimals=0,
            )
        )
        .with_panel(
            stat_panel(
                label("Cakupan indeks kota hijau", "Green-city index coverage"),
                _city_value("green_city_index", "coverage", coverage),
                unit="percentunit",
                steps=COVERAGE_STEPS,
                span=4,
            )
        )
        .with_panel(
            stat_panel(
                safety,
                _city_value("safety_index", "value", safety),
                steps=INDEX_STEPS,
                span=4,
                decimals=0,
            )
        )
        .with_panel(
            stat_panel(
                label("Cakupan indeks keselamatan", "Safety index coverage"),
                _city_value("safety_index", "coverage", coverage),
                unit="percentunit",
                steps=COVERAGE_STEPS,
                span=4,
            )
        )
        .with_panel(
            stat_panel(
                label("Peringatan terbuka", "Open alerts"),
                OPEN_ALERT_COUNTS,
                span=8,
                steps=[(None, "green"), (1.0, "red")],
            )
        )
        .with_panel(
            marker_map(
                label("Kategori ISPU per stasiun", "ISPU category per station"),
                STATION_MAP,
                "category_rank",
                ispu_rank_thresholds(),
                span=12,
                height=14,
                description="Colour = ISPU category (Permen LHK P.14/2020), newest window.",
            )
        )
        .with_panel(
            table_panel(
                label("Kecamatan terburuk saat ini", "Worst districts now"),
                WORST_DISTRICTS,
                span=12,
                height=14,
                mappings=ispu_category_mappings(),
            )
        )
        .with_panel(
            table_panel(
                label("Peringatan terbuka", "Open alerts"),
                OPEN_ALERTS,
                span=24,
                height=8,
                mappings=labels.mappings(labels.SEVERITY, labels.ALERT_KIND),
            )
        )
        .with_panel(
            time_series(
                label("Indeks kota dari waktu ke waktu", "City indices over time"),
                INDICES_OVER_TIME,
                span=24,
                height=8,
                steps=INDEX_STEPS,
            )
        )
    )
