"""Kafka records → rows, dead letters, offsets, watermarks (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kota_testing.readings import make_reading

from aggregator.batch import H_ORIGIN, split
from kotacerdas.reasons import ReasonCode
from kotacerdas.wire import DeadLetter, encode_reading, reading_headers

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TOPICS = {"kota.air.v1": "air", "kota.traffic.v1": "traffic", "kota.waste.v1": "waste"}


@dataclass
class Rec:
    topic: str
    partition: int
    offset: int
    value: bytes | None
    key: bytes | None = None
    headers: list = field(default_factory=list)


def _split(records, watermarks=None, now=NOW):
    return split(records, TOPICS, "kota.deadletter.v1", now, timedelta(days=90), watermarks)


def _reading_record(offset, ts, partition=0, domain="air"):
    reading = make_reading(f"jkt-{domain}-0001", domain, ts, offset)
    return Rec(
        f"kota.{domain}.v1",
        partition,
        offset,
        encode_reading(reading),
        headers=reading_headers("kota/v1", ts),
    )


def test_rows_offsets_and_newest_event_time_per_partition():
    records = [_reading_record(i, NOW - timedelta(minutes=10 - i)) for i in range(5)]
    records.append(_reading_record(7, NOW - timedelta(minutes=30), partition=1, domain="waste"))
    batch = _split(records)
    assert len(batch.rows["air"]) == 5 and len(batch.rows["waste"]) == 1
    assert batch.offsets == {("kota.air.v1", 0): 5, ("kota.waste.v1", 1): 8}
    assert batch.newest[("kota.air.v1", 0)] == NOW - timedelta(minutes=6)
    assert batch.letters == []
    assert len(batch.received) == 6


def test_garbage_on_a_reading_topic_is_a_poison_dead_letter_with_its_origin():
    batch = _split([Rec("kota.air.v1", 3, 41, b"{not a reading")])
    [letter] = batch.letters
    assert letter.letter.reason is ReasonCode.POISON_RECORD
    assert letter.origin == "kota.air.v1/3/41"
    assert letter.letter.payload == b"{not a reading"
    assert batch.offsets == {("kota.air.v1", 3): 42}


def test_a_reading_on_the_wrong_domain_topic_is_refused():
    record = _reading_record(0, NOW)
    record.topic = "kota.traffic.v1"
    assert _split([record]).letters[0].letter.reason is ReasonCode.POISON_RECORD


def test_readings_beyond_retention_are_too_late():
    batch = _split([_reading_record(0, NOW - timedelta(days=91))])
    assert batch.letters[0].letter.reason is ReasonCode.TOO_LATE
    assert batch.row_count == 0


def test_readings_behind_the_watermark_are_counted_late_but_stored():
    records = [_reading_record(0, NOW - timedelta(minutes=10)), _reading_record(1, NOW)]
    batch = _split(records, {("kota.air.v1", 0): NOW - timedelta(minutes=5)})
    assert batch.late == 1 and batch.row_count == 2


def test_dead_letters_keep_their_first_origin_when_republished():
    letter = DeadLetter(
        ReasonCode.MALFORMED_JSON, "bad", b"\x00\xff", "kota/a/air/x", NOW, "ingest"
    )
    plain = Rec("kota.deadletter.v1", 0, 5, b"\x00\xff", headers=letter.headers())
    again = Rec(
        "kota.deadletter.v1",
        0,
        9,
        b"\x00\xff",
        headers=[*letter.headers(), (H_ORIGIN, b"kota.air.v1/1/2")],
    )
    batch = _split([plain, again])
    assert [item.origin for item in batch.letters] == ["kota.deadletter.v1/0/5", "kota.air.v1/1/2"]
    assert batch.letters[0].letter.payload == b"\x00\xff"
    assert batch.letters[0].letter.reason is ReasonCode.MALFORMED_JSON


def test_the_too_late_horizon_is_the_first_kept_day_of_retention():
    """Retention drops whole days older than (today - days); a reading of the oldest kept
    day is stored, one a moment before it is refused."""
    from datetime import UTC, datetime

    from aggregator.batch import retention_horizon

    now = datetime(2026, 12, 3, 15, 30, tzinfo=UTC)
    horizon = retention_horizon(now, timedelta(days=90))
    assert horizon == datetime(2026, 9, 4, tzinfo=UTC)
    kept = _split([_reading_record(0, horizon)], now=now)
    refused = _split([_reading_record(0, horizon - timedelta(microseconds=1))], now=now)
    assert kept.row_count == 1 and not kept.letters
    assert refused.letters[0].letter.reason is ReasonCode.TOO_LATE
