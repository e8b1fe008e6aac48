"""Pipeline health: throughput by domain, dead letters by reason, consumer lag,
end-to-end latency, silent sensors. Not per city: the pipeline is shared."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db

from kotacerdas.dashboards.base import new_dashboard
from kotacerdas.dashboards.panels import label, stat_panel, table_panel, time_series

UID = "kota-pipeline"

# Per-second rates: a bucket's sum divided by the bucket length ($__interval_ms).
READINGS_PER_S = f"""
    SELECT $__timeGroupAlias(ts, $__interval),
           sum(air) * 1000.0 / $__interval_ms AS "{label("Udara", "Air")}",
           sum(traffic) * 1000.0 / $__interval_ms AS "{label("Lalu lintas", "Traffic")}",
           sum(waste) * 1000.0 / $__interval_ms AS "{label("Sampah", "Waste")}",
           sum(duplicates) * 1000.0 / $__interval_ms
               AS "{label("Duplikat dibuang", "Duplicates dropped")}"
      FROM v_pipeline_batch
     WHERE $__timeFilter(ts)
     GROUP BY 1
     ORDER BY 1
"""

DEAD_LETTERS_PER_S = """
    SELECT $__timeGroupAlias(minute, $__interval), reason AS metric,
           sum(letters) * 1000.0 / $__interval_ms AS value
      FROM v_dead_letter_rate
     WHERE $__timeFilter(minute)
     GROUP BY 1, 2
     ORDER BY 1
"""

DEAD_LETTER_REASONS = f"""
    SELECT reason AS "{label("Alasan", "Reason")}",
           count(*) AS "{label("Jumlah", "Count")}",
           max(received_at) AS "{label("Terakhir", "Last")}",
           (array_agg(message ORDER BY received_at DESC))[1]
               AS "{label("Contoh pesan", "Latest message")}"
      FROM v_dead_letter
     WHERE $__timeFilter(received_at)
     GROUP BY reason
     ORDER BY 2 DESC
"""

CONSUMER_LAG = """
    SELECT $__timeGroupAlias(ts, $__interval), consumer AS metric, max(lag) AS value
      FROM v_pipeline_batch
     WHERE $__timeFilter(ts)
     GROUP BY 1, 2
     ORDER BY 1
"""

LATENCY = f"""
    SELECT $__timeGroupAlias(ts, $__interval),
           avg(latency_p50_s) AS "p50",
           max(latency_p99_s) AS "p99",
           max(write_s) AS "{label("Tulis batch", "Batch write")}"
      FROM v_pipeline_batch
     WHERE $__timeFilter(ts)
     GROUP BY 1
     ORDER BY 1
"""

# Silent = nothing heard for longer than the sensor's own reporting interval (never heard
# counts too); the view's own `silent` flag (3 intervals) is what raises an alert.
_SILENT = "(h.last_ts IS NULL OR h.silent_for > make_interval(secs => h.interval_s))"

SILENT_COUNT = f"""
    SELECT count(*) FILTER (WHERE {_SILENT}) AS "{label("Sensor diam", "Silent sensors")}",
           count(*) FILTER (WHERE h.silent)
               AS "{label("Diam > 3 interval", "Silent > 3 intervals")}"
      FROM v_sensor_health h
"""

SILENT_SENSORS = f"""
    SELECT h.sensor_id AS "Sensor", h.city AS "{label("Kota", "City")}",
           h.district AS "{label("Kecamatan", "District")}",
           h.domain AS "{label("Domain", "Domain")}",
           h.interval_s AS "{label("Interval (d)", "Interval (s)")}",
           h.last_ts AS "{label("Terakhir terdengar", "Last heard")}",
           extract(epoch FROM h.silent_for) AS "{label("Diam selama (d)", "Silent for (s)")}"
      FROM v_sensor_health h
     WHERE {_SILENT}
     ORDER BY h.last_ts DESC NULLS LAST, h.sensor_id
     LIMIT 200
"""

WATERMARKS = f"""
    SELECT topic AS "{label("Topik", "Topic")}", "partition" AS "{label("Partisi", "Partition")}",
           newest_ts AS "{label("Waktu kejadian terbaru", "Newest event time")}",
           watermark AS "Watermark",
           extract(epoch FROM now() - newest_ts) AS "{label("Tertinggal (d)", "Behind (s)")}"
      FROM v_watermark
     ORDER BY 1, 2
"""


def build() -> db.Dashboard:
    per_s = "reqps"
    return (
        new_dashboard(
            UID,
            label("Kesehatan pipeline", "Pipeline health"),
            "The pipeline's own health: throughput, refusals, lag, latency.",
            city=False,
            district=False,
        )
        .with_panel(
            time_series(
                label("Pembacaan tersimpan per detik", "Readings stored per second"),
                READINGS_PER_S,
                unit=per_s,
            )
        )
        .with_panel(
            time_series(
                label("Surat mati per alasan", "Dead letters by reason"),
                DEAD_LETTERS_PER_S,
                unit=per_s,
            )
        )
        .with_panel(
            time_series(
                label("Lag konsumen", "Consumer lag"),
                CONSUMER_LAG,
                unit="short",
                description="Kafka records not yet consumed.",
            )
        )
        .with_panel(
            time_series(
                label("Latensi ujung-ke-ujung", "End-to-end latency"),
                LATENCY,
                unit="s",
                steps=[(None, "green"), (5.0, "red")],
                description="Bridge receive → database commit, per batch.",
            )
        )
        .with_panel(
            stat_panel(
                label("Sensor diam", "Silent sensors"),
                SILENT_COUNT,
                span=8,
                steps=[(None, "green"), (1.0, "orange")],
            )
        )
        .with_panel(
            table_panel(
                label("Alasan surat mati", "Dead-letter reasons"),
                DEAD_LETTER_REASONS,
                span=16,
                height=5,
            )
        )
        .with_panel(
            table_panel(
                label(
                    "Sensor diam lebih lama dari intervalnya",
                    "Sensors silent for longer than their interval",
                ),
                SILENT_SENSORS,
                span=14,
                height=10,
            )
        )
        .with_panel(
            table_panel(
                label("Watermark waktu kejadian", "Event-time watermarks"),
                WATERMARKS,
                span=10,
                height=10,
            )
        )
    )
