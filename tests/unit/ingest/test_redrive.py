"""Re-driving stored dead letters with today's registry (ingest.redrive, pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kota_testing.readings import make_reading

from ingest.formats import decode
from ingest.redrive import StoredLetter, redrive
from kotacerdas.reasons import ReasonCode as R
from kotacerdas.registry import load_registry
from kotacerdas.wire import encode_reading

CITIES = Path(__file__).parents[2] / "data" / "cities"
TODAY = load_registry(CITIES)  # knows ujp-air-0001..0005
RECEIVED = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
HORIZON = RECEIVED - timedelta(days=90)


def _native(sensor: str, ts: datetime, **extra: object) -> bytes:
    body = {"v": 1, "sensor_id": sensor, "ts": ts.isoformat(), "metrics": {"pm25": 30.0}}
    return json.dumps({**body, **extra}).encode()


def _letter(reason: str, payload: bytes, topic: str | None = None, **kw: object) -> StoredLetter:
    fields = {
        "id": 1,
        "origin": "kota.deadletter.v1/0/1",
        "reason": reason,
        "field": None,
        "mqtt_topic": topic,
        "payload": payload,
        "source": "ingest",
        "received_at": RECEIVED,
    } | kw
    return StoredLetter(**fields)  # type: ignore[arg-type]


def test_an_unknown_sensor_passes_once_the_registry_knows_it() -> None:
    topic = "kota/ujipulih/air/ujp-air-0002"
    payload = _native("ujp-air-0002", RECEIVED - timedelta(minutes=1))
    found = redrive(_letter("unknown_sensor", payload, topic), TODAY, HORIZON)
    assert found.refusal is None and not found.correction
    # exactly what the live decoder gives for the same message and receive time
    assert found.readings == decode(topic, payload, RECEIVED, registry=TODAY).readings


def test_a_letter_still_refused_keeps_a_reason() -> None:
    topic = "kota/ujipulih/air/ujp-air-0099"
    found = redrive(
        _letter("unknown_sensor", _native("ujp-air-0099", RECEIVED), topic), TODAY, HORIZON
    )
    assert found.refusal is not None and found.refusal.reason == R.UNKNOWN_SENSOR


def test_time_checks_use_the_letters_receive_time_and_backfill_lifts_the_late_limit() -> None:
    topic = "kota/ujipulih/air/ujp-air-0001"
    old = _letter("too_old", _native("ujp-air-0001", RECEIVED - timedelta(days=10)), topic)
    assert redrive(old, TODAY, HORIZON).refusal.reason == R.TOO_OLD  # type: ignore[union-attr]
    assert redrive(old, TODAY, HORIZON, backfill=True).readings


def test_duplicates_and_database_rows_are_not_redriven() -> None:
    dup = _letter("duplicate", _native("ujp-air-0001", RECEIVED), "kota/ujipulih/air/ujp-air-0001")
    assert redrive(dup, TODAY, HORIZON).refusal.reason == R.DUPLICATE  # type: ignore[union-attr]
    row = _letter("poison_record", b"{}", origin="db:air_reading/x/y", source="aggregator")
    assert redrive(row, TODAY, HORIZON).refusal.reason == R.POISON_RECORD  # type: ignore[union-attr]


def test_an_aggregator_letter_is_read_as_a_wire_reading() -> None:
    reading = make_reading("ujp-air-0001", "air", RECEIVED - timedelta(days=1), 1, city="ujipulih")
    letter = _letter("too_late", encode_reading(reading), source="aggregator")
    assert redrive(letter, TODAY, HORIZON).readings == (reading,)
    # still before the horizon: still too late
    found = redrive(letter, TODAY, RECEIVED)
    assert found.refusal is not None and found.refusal.reason == R.TOO_LATE
    garbage = _letter("poison_record", b"not json", source="aggregator")
    assert redrive(garbage, TODAY, HORIZON).refusal.reason == R.POISON_RECORD  # type: ignore[union-attr]


def test_a_field_letter_becomes_a_correction_once_the_field_passes() -> None:
    topic = "kota/ujipulih/air/ujp-air-0001"
    payload = json.dumps(
        {
            "v": 1,
            "sensor_id": "ujp-air-0001",
            "ts": RECEIVED.isoformat(),
            "metrics": {"pm25": 30.0, "pm10": 50.0},
            "units": {"pm10": "ug/m3"},
        }
    ).encode()
    found = redrive(_letter("field_rejected", payload, topic, field="pm10"), TODAY, HORIZON)
    assert found.correction and found.readings[0].metrics == {"pm25": 30.0, "pm10": 50.0}
    bad = payload.replace(b'"ug/m3"', b'"furlong"')
    still = redrive(_letter("field_rejected", bad, topic, field="pm10"), TODAY, HORIZON)
    assert still.refusal is not None and still.refusal.reason == R.FIELD_REJECTED


def test_a_native_revision_is_read_and_gets_its_own_message_id() -> None:
    topic = "kota/ujipulih/air/ujp-air-0001"
    first = decode(topic, _native("ujp-air-0001", RECEIVED), RECEIVED, registry=TODAY).readings[0]
    fixed = decode(topic, _native("ujp-air-0001", RECEIVED, rev=2), RECEIVED, registry=TODAY)
    assert fixed.readings[0].revision == 2 and first.revision == 0
    assert fixed.readings[0].msg_id != first.msg_id
