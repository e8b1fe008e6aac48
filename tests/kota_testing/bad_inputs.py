"""A catalogue of bad inputs, each with the dead-letter reason it must produce."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kota_testing.payloads import native

S = "jkt-air-0001"
T = f"kota/jakarta/air/{S}"


@dataclass(frozen=True)
class BadInput:
    name: str
    topic: str
    payload: bytes
    reason: str
    as_gateway: bool = False  # the sensor's own ACL would refuse the topic
    cause: str | None = None  # for field_rejected: why the field was refused


def _now(**delta: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(**delta)


def _native(**changes: object) -> bytes:
    body = json.loads(native(S, "air", _now(minutes=-1), 1))
    body.update(changes)
    return json.dumps(body).encode()


def catalogue(marker: str) -> list[BadInput]:
    """``marker`` goes into every payload that can carry it, to find the letters again."""
    ok = json.loads(_native(msg_id=f"{marker}-dup"))
    ngsi_traffic = {
        "id": f"urn:ngsi-ld:TrafficFlowObserved:{S}",
        "type": "TrafficFlowObserved",
        "dateObserved": _now(minutes=-1).isoformat(),
        "intensity": 10,
        "note": marker,
    }
    ngsi_other = {
        "id": "urn:ngsi-ld:AirQualityObserved:jkt-air-0002",
        "type": "AirQualityObserved",
        "dateObserved": _now(minutes=-1).isoformat(),
        "pm25": 12,
        "note": marker,
    }
    return [
        BadInput("truncated JSON", T, _native(msg_id=marker)[:40], "malformed_json"),
        BadInput(
            "metric of the wrong type",
            T,
            _native(msg_id=marker, metrics={"pm25": "high"}),
            "wrong_type",
        ),
        BadInput(
            "only metric NaN",
            T,
            _native(msg_id=marker, metrics={"pm25": 1}).replace(b'"pm25": 1', b'"pm25": NaN'),
            "not_finite",
        ),
        BadInput(
            "NaN",
            T,
            _native(msg_id=marker).replace(b'"pm25": 35.0', b'"pm25": NaN'),
            "field_rejected",
            cause="not_finite",
        ),
        BadInput(
            "number beyond double",
            T,
            _native(msg_id=marker).replace(b'"pm25": 35.0', b'"pm25": 1e400'),
            "field_rejected",
            cause="not_finite",
        ),
        BadInput(
            "physically impossible",
            T,
            _native(msg_id=marker, metrics={"pm25": 1e9}),
            "out_of_range",
        ),
        BadInput(
            "unknown sensor",
            "kota/jakarta/air/jkt-air-9999",
            _native(msg_id=marker, sensor_id="jkt-air-9999"),
            "unknown_sensor",
            True,
        ),
        BadInput(
            "unknown city", f"kota/atlantis/air/{S}", _native(msg_id=marker), "unknown_city", True
        ),
        BadInput(
            "wrong domain",
            f"kota/jakarta/traffic/{S}",
            _native(msg_id=marker),
            "wrong_domain",
            True,
        ),
        BadInput(
            "unknown domain",
            f"kota/jakarta/noise/{S}",
            _native(msg_id=marker),
            "unknown_domain",
            True,
        ),
        BadInput(
            "future timestamp",
            T,
            _native(msg_id=marker, ts=_now(hours=2).isoformat()),
            "future_timestamp",
        ),
        BadInput(
            "ancient timestamp",
            T,
            _native(msg_id=marker, ts="1999-01-01T00:00:00+07:00"),
            "too_old",
        ),
        BadInput(
            "naive timestamp",
            T,
            _native(msg_id=marker, ts="2026-11-28T08:00:00"),
            "invalid_timestamp",
        ),
        BadInput(
            "missing timestamp",
            T,
            json.dumps(
                {k: v for k, v in json.loads(_native(msg_id=marker)).items() if k != "ts"}
            ).encode(),
            "missing_timestamp",
        ),
        BadInput("duplicate id", T, json.dumps(ok).encode(), "duplicate"),
        BadInput("oversize", T, _native(msg_id=marker, padding="x" * 70_000), "oversize"),
        BadInput(
            "binary garbage", T, b"\x89PNG\r\n\x1a\n\x00\xff\xfe" + marker.encode(), "not_utf8"
        ),
        BadInput("empty payload", T, b"", "empty_payload"),
        BadInput(
            "SenML with bad base fields",
            T,
            json.dumps([{"bn": 5, "n": "pm25", "v": 3, "x": marker}]).encode(),
            "invalid_senml",
        ),
        BadInput(
            "NGSI entity of the wrong type", T, json.dumps(ngsi_traffic).encode(), "ngsi_wrong_type"
        ),
        BadInput(
            "NGSI entity naming another sensor",
            T,
            json.dumps(ngsi_other).encode(),
            "device_ref_mismatch",
        ),
        BadInput("topic too deep", f"{T}/extra", _native(msg_id=marker), "topic_too_deep", True),
        BadInput(
            "topic too short", "kota/jakarta/air", _native(msg_id=marker), "invalid_topic", True
        ),
        BadInput(
            "invalid sensor id in topic",
            "kota/jakarta/air/AB",
            _native(msg_id=marker),
            "invalid_sensor_id",
            True,
        ),
        BadInput(
            "non-UTF-8 inside a string",
            T,
            _native(msg_id=marker).replace(b'"v": 1', b'"v": 1, "n": "\xc3\x28"'),
            "not_utf8",
        ),
        BadInput(
            "payload claims another sensor",
            T,
            _native(msg_id=marker, sensor_id="jkt-air-0002"),
            "topic_mismatch",
        ),
        BadInput(
            "no known format", T, json.dumps({"hello": marker}).encode(), "unsupported_format"
        ),
        BadInput("schema version 2", T, _native(msg_id=marker, v=2), "unsupported_version"),
        BadInput("JSON that is not an object", T, b"[1, 2, 3]", "not_an_object"),
        BadInput("negative sequence number", T, _native(msg_id=marker, seq=-4), "invalid_seq"),
        BadInput(
            "unknown unit",
            T,
            _native(msg_id=marker, units={"pm25": "furlong"}),
            "field_rejected",
            cause="unknown_unit",
        ),
    ]
