"""Dead-letter rows for the ``dead_letter`` table (pure helpers of the store)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from aggregator.batch import Letter
from aggregator.rows import RAW_TABLES, Row, raw_columns, row_time
from kotacerdas.contract import Domain
from kotacerdas.reasons import ReasonCode
from kotacerdas.wire import DeadLetter

INSERT_LETTER = (
    "INSERT INTO dead_letter (origin, reason, cause, field, message, mqtt_topic, city, domain, "
    "sensor_id, msg_id, payload, source, received_at) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (origin) DO NOTHING"
)


def poison_letter(domain: Domain, row: Row, message: str) -> Letter:
    """A row the database refused, kept as JSON under its natural key."""
    record = dict(zip(raw_columns(domain), row, strict=True))
    payload = json.dumps(record, default=str, sort_keys=True).encode()
    origin = f"db:{RAW_TABLES[domain]}/{record['sensor_id']}/{row_time(row).isoformat()}"
    return Letter(
        origin,
        DeadLetter(
            reason=ReasonCode.POISON_RECORD,
            message=f"database refused the row: {message}",
            payload=payload,
            mqtt_topic=None,
            received_at=datetime.now(UTC),
            source="aggregator",
            msg_id=str(record["msg_id"]),
        ),
    )


def letter_params(item: Letter) -> tuple[object, ...]:
    letter = item.letter
    city = domain = sensor = None
    if letter.mqtt_topic:
        parts = letter.mqtt_topic.split("/")
        if len(parts) == 4 and parts[0] == "kota":
            city, domain, sensor = parts[1], parts[2], parts[3]
    return (
        item.origin,
        letter.reason.value,
        letter.cause.value if letter.cause else None,
        letter.field,
        letter.message,
        letter.mqtt_topic,
        city,
        domain,
        sensor,
        letter.msg_id,
        letter.payload,
        letter.source,
        letter.received_at,
    )
