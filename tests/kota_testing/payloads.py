"""Builders for sensor payloads (instead of copy-pasted dicts)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

DEFAULT_METRICS = {
    "air": {"pm25": 35.0, "pm10": 50.0, "no2": 40.0, "temperature": 29.0, "humidity": 70.0},
    "traffic": {
        "vehicle_count": 120.0,
        "avg_speed_kmh": 32.0,
        "occupancy": 40.0,
        "speeding_count": 4.0,
    },
    "waste": {"fill_level": 55.0, "temperature": 31.0, "weight_kg": 80.0, "lid_open": 0.0},
}


def native(
    sensor_id: str,
    domain: str,
    ts: datetime,
    seq: int,
    metrics: dict[str, float] | None = None,
    msg_id: str | None = None,
    **extra: object,
) -> bytes:
    body: dict[str, object] = {
        "v": 1,
        "sensor_id": sensor_id,
        "ts": ts.isoformat(),
        "seq": seq,
        "msg_id": msg_id or uuid.uuid4().hex,
        "metrics": metrics if metrics is not None else DEFAULT_METRICS[domain],
    }
    if domain == "traffic":
        body["interval_s"] = 60
    body.update(extra)
    return json.dumps(body).encode()


def minutes_ago(minutes: float, base: datetime | None = None) -> datetime:
    return (base or datetime.now(UTC)).replace(microsecond=0) - timedelta(minutes=minutes)


def topic(city: str, domain: str, sensor_id: str) -> str:
    return f"kota/{city}/{domain}/{sensor_id}"
