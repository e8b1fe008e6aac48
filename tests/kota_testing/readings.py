"""Builders for canonical readings (aggregator tests skip MQTT and produce to Kafka)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from kotacerdas.contract import Reading

_METRICS = {
    "air": lambda i: {"pm25": 20.0 + i % 37, "pm10": 40.0 + i % 53, "no2": 30.0 + i % 11},
    "traffic": lambda i: {
        "vehicle_count": float(50 + i % 90),
        "avg_speed_kmh": 20.0 + i % 40,
        "speeding_count": float(i % 5),
    },
    "waste": lambda i: {"fill_level": float(i % 100), "temperature": 30.0 + i % 4},
}


def make_reading(
    sensor_id: str, domain: str, ts: datetime, seq: int = 0, city: str = "jakarta", **metrics: float
) -> Reading:
    return Reading(
        msg_id=uuid.uuid5(uuid.NAMESPACE_URL, f"{sensor_id}/{ts.isoformat()}").hex,
        city=city,
        domain=domain,
        sensor_id=sensor_id,
        ts=ts,
        seq=seq,
        metrics=metrics or _METRICS[domain](seq),
        source_format="kota/v1",
        interval_s=60 if domain == "traffic" else None,
    )


def make_stream(
    tag: str,
    sensors_per_domain: int = 3,
    minutes: int = 20,
    per_minute: int = 2,
    start: datetime | None = None,
) -> list[Reading]:
    """Readings of ``tag``-prefixed sensors, ``per_minute`` per sensor-minute."""
    start = start or (datetime.now(UTC) - timedelta(hours=3)).replace(second=0, microsecond=0)
    readings = []
    step = 60 // per_minute
    for domain in ("air", "traffic", "waste"):
        for n in range(sensors_per_domain):
            sensor = f"{tag}-{domain}-{n:04d}"
            for i in range(minutes * per_minute):
                readings.append(
                    make_reading(sensor, domain, start + timedelta(seconds=i * step), i)
                )
    return readings
