"""Kafka record formats between ingest and the aggregator (schema version 1).

Reading records: key = sensor_id (per-sensor order within a partition), value = compact
JSON of the ``Reading`` fields, headers carry the schema version, payload format and the
bridge's receive time. Dead-letter records: value = the *raw* payload bytes exactly as
received (nothing re-encoded), everything else in headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import msgspec

from kotacerdas.contract import Reading
from kotacerdas.reasons import ReasonCode

SCHEMA_VERSION = b"1"

H_SCHEMA = "kota-schema"
H_FORMAT = "kota-format"
H_RECEIVED_AT = "kota-received-at"
H_REASON = "kota-reason"
H_CAUSE = "kota-cause"
H_FIELD = "kota-field"
H_MESSAGE = "kota-message"
H_MQTT_TOPIC = "kota-mqtt-topic"
H_SOURCE = "kota-source"
H_MSG_ID = "kota-msg-id"
# Who sent a reading in, when it was not the device itself ("import:<user>",
# "replay:<user>"); the correction audit records it (absent: "device").
H_ACTOR = "kota-actor"
# Present (b"1") on readings of a backfill (kotacerdas import): their windows record
# alerts as historical, without live notifications. Only the import command sets it.
H_BACKFILL = "kota-backfill"

Headers = list[tuple[str, bytes]]


class WireReading(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """The reading as the aggregator reads it back; field names match ``Reading``.

    Defaults are omitted on the wire, so an original reading (revision 0) encodes as it
    did before revisions existed; a corrected one carries ``revision``.
    """

    msg_id: str
    city: str
    domain: str
    sensor_id: str
    ts: datetime
    metrics: dict[str, float]
    source_format: str
    seq: int | None = None
    device_ref: str | None = None
    interval_s: int | None = None
    revision: int = 0


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(WireReading)


def encode_reading(reading: Reading) -> bytes:
    return _encoder.encode(
        WireReading(
            msg_id=reading.msg_id,
            city=reading.city,
            domain=reading.domain,
            sensor_id=reading.sensor_id,
            ts=reading.ts,
            metrics=reading.metrics,
            source_format=reading.source_format,
            seq=reading.seq,
            device_ref=reading.device_ref,
            interval_s=reading.interval_s,
            revision=reading.revision,
        )
    )


def decode_reading(value: bytes) -> WireReading:
    """Raises ``msgspec.ValidationError``/``DecodeError`` for a record that is not ours."""
    reading = _decoder.decode(value)
    if reading.ts.tzinfo is None:
        raise msgspec.ValidationError("ts has no UTC offset")
    return reading


def reading_headers(source_format: str, received_at: datetime, actor: str | None = None) -> Headers:
    headers = [
        (H_SCHEMA, SCHEMA_VERSION),
        (H_FORMAT, source_format.encode()),
        (H_RECEIVED_AT, received_at.astimezone(UTC).isoformat().encode()),
    ]
    if actor is not None:
        headers.append((H_ACTOR, actor.encode()[:200]))
    return headers


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A refused message or field, with everything an operator needs to re-drive it."""

    reason: ReasonCode
    message: str
    payload: bytes
    mqtt_topic: str | None
    received_at: datetime
    source: str  # "ingest" or "aggregator"
    field: str | None = None
    cause: ReasonCode | None = None
    msg_id: str | None = None

    def headers(self) -> Headers:
        headers: Headers = [
            (H_SCHEMA, SCHEMA_VERSION),
            (H_REASON, self.reason.value.encode()),
            (H_MESSAGE, self.message.encode()[:1024]),
            (H_RECEIVED_AT, self.received_at.astimezone(UTC).isoformat().encode()),
            (H_SOURCE, self.source.encode()),
        ]
        optional = {
            H_MQTT_TOPIC: self.mqtt_topic,
            H_FIELD: self.field,
            H_CAUSE: self.cause.value if self.cause else None,
            H_MSG_ID: self.msg_id,
        }
        headers += [(k, v.encode()) for k, v in optional.items() if v is not None]
        return headers

    @classmethod
    def from_record(cls, value: bytes | None, headers: Headers) -> DeadLetter:
        """Rebuild from a Kafka record; unknown reasons survive as POISON_RECORD."""
        h = {k: v.decode(errors="replace") for k, v in headers}
        try:
            reason = ReasonCode(h.get(H_REASON, ""))
        except ValueError:
            reason = ReasonCode.POISON_RECORD
        cause = h.get(H_CAUSE)
        return cls(
            reason=reason,
            message=h.get(H_MESSAGE, ""),
            payload=value or b"",
            mqtt_topic=h.get(H_MQTT_TOPIC),
            received_at=_parse_time(h.get(H_RECEIVED_AT)),
            source=h.get(H_SOURCE, "unknown"),
            field=h.get(H_FIELD),
            cause=ReasonCode(cause) if cause and cause in ReasonCode._value2member_map_ else None,
            msg_id=h.get(H_MSG_ID),
        )


def _parse_time(text: str | None) -> datetime:
    if text:
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    return datetime.now(UTC)
