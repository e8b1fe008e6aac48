"""Every dead-letter reason the decoder can give, each produced by a message that earns it."""

from __future__ import annotations

from typing import Any

import pytest
from formats_support import AIR, NOW, TRAFFIC, assert_rejected, encode_json, native, run

from ingest.formats import DecodeLimits, decode
from kotacerdas.reasons import ReasonCode as R

_NGSI_AIR = {
    "id": "urn:ngsi-ld:AirQualityObserved:jkt-air-0001",
    "type": "AirQualityObserved",
    "@context": "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld",
    "dateObserved": {"type": "Property", "value": "2026-11-28T01:00:00Z"},
    "NO2": {"type": "Property", "value": 20},
}
_NAN = b'{"v":1,"sensor_id":"jkt-air-0001","ts":"2026-11-28T08:00:00+07:00","metrics":{"pm25":NaN}}'

# (description, topic, payload, reason). A payload that is not bytes is JSON-encoded.
CASES: list[tuple[str, str, Any, R]] = [
    # size
    ("empty payload", AIR, b"", R.EMPTY_PAYLOAD),
    ("payload over 64 KiB", AIR, b"{" + b" " * 65_536 + b"}", R.OVERSIZE),
    ("SenML pack over max_records", AIR, [{"n": "pm25", "v": 1}] * 1_001, R.OVERSIZE),
    # topic
    ("topic outside kota/", "sensors/jakarta/air/jkt-air-0001", native(), R.INVALID_TOPIC),
    ("topic with three levels", "kota/jakarta/air", native(), R.INVALID_TOPIC),
    ("topic city level not a slug", "kota/Jakarta!/air/jkt-air-0001", native(), R.INVALID_TOPIC),
    ("topic one level too deep", AIR + "/pm25", native(), R.TOPIC_TOO_DEEP),
    ("domain not air/traffic/waste", "kota/jakarta/water/jkt-air-0001", native(), R.UNKNOWN_DOMAIN),
    ("sensor id breaks the pattern", "kota/jakarta/air/JKT AIR", native(), R.INVALID_SENSOR_ID),
    ("city not in the registry", "kota/bandung/air/jkt-air-0001", native(), R.UNKNOWN_CITY),
    ("sensor not in the registry", "kota/jakarta/air/jkt-air-9999", native(), R.UNKNOWN_SENSOR),
    ("sensor registered in another city", "kota/makassar/air/jkt-air-0001", native(), R.WRONG_CITY),
    (
        "sensor registered for another domain",
        "kota/jakarta/waste/jkt-air-0001",
        native(),
        R.WRONG_DOMAIN,
    ),
    # bytes
    ("invalid UTF-8 inside a string", AIR, b'{"v":1,"sensor_id":"\xff"}', R.NOT_UTF8),
    ("truncated JSON", AIR, b'{"v":1,"sensor_id":"jkt-air-0001"', R.MALFORMED_JSON),
    ("lone surrogate escape", AIR, b'{"v":1,"sensor_id":"\\ud800"}', R.MALFORMED_JSON),
    ("UTF-8 byte order mark", AIR, b"\xef\xbb\xbf{}", R.MALFORMED_JSON),
    ("top-level number", AIR, b"42", R.NOT_AN_OBJECT),
    ("top-level array of numbers", AIR, [1, 2, 3], R.NOT_AN_OBJECT),
    # format
    (
        "object with no format marker",
        AIR,
        {"sensor": "jkt-air-0001", "pm25": 3},
        R.UNSUPPORTED_FORMAT,
    ),
    ("NGSI entity batch (array)", AIR, [_NGSI_AIR], R.UNSUPPORTED_FORMAT),
    ("native v2", AIR, native(v=2), R.UNSUPPORTED_VERSION),
    ("native v as a string", AIR, native(v="1"), R.UNSUPPORTED_VERSION),
    ("native v true", AIR, native(v=True), R.UNSUPPORTED_VERSION),
    ("SenML bn not a string", AIR, [{"bn": 5, "n": "pm25", "v": 1}], R.INVALID_SENML),
    ("SenML record with v and vs", AIR, [{"n": "pm25", "v": 1, "vs": "1"}], R.INVALID_SENML),
    ("SenML name empty after bn + n", AIR, [{"v": 1}], R.INVALID_SENML),
    ("SenML bver 11", AIR, [{"bver": 11, "n": "pm25", "v": 1}], R.INVALID_SENML),
    ("SenML must-understand label", AIR, [{"n": "pm25", "v": 1, "x_": 1}], R.INVALID_SENML),
    ("NGSI id not a string", AIR, {**_NGSI_AIR, "id": 5}, R.INVALID_NGSI),
    (
        "NGSI type of another domain",
        AIR,
        {**_NGSI_AIR, "type": "TrafficFlowObserved"},
        R.NGSI_WRONG_TYPE,
    ),
    ("NGSI type unknown", AIR, {"id": "x", "type": "Device", "value": 1}, R.NGSI_WRONG_TYPE),
    # identity
    ("native sensor_id of another sensor", AIR, native(sensor_id="jkt-air-0002"), R.TOPIC_MISMATCH),
    ("native sensor_id missing", AIR, native(sensor_id=None), R.MISSING_FIELD),
    ("native sensor_id a number", AIR, native(sensor_id=1), R.WRONG_TYPE),
    (
        "NGSI id naming another sensor",
        AIR,
        {**_NGSI_AIR, "id": "urn:ngsi-ld:AirQualityObserved:jkt-air-0002"},
        R.DEVICE_REF_MISMATCH,
    ),
    (
        "SenML bn naming another sensor",
        AIR,
        [{"bn": "jkt-air-0002:", "n": "pm25", "v": 1}],
        R.DEVICE_REF_MISMATCH,
    ),
    # time
    ("native ts missing", AIR, native(ts=None), R.MISSING_TIMESTAMP),
    (
        "NGSI entity without any time",
        AIR,
        {k: v for k, v in _NGSI_AIR.items() if k != "dateObserved"},
        R.MISSING_TIMESTAMP,
    ),
    ("native ts naive", AIR, native(ts="2026-11-28T08:00:00"), R.INVALID_TIMESTAMP),
    ("native ts not a date", AIR, native(ts="yesterday"), R.INVALID_TIMESTAMP),
    ("native ts epoch number", AIR, native(ts=1795827600), R.INVALID_TIMESTAMP),
    (
        "native ts out of datetime range",
        AIR,
        native(ts="0001-01-01T00:00:00+05:00"),
        R.INVALID_TIMESTAMP,
    ),
    ("native ts an hour ahead", AIR, native(ts="2026-11-28T09:00:00+07:00"), R.FUTURE_TIMESTAMP),
    ("native ts four weeks old", AIR, native(ts="2026-10-31T08:00:00+07:00"), R.TOO_OLD),
    ("SenML absolute time 2010", AIR, [{"bt": 1.276020076e9, "n": "pm25", "v": 1}], R.TOO_OLD),
    # fields
    ("native metrics missing", AIR, native(metrics=None), R.MISSING_FIELD),
    ("native metrics a list", AIR, native(metrics=[1, 2]), R.WRONG_TYPE),
    ("native units a string", AIR, native(units="ug/m3"), R.WRONG_TYPE),
    ("only metric is a string", AIR, native(metrics={"pm25": "35"}), R.WRONG_TYPE),
    ("only metric is a bool", AIR, native(metrics={"pm25": True}), R.WRONG_TYPE),
    ("SenML metric as vs", AIR, [{"n": "pm25", "vs": "35"}], R.WRONG_TYPE),
    ("seq negative", AIR, native(seq=-1), R.INVALID_SEQ),
    ("seq a float", AIR, native(seq=1.5), R.INVALID_SEQ),
    ("seq beyond BIGINT", AIR, native(seq=2**63), R.INVALID_SEQ),
    ("interval_s zero", AIR, native(interval_s=0), R.INVALID_INTERVAL),
    ("interval_s over a day", AIR, native(interval_s=86_401), R.INVALID_INTERVAL),
    (
        "NGSI dateObserved interval ending before it starts",
        AIR,
        {**_NGSI_AIR, "dateObserved": "2026-11-28T01:00:00Z/2026-11-28T00:00:00Z"},
        R.INVALID_INTERVAL,
    ),
    ("msg_id empty", AIR, native(msg_id=""), R.INVALID_MSG_ID),
    ("msg_id over 128 characters", AIR, native(msg_id="x" * 129), R.INVALID_MSG_ID),
    ("rev negative", AIR, native(rev=-1), R.INVALID_REVISION),
    ("rev a string", AIR, native(rev="2"), R.INVALID_REVISION),
    ("only metric NaN", AIR, _NAN, R.NOT_FINITE),
    ("only metric beyond float range", AIR, _NAN.replace(b"NaN", b"1e400"), R.NOT_FINITE),
    ("only metric negative", AIR, native(metrics={"pm25": -1}), R.OUT_OF_RANGE),
    ("humidity 101 %", AIR, native(metrics={"humidity": 101}), R.OUT_OF_RANGE),
    ("integer beyond float range", AIR, native(metrics={"pm25": 10**400}), R.OUT_OF_RANGE),
    (
        "only metric in an unknown unit",
        AIR,
        native(units={"pm25": "furlong"}, metrics={"pm25": 1}),
        R.UNKNOWN_UNIT,
    ),
    (
        "pm25 in ppb (no molar mass)",
        AIR,
        native(units={"pm25": "ppb"}, metrics={"pm25": 1}),
        R.UNKNOWN_UNIT,
    ),
    (
        "more speeding vehicles than vehicles",
        TRAFFIC,
        native(sensor_id="jkt-traffic-0001", metrics={"vehicle_count": 5, "speeding_count": 9}),
        R.INCONSISTENT,
    ),
    ("only unknown metric names", AIR, native(metrics={"lat": -6.2, "battery": 98}), R.NO_METRICS),
    ("empty metrics object", AIR, native(metrics={}), R.NO_METRICS),
    ("empty SenML pack", AIR, [], R.NO_METRICS),
    (
        "SenML of voltage and current",
        AIR,
        [{"bn": "d:", "n": "voltage", "u": "V", "v": 1}],
        R.NO_METRICS,
    ),
]


