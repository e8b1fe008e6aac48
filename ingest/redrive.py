"""Re-drive a stored dead letter: decode it again with today's registry, units and rules (pure).

``kotacerdas deadletter replay`` reads letters from the ``dead_letter`` table and asks
:func:`redrive` what each one turns into now. No I/O and no clock: the letter's own
receive time anchors the time checks, exactly as when it arrived (a letter refused as
``unknown_sensor`` two weeks ago is not refused ``too_old`` now; a SenML relative time
means what it meant then). What passes is forwarded by the caller through the same Kafka
topics as live data, so the aggregator's dedup, rollups, indicators and alerts treat it
as late data.

Letters from ingest hold the raw MQTT payload and topic: they go through
:func:`ingest.formats.decode`. Letters from the aggregator (``too_late``, a record that
was not a schema-1 reading) hold the Kafka record value: it is read as a wire reading
and checked against the contract and the registry again. Refused without decoding:
  * ``duplicate`` — the reading it duplicated is stored; there is nothing to re-drive;
  * a row the database refused (origin ``db:…``) — its payload is our own JSON of a row,
    not something a sensor sent; fix the cause and ``kotacerdas import`` it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import msgspec
from pydantic import ValidationError

from ingest.formats import DEFAULT_LIMITS, DecodeLimits, Rejection, TopicParts, check_registry
from ingest.formats import decode as decode_message
from kotacerdas.contract import Reading
from kotacerdas.reasons import ReasonCode
from kotacerdas.registry import Registry
from kotacerdas.wire import decode_reading

__all__ = ["Redrive", "StoredLetter", "redrive"]


@dataclass(frozen=True, slots=True)
class StoredLetter:
    """A row of the ``dead_letter`` table, as replay needs it."""

    id: int
    origin: str
    reason: str
    field: str | None
    mqtt_topic: str | None
    payload: bytes
    source: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class Redrive:
    """What a letter turns into now: readings to forward, or why it is still refused.

    ``partial`` lists rejections of fields or readings of an accepted message (forwarded
    readings without them); ``correction``: the message was stored in part before (the
    letter is about one field), so its readings must replace what is stored.
    """

    readings: tuple[Reading, ...] = ()
    refusal: Rejection | None = None
    partial: tuple[Rejection, ...] = ()
    correction: bool = False


def redrive(
    letter: StoredLetter,
    registry: Registry,
    horizon: datetime,
    *,
    limits: DecodeLimits = DEFAULT_LIMITS,
    backfill: bool = False,
) -> Redrive:
    """Decode ``letter`` again. ``horizon`` is the aggregator's retention horizon (older
    readings cannot be stored); ``backfill`` lifts ingest's late limit to that horizon."""
    if letter.reason == ReasonCode.DUPLICATE:
        return _refused(
            ReasonCode.DUPLICATE, "a duplicate of a stored reading: nothing to re-drive"
        )
    if letter.origin.startswith("db:"):
        return _refused(
            ReasonCode.POISON_RECORD,
            "a row the database refused (our JSON, not a sensor's payload): fix the cause "
            "and import it with `kotacerdas import`",
        )
    if letter.source == "aggregator":
        found = _wire_reading(letter, registry)
    else:
        found = _message(letter, registry, horizon, limits, backfill)
    if found.refusal is not None:
        return found
    kept = tuple(r for r in found.readings if r.ts >= horizon)
    if not kept:
        return _refused(
            ReasonCode.TOO_LATE,
            f"every reading is before the retention horizon {horizon.isoformat()}",
        )
    return replace(found, readings=kept)


def _message(
    letter: StoredLetter,
    registry: Registry,
    horizon: datetime,
    limits: DecodeLimits,
    backfill: bool,
) -> Redrive:
    if not letter.mqtt_topic:
        return _refused(ReasonCode.INVALID_TOPIC, "the letter has no MQTT topic to decode it with")
    if backfill:
        reach = letter.received_at - horizon
        if reach > limits.max_age:
            limits = replace(limits, max_age=reach)
    result = decode_message(
        letter.mqtt_topic, letter.payload, letter.received_at, registry=registry, limits=limits
    )
    if not result.readings:
        first = result.rejections[0] if result.rejections else None
        return Redrive(refusal=first or Rejection(ReasonCode.NO_METRICS, "nothing decoded"))
    if letter.field is not None:
        still = [r for r in result.rejections if letter.field in (r.field, r.cause)]
        if still:  # the field this letter is about is refused again
            return Redrive(refusal=still[0])
    return Redrive(
        readings=result.readings,
        partial=result.rejections,
        correction=letter.field is not None,
    )


def _wire_reading(letter: StoredLetter, registry: Registry) -> Redrive:
    try:
        wire = decode_reading(letter.payload)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return _refused(ReasonCode.POISON_RECORD, f"not a schema-1 reading: {exc}")
    try:
        reading = Reading(**{f: getattr(wire, f) for f in wire.__struct_fields__})
    except ValidationError as exc:
        return _refused(ReasonCode.FIELD_REJECTED, f"the reading breaks the contract: {exc}")
    refused = check_registry(TopicParts(reading.city, reading.domain, reading.sensor_id), registry)
    if refused is not None:
        return Redrive(refusal=refused)
    return Redrive(readings=(reading,))


def _refused(reason: ReasonCode, message: str) -> Redrive:
    return Redrive(refusal=Rejection(reason, message))


def backfill_limits(limits: DecodeLimits, now: datetime, horizon: datetime) -> DecodeLimits:
    """``limits`` with the late limit reaching back to ``horizon`` (for imports)."""
    reach = now - horizon
    return replace(limits, max_age=max(limits.max_age, reach, timedelta(seconds=1)))
