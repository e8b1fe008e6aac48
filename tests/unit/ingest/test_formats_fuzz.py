"""Bad input never raises: any bytes, any JSON, any topic give a DecodeResult."""

from __future__ import annotations

import json
from typing import Any

from formats_support import AIR, NOW, REGISTRY, TRAFFIC, WASTE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.formats import DecodeResult, decode
from kotacerdas.contract import Reading
from kotacerdas.reasons import ReasonCode

_TOPICS = st.sampled_from(
    [
        AIR,
        TRAFFIC,
        WASTE,
        "kota/jakarta/air/jkt-air-0002",
        "kota/x/y/z",
        "kota",
        "",
        "/",
        "kota/jakarta/air/+",
    ]
) | st.text(max_size=40)


def check(result: DecodeResult) -> None:
    assert isinstance(result, DecodeResult)
    for reading in result.readings:
        assert Reading.model_validate(reading.model_dump()) == reading
    if not result.accepted:
        assert len(result.rejections) == 1
        assert isinstance(result.reason, ReasonCode)
    for rejection in result.rejections:
        assert rejection.reason in ReasonCode and rejection.message
        assert len(rejection.message) < 2_000
        if rejection.reason is ReasonCode.FIELD_REJECTED:
            assert rejection.cause is not None and rejection.field


@settings(max_examples=1_000, suppress_health_check=[HealthCheck.too_slow])
@given(_TOPICS, st.binary(max_size=2_048))
def test_any_bytes(topic: str, payload: bytes) -> None:
    check(decode(topic, payload, NOW, registry=REGISTRY))
    check(decode(topic, payload, NOW))


# JSON documents built from the vocabulary of every format, so the fuzz reaches the adapters.
_KEYS = st.sampled_from(
    [
        "v",
        "sensor_id",
        "ts",
        "seq",
        "msg_id",
        "metrics",
        "units",
        "interval_s",
        "bn",
        "bt",
        "bu",
        "bv",
        "bs",
        "bver",
        "n",
        "u",
        "vs",
        "vb",
        "vd",
        "s",
        "t",
        "ut",
        "id",
        "type",
        "@context",
        "value",
        "unitCode",
        "observedAt",
        "metadata",
        "dateObserved",
        "dateObservedTo",
        "dateObservedFrom",
        "timeInstant",
        "object",
        "pm25",
        "PM2.5",
        "no2",
        "CO",
        "relativeHumidity",
        "intensity",
        "occupancy",
        "fillingLevel",
        "status",
        "temperature",
        "vehicle_count",
        "speeding_count",
        "x_",
    ]
)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**80), 2**80)
    | st.floats()
    | st.sampled_from(
        [
            1,
            0,
            1795827600,
            1.5e9,
            -1,
            "jkt-air-0001",
            "jkt-air-0001:",
            "2026-11-28T01:00:00Z",
            "2026-11-28T00:00:00Z/2026-11-28T01:00:00Z",
            "2026-11-28T01:00:00",
            "ug/m3",
            "ppb",
            "GQ",
            "61",
            "P1",
            "Cel",
            "%",
            "/",
            "AirQualityObserved",
            "TrafficFlowObserved",
            "WasteContainer",
            "Property",
            "lidOpen",
            "urn:ngsi-ld:AirQualityObserved:jkt-air-0002",
        ]
    )
    | st.text(max_size=8)
)
_JSON: Any = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_KEYS, inner, max_size=6),
    max_leaves=25,
)


@settings(max_examples=1_500, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([AIR, TRAFFIC, WASTE]), _JSON)
def test_any_json(topic: str, doc: Any) -> None:
    payload = json.dumps(doc).encode()  # NaN/Infinity included, as Python devices send them
    check(decode(topic, payload, NOW, registry=REGISTRY))


def test_deep_nesting_is_malformed_not_a_crash() -> None:
    for payload in (b"[" * 50_000, b'{"v":' * 20_000, b"[" * 500 + b"]" * 500):
        result = decode(AIR, payload, NOW, registry=REGISTRY)
        check(result)


def test_huge_integer_text_is_malformed_not_a_crash() -> None:
    payload = b'{"v":1,"metrics":{"pm25":' + b"9" * 5_000 + b"}}"
    check(decode(AIR, payload, NOW, registry=REGISTRY))
