"""Synthetic readings of the registry's sensors, for floors and pre-loaded topics (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from kotacerdas.contract import Reading
from kotacerdas.registry import Sensor

METRICS = {
    "air": {"pm25": 35.0, "pm10": 50.0, "no2": 40.0, "temperature": 29.0, "humidity": 70.0},
    "traffic": {
        "vehicle_count": 60.0,
        "avg_speed_kmh": 35.0,
        "occupancy": 30.0,
        "speeding_count": 2.0,
    },
    "waste": {"fill_level": 40.0, "temperature": 31.0},
}


def readings(
    count: int, start: datetime, sensors: Sequence[Sensor], spacing_s: int = 60, tag: str = "b"
) -> list[Reading]:
    """``count`` readings round-robin over ``sensors``; each sensor's readings are
    ``spacing_s`` apart from ``start`` (60 s: one reading per 1-minute window)."""
    out = []
    n = len(sensors)
    for i in range(count):
        s = sensors[i % n]
        ts = start + timedelta(seconds=spacing_s * (i // n))
        metrics = {k: v + (i % 7) for k, v in METRICS[s.domain].items()}
        if s.domain == "traffic":
            metrics["speeding_count"] = min(metrics["speeding_count"], metrics["vehicle_count"])
        out.append(
            Reading(
                msg_id=f"{tag}{i}",
                city=s.city,
                domain=s.domain,
                sensor_id=s.sensor_id,
                ts=ts,
                seq=i,
                metrics=metrics,
                source_format="kota/v1",
                interval_s=60 if s.domain == "traffic" else None,
            )
        )
    return out
