"""Traffic: speed ratio and level of service per road segment, gridlock periods,
speeding, volume."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db

from kotacerdas.dashboards import labels
from kotacerdas.dashboards.base import new_dashboard
from kotacerdas.dashboards.panels import (
    bar_gauge,
    label,
    state_timeline,
    table_panel,
    time_series,
)
from kotacerdas.dashboards.variables import CITY, DISTRICTS, sensors_in_districts

UID = "kota-traffic"
SEGMENT = "coalesce(s.street, s.sensor_id) || ' (' || s.sensor_id || ')'"
LOS_STEPS = [(None, "green"), (3.0, "yellow"), (4.0, "orange"), (5.0, "red"), (6.0, "dark-red")]


def _segment_series(code: str) -> str:
    return f"""
        SELECT i.window_start AS "time", {SEGMENT} AS metric, i.value
          FROM v_indicator i
          JOIN v_sensor s ON s.sensor_id = i.sensor_id
         WHERE i.code = '{code}' AND i.city = {CITY} AND s.district IN ({DISTRICTS})
           AND $__timeFilter(i.window_start)
         ORDER BY 1
    """


SEGMENTS_NOW = f"""
    SELECT {SEGMENT} AS "{label("Ruas jalan", "Road segment")}",
           d.name AS "{label("Kecamatan", "District")}",
           max(il.category) FILTER (WHERE il.code = 'los')
               AS "{label("Tingkat pelayanan", "Level of service")}",
           max(il.value) FILTER (WHERE il.code = 'vc_ratio') AS "V/C",
           max(il.value) FILTER (WHERE il.code = 'speed_ratio')
               AS "{label("Rasio kecepatan", "Speed ratio")}",
           max(il.value) FILTER (WHERE il.code = 'congestion_level')
               AS "{label("Kemacetan %", "Congestion %")}",
           max(il.value) FILTER (WHERE il.code = 'speeding_share')
               AS "{label("Pangsa ngebut", "Speeding share")}"
      FROM v_indicator_latest il
      JOIN v_sensor s ON s.sensor_id = il.sensor_id
      JOIN v_district d ON d.city = s.city AND d.slug = s.district
     WHERE il.city = {CITY} AND s.domain = 'traffic' AND s.district IN ({DISTRICTS})
     GROUP BY 1, 2
     ORDER BY 3 DESC NULLS LAST, 4 DESC NULLS LAST
"""

# A gridlock period is a gridlock alert's life: opened → closed (or still open).
GRIDLOCK_PERIODS = f"""
    SELECT a.opened_at AS "{label("Mulai", "Start")}",
           a.closed_at AS "{label("Selesai", "End")}",
           round((extract(epoch FROM coalesce(a.closed_at, now()) - a.opened_at) / 60)::numeric)
               AS "{label("Durasi (menit)", "Duration (min)")}",
           coalesce({SEGMENT}, a.sensor_id, '—') AS "{label("Ruas jalan", "Road segment")}",
           a.state AS "{label("Status", "State")}"
      FROM v_alert a
      LEFT JOIN v_sensor s ON s.sensor_id = a.sensor_id
     WHERE a.kind = 'gridlock' AND a.city = {CITY}
       AND (a.district IS NULL OR a.district IN ({DISTRICTS}))
       AND a.opened_at <= $__timeTo() AND coalesce(a.closed_at, now()) >= $__timeFrom()
     ORDER BY a.opened_at DESC
"""

SPEEDING_BY_DISTRICT = f"""
    SELECT $__timeGroupAlias(r.ts, $__interval), d.name AS metric,
           sum(r.speeding_count_sum) / nullif(sum(r.vehicle_count_sum), 0) AS value
      FROM v_traffic_1m r
      JOIN v_district d ON d.city = r.city AND d.slug = r.district
     WHERE r.city = {CITY} AND r.district IN ({DISTRICTS}) AND $__timeFilter(r.ts)
     GROUP BY 1, 2
     ORDER BY 1
