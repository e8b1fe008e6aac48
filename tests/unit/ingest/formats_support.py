"""Shared builders for the ingest.formats tests: registry, clock, payload builders, and the
small test-only encoders the round-trip properties use (never imported by product code)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Final

import msgspec
from hypothesis import strategies as st

from ingest.formats import DecodeResult, decode
from kotacerdas.contract import DOMAINS, METRICS, Domain, Reading
from kotacerdas.reasons import ReasonCode
from kotacerdas.registry import Registry, load_registry

REGISTRY: Final[Registry] = load_registry()
NOW: Final = datetime(2026, 11, 28, 1, 0, 30, tzinfo=UTC)
DATA: Final = Path(__file__).resolve().parents[2] / "data" / "formats"
AIR: Final = "kota/jakarta/air/jkt-air-0001"
TRAFFIC: Final = "kota/jakarta/traffic/jkt-traffic-0001"
WASTE: Final = "kota/jakarta/waste/jkt-waste-0001"
SENSORS: Final[dict[Domain, list[str]]] = {
    d: sorted(s.sensor_id for s in REGISTRY.sensors.values() if s.domain == d) for d in DOMAINS
}

encode_json = msgspec.json.Encoder().encode


def topic_of(sensor_id: str) -> str:
    sensor = REGISTRY.sensors[sensor_id]
    return f"kota/{sensor.city}/{sensor.domain}/{sensor_id}"


def run(topic: str, payload: bytes | Any, received_at: datetime = NOW) -> DecodeResult:
    """decode() with the pilot registry; a non-bytes payload is JSON-encoded first."""
    raw = payload if isinstance(payload, bytes) else encode_json(payload)
    return decode(topic, raw, received_at, registry=REGISTRY)


def native(**fields: Any) -> dict[str, Any]:
    """A valid native v1 air payload for jkt-air-0001; keyword arguments override/add fields
    (``None`` removes one)."""
    doc: dict[str, Any] = {
        "v": 1,
        "sensor_id": "jkt-air-0001",
        "ts": "2026-11-28T08:00:00+07:00",
        "seq": 42,
        "metrics": {"pm25": 35.2, "pm10": 51.0},
    }
    for key, value in fields.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def assert_rejected(result: DecodeResult, reason: ReasonCode) -> None:
    assert not result.accepted, result
    assert len(result.rejections) == 1, result.rejections
    assert result.reason is reason, result.rejections[0]
    assert result.rejections[0].message


# --- hypothesis: canonical readings ---------------------------------------------------------

# Event times at millisecond precision (SenML carries float seconds) inside the window.
_WINDOW_MS: Final = (7 * 86_400 - 2) * 1_000


@st.composite
def readings(
    draw: st.DrawFn,
    domain: Domain | None = None,
    metric_names: tuple[str, ...] | None = None,
) -> Reading:
    """A contract-valid Reading of a registry sensor that every format can carry."""
    dom: Domain = domain if domain is not None else draw(st.sampled_from(DOMAINS))
    sensor_id = draw(st.sampled_from(SENSORS[dom]))
    sensor = REGISTRY.sensors[sensor_id]
    offset_ms = draw(st.integers(-4 * 60_000, _WINDOW_MS))
    ts = NOW - timedelta(milliseconds=offset_ms)
    names = draw(
        st.sets(st.sampled_from(metric_names or tuple(METRICS[dom])), min_size=1, max_size=6)
    )
    metrics: dict[str, float] = {}
    for name in sorted(names):
        spec = METRICS[dom][name]
        if name == "lid_open":
            metrics[name] = draw(st.sampled_from((0.0, 1.0)))
        else:
            metrics[name] = draw(
                st.floats(spec.low, spec.high, allow_nan=False, allow_infinity=False)
            )
    if "speeding_count" in metrics and "vehicle_count" in metrics:
        metrics["speeding_count"] = min(metrics["speeding_count"], metrics["vehicle_count"])
    return Reading.model_validate(
        {
            "msg_id": draw(st.text(min_size=1, max_size=128)),
            "city": sensor.city,
            "domain": dom,
            "sensor_id": sensor_id,
            "ts": ts,
            "seq": draw(st.none() | st.integers(0, 2**63 - 1)),
            "metrics": metrics,
            "source_format": "kota/v1",
            "interval_s": draw(st.none() | st.integers(1, 86_400)),
        }
    )


def offset_zone(minutes: int) -> timezone:
    return timezone(timedelta(minutes=minutes))


def ms_iso(ts: datetime, zone: timezone = UTC) -> str:
    return ts.astimezone(zone).isoformat(timespec="milliseconds")
