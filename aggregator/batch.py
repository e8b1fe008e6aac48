"""Split a polled batch of Kafka records into rows, dead letters and offsets (pure).

Records we cannot use are values with a reason, never exceptions: a record that is not
a schema-1 reading becomes a ``poison_record`` dead letter, a reading older than the
retention horizon a ``too_late`` one. Both carry the record's origin
(``topic/partition/offset``) so a replay writes them once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import msgspec

from aggregator.rows import Row, raw_row
from kotacerdas.contract import DOMAINS, Domain
from kotacerdas.reasons import ReasonCode
from kotacerdas.wire import (
    H_ACTOR,
    H_MQTT_TOPIC,
    H_RECEIVED_AT,
    DeadLetter,
    Headers,
    decode_reading,
)

# How many receive times per batch feed the latency percentiles.
LATENCY_SAMPLES = 500

# Header added to dead letters the aggregator itself produces, naming the refused record.
H_ORIGIN = "kota-origin"


class KafkaRecord(Protocol):
    """The fields of aiokafka's ConsumerRecord this module reads."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers


@dataclass(frozen=True, slots=True)
class Letter:
    """A dead letter with its origin (the unique key of the ``dead_letter`` table)."""

    origin: str
    letter: DeadLetter


@dataclass(frozen=True, slots=True)
class Correction:
    """A reading with a revision above 0: it replaces a stored one with a lower revision
    (kotacerdas/contract.py, "Corrections"); ``actor`` is who sent it in."""

    domain: Domain
    row: Row
    revision: int
    actor: str


@dataclass
class Batch:
    rows: dict[Domain, list[Row]] = field(default_factory=lambda: {d: [] for d in DOMAINS})
    letters: list[Letter] = field(default_factory=list)
    # readings with a revision, applied after the rows, in arrival order
    corrections: list[Correction] = field(default_factory=list)
    # next offset to commit per (topic, partition)
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    # newest event time seen per (topic, partition), for the watermark
    newest: dict[tuple[str, int], datetime] = field(default_factory=dict)
    # (topic, partition, city) of the readings: which partitions carry which cities
    carried: set[tuple[str, int, str]] = field(default_factory=set)
    # bridge receive times of a sample of the readings (end-to-end latency)
    received: list[datetime] = field(default_factory=list)
    records: int = 0
    # readings behind their partition's watermark (stored; their windows recomputed)
    late: int = 0

    @property
    def row_count(self) -> int:
        return sum(len(r) for r in self.rows.values()) + len(self.corrections)


def origin_of(record: KafkaRecord) -> str:
    return f"{record.topic}/{record.partition}/{record.offset}"


def retention_horizon(now: datetime, retention: timedelta) -> datetime:
    """The oldest event time still stored: midnight UTC of the day ``retention`` ago.

    Retention drops whole days (daily partitions, or TimescaleDB's 1-day chunks) older
    than that day (migration 009, ``kota_apply_retention``), so a reading is refused as
    ``too_late`` exactly when the partition or chunk it belongs in is already gone.
    """
    day = (now - retention).astimezone(UTC).date()
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def split(
    records: Iterable[KafkaRecord],
    reading_topics: dict[str, Domain],
    dead_letter_topic: str,
    now: datetime,
    retention: timedelta,
    watermarks: Mapping[tuple[str, int], datetime] | None = None,
) -> Batch:
    """Classify ``records``; ``watermarks`` (per topic/partition) only count lateness."""
    batch = Batch()
    watermarks = watermarks or {}
    horizon = retention_horizon(now, retention)
    records = list(records)
    # Every n-th reading's receive time is enough for latency percentiles.
    sample_every = max(1, len(records) // LATENCY_SAMPLES)
    for index, record in enumerate(records):
        batch.records += 1
        tp = (record.topic, record.partition)
        batch.offsets[tp] = record.offset + 1
        if record.topic == dead_letter_topic:
            batch.letters.append(
                Letter(
                    _dead_letter_origin(record),
                    DeadLetter.from_record(record.value, record.headers),
                )
            )
            continue
        domain = reading_topics.get(record.topic)
        if domain is None:
            continue  # not subscribed to; cannot happen with a fixed subscription
        letter = _refusal(
            record, domain, horizon, now, batch, watermarks.get((record.topic, record.partition))
        )
        if letter is not None:
            batch.letters.append(letter)
        elif index % sample_every == 0:
            received = _received_at(record.headers)
            if received is not None:
                batch.received.append(received)
    return batch


def _received_at(headers: Headers) -> datetime | None:
    for key, value in headers:
        if key == H_RECEIVED_AT:
            try:
                return datetime.fromisoformat(value.decode())
            except ValueError:
                return None
    return None


def _refusal(
    record: KafkaRecord,
    domain: Domain,
    horizon: datetime,
    now: datetime,
    batch: Batch,
    watermark: datetime | None,
) -> Letter | None:
    """Add the record's row to ``batch``, or return why it cannot be stored."""
    try:
        reading = decode_reading(record.value or b"")
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return _letter(record, ReasonCode.POISON_RECORD, f"not a schema-1 reading: {exc}", now)
    if reading.domain != domain:
        return _letter(
            record,
            ReasonCode.POISON_RECORD,
            f"a {reading.domain} reading on the {domain} topic",
            now,
        )
    if reading.ts < horizon:
        return _letter(
            record,
            ReasonCode.TOO_LATE,
            f"event time {reading.ts.isoformat()} is before the retention horizon "
            f"{horizon.isoformat()}",
            now,
            reading.msg_id,
        )
    if reading.revision:
        actor = dict(record.headers).get(H_ACTOR)
        batch.corrections.append(
            Correction(
                domain,
                raw_row(reading, domain),
                reading.revision,
                actor.decode(errors="replace") if actor else "device",
            )
        )
    else:
        batch.rows[domain].append(raw_row(reading, domain))
    if watermark is not None and reading.ts < watermark:
        batch.late += 1
    tp = (record.topic, record.partition)
    if tp not in batch.newest or reading.ts > batch.newest[tp]:
        batch.newest[tp] = reading.ts
    batch.carried.add((record.topic, record.partition, reading.city))
    return None


def _letter(
    record: KafkaRecord, reason: ReasonCode, message: str, now: datetime, msg_id: str | None = None
) -> Letter:
    headers = dict(record.headers)
    topic = headers.get(H_MQTT_TOPIC)
    return Letter(
        origin_of(record),
        DeadLetter(
            reason=reason,
            message=message,
            payload=record.value or b"",
            mqtt_topic=topic.decode(errors="replace") if topic else None,
            received_at=now,
            source="aggregator",
            msg_id=msg_id,
        ),
    )


def _dead_letter_origin(record: KafkaRecord) -> str:
    """Letters the aggregator re-published carry their first origin: stored once."""
    for key, value in record.headers:
        if key == H_ORIGIN:
            return value.decode(errors="replace")
    return origin_of(record)