@pytest.mark.parametrize(
    ("topic", "payload", "reason"),
    [pytest.param(t, p, r, id=d) for d, t, p, r in CASES],
)
def test_each_reason_is_produced(topic: str, payload: Any, reason: R) -> None:
    assert_rejected(run(topic, payload), reason)


def test_the_table_covers_at_least_25_reasons() -> None:
    covered = {reason for *_, reason in CASES}
    # Reasons that belong to later stages (retention, dedup, database), not to decoding.
    downstream = {R.TOO_LATE, R.DUPLICATE, R.POISON_RECORD, R.FIELD_REJECTED}
    assert len(covered) >= 25
    assert covered == set(R) - downstream


def test_field_level_quarantine_keeps_the_good_fields() -> None:
    result = run(AIR, native(metrics={"pm25": 35.2, "no2": "high", "pm10": 51.0}))
    assert result.accepted and result.partial
    assert result.readings[0].metrics == {"pm25": 35.2, "pm10": 51.0}
    (rejection,) = result.rejections
    assert rejection.reason is R.FIELD_REJECTED
    assert rejection.field == "no2"
    assert rejection.cause is R.WRONG_TYPE
    assert "no2" in rejection.message and "'high'" in rejection.message


@pytest.mark.parametrize(
    ("bad", "cause"),
    [
        ("NaN", R.NOT_FINITE),
        ("-5", R.OUT_OF_RANGE),
        ('"5"', R.WRONG_TYPE),
        ("null", R.WRONG_TYPE),
        ("[5]", R.WRONG_TYPE),
    ],
)
def test_each_field_cause_is_quarantined(bad: str, cause: R) -> None:
    payload = (
        b'{"v":1,"sensor_id":"jkt-air-0001","ts":"2026-11-28T08:00:00+07:00",'
        b'"metrics":{"pm10":20,"no2":' + bad.encode() + b"}}"
    )
    result = run(AIR, payload)
    assert result.readings[0].metrics == {"pm10": 20.0}
    assert [(r.reason, r.field, r.cause) for r in result.rejections] == [
        (R.FIELD_REJECTED, "no2", cause)
    ]