"""

SPEEDING_SEGMENTS = f"""
    SELECT il.sensor_id AS "{label("Ruas jalan", "Road segment")}",
           il.value AS "{label("Pangsa ngebut", "Speeding share")}"
      FROM v_indicator_latest il
     WHERE il.code = 'speeding_share' AND il.city = {CITY}
       AND il.sensor_id IN ({sensors_in_districts("traffic")})
     ORDER BY 2 DESC
     LIMIT 15
"""

# Vehicles per hour: counts summed over the bucket, scaled from the bucket length.
VOLUME_BY_DISTRICT = f"""
    SELECT $__timeGroupAlias(r.ts, $__interval), d.name AS metric,
           sum(r.vehicle_count_sum) * 3600000.0 / $__interval_ms AS value
      FROM v_traffic_1m r
      JOIN v_district d ON d.city = r.city AND d.slug = r.district
     WHERE r.city = {CITY} AND r.district IN ({DISTRICTS}) AND $__timeFilter(r.ts)
     GROUP BY 1, 2
     ORDER BY 1
"""

CONGESTION_BY_DISTRICT = f"""
    SELECT i.window_start AS "time", d.name AS metric, i.value
      FROM v_indicator i
      JOIN v_district d ON d.city = i.city AND d.slug = i.district
     WHERE i.code = 'congestion_level' AND i.city = {CITY} AND i.sensor_id IS NULL
       AND i.district IN ({DISTRICTS}) AND $__timeFilter(i.window_start)
     ORDER BY 1
"""


def build() -> db.Dashboard:
    segment = label("Ruas jalan", "Road segment")
    return (
        new_dashboard(
            UID,
            label("Lalu lintas", "Traffic"),
            "Speed ratio to free flow, level of service (MKJI/HCM), gridlock, speeding.",
        )
        .with_panel(
            time_series(
                label("Rasio kecepatan per ruas", "Speed ratio per segment"),
                _segment_series("speed_ratio"),
                unit="percentunit",
                description="Mean speed / free-flow speed of the segment.",
            )
        )
        .with_panel(
            time_series(
                label("Kemacetan per kecamatan", "Congestion per district"),
                CONGESTION_BY_DISTRICT,
                unit="percent",
            )
        )
        .with_panel(
            state_timeline(
                label("Tingkat pelayanan per ruas", "Level of service per segment"),
                _segment_series("los"),
                steps=LOS_STEPS,
                mappings=labels.los_rank_mappings(),
            )
        )
        .with_panel(
            state_timeline(
                label("Periode macet total per ruas", "Gridlock periods per segment"),
                _segment_series("gridlock"),
                steps=[(None, "green"), (1.0, "dark-red")],
                description="1 = LOS F for at least 15 minutes.",
            )
        )
        .with_panel(
            table_panel(
                label("Ruas jalan sekarang", "Road segments now"),
                SEGMENTS_NOW,
                span=14,
                mappings=labels.mappings(labels.LOS),
            )
        )
        .with_panel(
            table_panel(
                label("Riwayat macet total", "Gridlock history"),
                GRIDLOCK_PERIODS,
                span=10,
                mappings=labels.mappings(labels.STATE),
            )
        )
        .with_panel(
            time_series(
                label("Pangsa kendaraan ngebut per kecamatan", "Speeding share per district"),
                SPEEDING_BY_DISTRICT,
                unit="percentunit",
                span=8,
            )
        )
        .with_panel(
            bar_gauge(
                label("Ruas dengan ngebut terbanyak", "Most speeding segments"),
                SPEEDING_SEGMENTS,
                unit="percentunit",
                span=8,
                minimum=0,
                maximum=1,
                steps=[(None, "green"), (0.1, "orange"), (0.25, "red")],
            )
        )
        .with_panel(
            time_series(
                label("Volume kendaraan per kecamatan", "Vehicle volume per district"),
                VOLUME_BY_DISTRICT,
                unit="veh/h",
                span=8,
                description=f"{segment}: vehicles counted, per hour.",
            )
        )
    )
