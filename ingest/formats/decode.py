"""``decode``: one MQTT message (topic, payload bytes, receive time) to readings or a rejection.

The checks run in a fixed order and the first failure names the dead letter:

1. size — ``empty_payload``, ``oversize``;
2. topic — ``invalid_topic``, ``topic_too_deep``, ``unknown_domain``, ``invalid_sensor_id``;
   with a registry ``unknown_city``, ``unknown_sensor``, ``wrong_city``, ``wrong_domain``;
3. bytes — ``not_utf8``, ``malformed_json``, ``not_an_object``;
4. format — the adapter whose markers the payload carries, else ``unsupported_format``;
   then inside the adapter: structure/version, identity, time, fields (see the adapters).

Sans-IO (h11 style): no clock is read, the caller passes ``received_at``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Final

import msgspec

from ingest.formats import native as _native
from ingest.formats import ngsi as _ngsi
from ingest.formats import senml as _senml
from ingest.formats.adapters import adapter_chain
from ingest.formats.assembly import Context
from ingest.formats.result import (
    DEFAULT_LIMITS,
    DecodeLimits,
    DecodeRejected,
    DecodeResult,
    Rejection,
    TopicParts,
    shorten,
)
from ingest.formats.topic import _parse_topic, check_registry
from kotacerdas.reasons import ReasonCode
from kotacerdas.registry import Registry

__all__ = ["decode"]

# Marker precedence: a native object may also look like an NGSI entity ("id", "type"), never
# the other way round, so native is asked first; SenML (arrays) and NGSI (objects) are
# disjoint; NGSI-LD's markers are a refinement of NGSI v2's.
PRECEDENCE: Final = (_native.FORMAT, _senml.FORMAT, _ngsi.LD_FORMAT, _ngsi.V2_FORMAT)
_CHAIN: Final = adapter_chain(PRECEDENCE)
_JSON: Final = msgspec.json.Decoder()
# What msgspec raises on input it refuses (malformed, too deep, bad UTF-8 in a string,
# numbers beyond float range); the lenient second pass then says which it was.
_MSGSPEC_REFUSALS: Final = (msgspec.MsgspecError, RecursionError, UnicodeDecodeError)


def decode(
    topic: str,
    payload: bytes,
    received_at: datetime,
    *,
    registry: Registry | None = None,
    limits: DecodeLimits = DEFAULT_LIMITS,
) -> DecodeResult:
    """Decode one message; never raises for anything the payload or topic contains.

    ``received_at`` must be timezone-aware (it anchors the future/too-old window and SenML
    relative times); a naive one is a caller bug and raises ``ValueError``.
    """
    if received_at.tzinfo is None:
        raise ValueError(f"received_at must be timezone-aware, got {received_at!r}")
    size = len(payload)
    if size == 0:
        return _refused(ReasonCode.EMPTY_PAYLOAD, "the payload is empty")
    if size > limits.max_payload_bytes:
        return _refused(
            ReasonCode.OVERSIZE,
            f"the payload has {size} bytes, more than {limits.max_payload_bytes}",
        )
    parts = _parse_topic(topic, limits.max_topic_levels)
    if type(parts) is not TopicParts:
        return DecodeResult(rejections=(parts,))  # type: ignore[arg-type]
    if registry is not None:
        refused = check_registry(parts, registry)
        if refused is not None:
            return DecodeResult(rejections=(refused,))
    try:
        doc = _JSON.decode(payload)
    except _MSGSPEC_REFUSALS:
        doc = _lenient_parse(payload)
        if type(doc) is Rejection:
            return DecodeResult(rejections=(doc,))
    if received_at.tzinfo is not UTC:
        received_at = received_at.astimezone(UTC)
    ctx = Context(parts, received_at, limits, registry)
    for adapter in _CHAIN:
        if adapter.claims(doc):
            try:
                return adapter.decode(doc, ctx)
            except DecodeRejected as refusal:
                return DecodeResult(rejections=(refusal.rejection,), format=adapter.name)
    return DecodeResult(rejections=(_unclaimed(doc),))


def _refused(reason: ReasonCode, message: str) -> DecodeResult:
    return DecodeResult(rejections=(Rejection(reason, message),))


def _lenient_parse(payload: bytes) -> object:
    """Second pass after msgspec refused: the precise reason, or the document.

    Python's parser accepts what devices built on it emit and msgspec refuses — ``NaN``,
    ``Infinity`` and numbers beyond float range — so such a field can be quarantined as
    ``not_finite`` instead of losing the whole message as malformed.
    """
    try:
        text = bytes(payload).decode("utf-8")
    except UnicodeDecodeError as exc:
        return Rejection(ReasonCode.NOT_UTF8, f"byte {exc.start} is not valid UTF-8 ({exc.reason})")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return Rejection(ReasonCode.MALFORMED_JSON, f"not parseable JSON: {shorten(str(exc))}")
    try:
        # A \ud800-style escape parses to a lone surrogate no UTF-8 sink can store.
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return Rejection(ReasonCode.MALFORMED_JSON, "a string holds a lone UTF-16 surrogate")
    except (ValueError, RecursionError) as exc:
        return Rejection(ReasonCode.MALFORMED_JSON, f"not storable JSON: {shorten(str(exc))}")
    return doc


def _unclaimed(doc: object) -> Rejection:
    if type(doc) is list:
        if any(type(item) is not dict for item in doc):
            return Rejection(
                ReasonCode.NOT_AN_OBJECT,
                f"the top-level JSON array holds {shorten(doc)}, not SenML records",
            )
        return Rejection(
            ReasonCode.UNSUPPORTED_FORMAT,
            "a JSON array whose first object has no SenML label (an NGSI entity batch is not "
            "accepted: send one entity per message)",
        )
    if type(doc) is not dict:
        return Rejection(
            ReasonCode.NOT_AN_OBJECT,
            f"the top-level JSON value is {type(doc).__name__} {shorten(doc)}, not an object",
        )
    keys = ", ".join(sorted(doc)[:8])
    return Rejection(
        ReasonCode.UNSUPPORTED_FORMAT,
        f"an object without the markers of any format (native 'v', NGSI 'id'+'type' or "
        f"'@context'); keys: {shorten(keys)}",
    )