def test_unit_quarantine_names_the_unit() -> None:
    result = run(AIR, native(metrics={"pm25": 1, "no2": 2}, units={"no2": "bananas"}))
    assert result.readings[0].metrics == {"pm25": 1.0}
    (rejection,) = result.rejections
    assert (rejection.field, rejection.cause) == ("no2", R.UNKNOWN_UNIT)
    assert "bananas" in rejection.message


def test_whole_rejection_takes_the_first_field_cause_and_lists_all() -> None:
    result = run(AIR, native(metrics={"pm25": "x", "no2": -3}))
    assert_rejected(result, R.WRONG_TYPE)
    message = result.rejections[0].message
    assert "pm25" in message and "no2" in message


def test_time_is_checked_before_fields() -> None:
    # A naive ts and a string metric: the time is the dead-letter reason (order of checks).
    result = run(AIR, native(ts="2026-11-28T08:00:00", metrics={"pm25": "x"}))
    assert_rejected(result, R.INVALID_TIMESTAMP)


def test_identity_is_checked_before_time() -> None:
    result = run(AIR, native(sensor_id="jkt-air-0002", ts="garbage"))
    assert_rejected(result, R.TOPIC_MISMATCH)


def test_size_is_checked_before_the_topic() -> None:
    assert_rejected(run("not/a/topic", b""), R.EMPTY_PAYLOAD)


def test_topic_is_checked_before_the_bytes() -> None:
    assert_rejected(run("kota/jakarta/air/jkt-air-9999", b"\xff"), R.UNKNOWN_SENSOR)


def test_without_registry_only_the_topic_shape_is_checked() -> None:
    payload = encode_json(native(sensor_id="zzz-air-0009"))
    result = decode("kota/atlantis/air/zzz-air-0009", payload, NOW)
    assert result.accepted
    assert result.readings[0].city == "atlantis"


def test_limits_are_configurable() -> None:
    limits = DecodeLimits(max_payload_bytes=10)
    result = decode(AIR, encode_json(native()), NOW, limits=limits)
    assert_rejected(result, R.OVERSIZE)
    assert "10" in result.rejections[0].message


def test_messages_quote_values_boundedly() -> None:
    result = run(AIR, native(metrics={"pm25": "x" * 10_000}))
    assert len(result.rejections[0].message) < 300


def test_new_reason_has_both_meanings() -> None:
    assert R.INVALID_MSG_ID.meaning_id and R.INVALID_MSG_ID.meaning_en
