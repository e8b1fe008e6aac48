"""Corrections in the batch split, and historical alert events (pure parts)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kota_testing.readings import make_reading

from aggregator.alerts.engine import AlertEvent
from aggregator.alerts.publisher import is_historical
from aggregator.batch import split
from aggregator.corrections import _same
from kotacerdas.wire import encode_reading, reading_headers

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TOPICS = {"kota.air.v1": "air", "kota.traffic.v1": "traffic", "kota.waste.v1": "waste"}


class Rec:
    def __init__(self, offset: int, value: bytes, headers: list) -> None:
        self.topic, self.partition, self.offset = "kota.air.v1", 0, offset
        self.key, self.value, self.headers = b"k", value, headers


def test_a_revised_reading_is_a_correction_not_a_row() -> None:
    original = make_reading("jkt-air-0001", "air", NOW - timedelta(minutes=5), 1, pm25=400.0)
    fixed = original.model_copy(update={"revision": 1, "metrics": {"pm25": 10.0}})
    records = [
        Rec(0, encode_reading(original), reading_headers("kota/v1", NOW)),
        Rec(1, encode_reading(fixed), reading_headers("kota/v1", NOW, "import:ops")),
    ]
    batch = split(records, TOPICS, "kota.deadletter.v1", NOW, timedelta(days=90))
    assert len(batch.rows["air"]) == 1 and len(batch.corrections) == 1
    correction = batch.corrections[0]
    assert correction.revision == 1 and correction.actor == "import:ops"
    assert batch.row_count == 2


def test_an_original_reading_encodes_as_before_revisions() -> None:
    reading = make_reading("jkt-air-0001", "air", NOW, 1)
    assert b"revision" not in encode_reading(reading)
    assert b'"revision":3' in encode_reading(reading.model_copy(update={"revision": 3}))


def test_a_correction_with_the_stored_values_changes_nothing() -> None:
    stored = {"sensor_id": "s", "ts": "t", "msg_id": "a", "seq": 1, "pm25": 10.0, "pm10": None}
    assert _same(stored, {**stored, "msg_id": "b", "seq": 2})
    assert not _same(stored, {**stored, "pm25": 11.0})
    assert not _same(None, stored)


def _event(kind: str, opened: datetime, closed: datetime | None) -> AlertEvent:
    return AlertEvent(
        kind,
        1,
        "hazardous_air",
        "air",
        "critical",
        "jakarta",
        None,
        "s",
        400.0,
        400.0,
        opened,
        closed,
        None,
        "m",
    )


def test_alert_events_about_the_past_are_historical() -> None:
    live = timedelta(days=7)
    long_ago = NOW - timedelta(days=30)
    assert is_historical(_event("open", long_ago, None), NOW, live)
    assert is_historical(_event("close", long_ago, long_ago + timedelta(hours=1)), NOW, live)
    assert not is_historical(_event("open", NOW - timedelta(hours=1), None), NOW, live)
    assert not is_historical(_event("update", long_ago, None), NOW, live)  # still going on
