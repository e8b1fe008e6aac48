"""The checks every adapter shares, and the assembly of readings into a :class:`DecodeResult`.

Adapters turn their payload shape into :class:`Candidate` readings (time, metrics already in
canonical units, field-level rejections); :func:`finalize` applies the reading-level rules
(event time window, consistency) and builds the contract's ``Reading`` values.

``Reading`` is built without re-validation (construct.py) because every rule of the contract
is enforced here first (tests/unit/ingest prove it with hypothesis against
``Reading.model_validate``): msg_id length, city/sensor patterns (topic.py), aware UTC ts,
seq ≥ 0, metric names of the domain with finite in-range values, device_ref length,
interval 1..86 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from math import isfinite
from typing import Final, NoReturn

from ingest.formats.construct import construct_reading
from ingest.formats.result import (
    DecodeLimits,
    DecodeRejected,
    DecodeResult,
    Rejection,
    TopicParts,
    shorten,
)
from ingest.formats.units import IDENTITY, Converter
from kotacerdas.contract import (
    METRICS,
    Domain,
    Reading,
    SourceFormat,
    check_metric,
    derive_msg_id,
)
from kotacerdas.reasons import ReasonCode
from kotacerdas.registry import Registry

__all__ = [
    "BOUNDS",
    "MAX_DEVICE_REF_CHARS",
    "MAX_MSG_ID_CHARS",
    "Candidate",
    "Context",
    "check_device_ref",
    "check_time",
    "field_rejection",
    "finalize",
    "make_reading",
    "metric_value",
    "reject",
]

# Reading.msg_id and Reading.device_ref bounds (kotacerdas/contract.py).
MAX_MSG_ID_CHARS: Final = 128
MAX_DEVICE_REF_CHARS: Final = 256
# seq goes to a BIGINT column: the contract says >= 0, the database says < 2**63.
MAX_SEQ: Final = 2**63 - 1
# Our sensor id scheme {city code}-{domain}-{nnnn}: a payload identity containing a token of
# this shape "clearly names" a sensor even when no registry is at hand.
_OUR_SENSOR_ID: Final = re.compile(r"^[a-z0-9]{2,8}-(?:air|traffic|waste)-[0-9]{3,}$")
_REF_SEPARATORS: Final = re.compile(r"[:/#?&=;,\s]+")
# The reasons that concern a whole reading rather than a field, in the order they are checked.
# (low, high) of every canonical metric per domain, from the contract's METRICS table.
BOUNDS: Final = {
    domain: {name: (spec.low, spec.high) for name, spec in specs.items()}
    for domain, specs in METRICS.items()
}
_READING_LEVEL: Final = frozenset(
    {
        ReasonCode.MISSING_TIMESTAMP,
        ReasonCode.INVALID_TIMESTAMP,
        ReasonCode.FUTURE_TIMESTAMP,
        ReasonCode.TOO_OLD,
        ReasonCode.INCONSISTENT,
    }
)


class Context:
    """One message's decoding context: where it came from, when, and under which limits."""

    __slots__ = ("limits", "newest", "oldest", "parts", "received_at", "registry")

    def __init__(
        self,
        parts: TopicParts,
        received_at: datetime,
        limits: DecodeLimits,
        registry: Registry | None,
    ) -> None:
        self.parts = parts
        self.received_at = received_at
        self.limits = limits
        self.registry = registry
        self.oldest = received_at - limits.max_age
        self.newest = received_at + limits.future_skew


@dataclass(slots=True)
class Candidate:
    """A reading before the reading-level checks: what an adapter extracted."""

    ts: datetime | Rejection
    metrics: dict[str, float] = field(default_factory=dict)
    rejected: list[Rejection] = field(default_factory=list)
    device_ref: str | None = None
    interval_s: int | None = None
    seq: int | None = None
    msg_id: str | None = None


def reject(reason: ReasonCode, message: str, field: str | None = None) -> NoReturn:
    """Refuse the whole message."""
    raise DecodeRejected(Rejection(reason, message, field))


def field_rejection(name: str, cause: ReasonCode, message: str) -> Rejection:
    return Rejection(ReasonCode.FIELD_REJECTED, message, field=name, cause=cause)


def check_time(ts: datetime, ctx: Context, field: str) -> Rejection | None:
    """The event-time window: not beyond the future skew, not older than the late limit."""
    if ts > ctx.newest:
        return Rejection(
            ReasonCode.FUTURE_TIMESTAMP,
            f"{field}={ts.isoformat()} is more than {ctx.limits.future_skew} after the "
            f"receive time {ctx.received_at.isoformat()}",
            field=field,
        )
    if ts < ctx.oldest:
        return Rejection(
            ReasonCode.TOO_OLD,
            f"{field}={ts.isoformat()} is more than {ctx.limits.max_age} before the "
            f"receive time {ctx.received_at.isoformat()}",
            field=field,
        )
    return None


def metric_value(
    domain: Domain, metric: str, raw: object, convert: Converter | None, name: str
) -> float | Rejection:
    """``raw`` as a canonical float for ``metric``, or the field rejection saying why not.

    ``name`` is the field as the payload spelled it (quoted in the rejection).
    """
    kind = type(raw)
    if kind is float and (convert is None or convert is IDENTITY):
        low, high = BOUNDS[domain][metric]
        if low <= raw <= high:  # type: ignore[operator]
            return raw  # type: ignore[return-value]  # fast path; NaN fails the comparison
    if kind is float:
        value: float = raw  # type: ignore[assignment]
    elif kind is int:
        try:
            value = float(raw)  # type: ignore[arg-type]
        except OverflowError:
            return _out_of_range(domain, metric, raw, None, name)
    else:
        return field_rejection(
            name,
            ReasonCode.WRONG_TYPE,
            f"{name}={shorten(raw)} is a {kind.__name__}, not a number",
        )
    if not isfinite(value):
        return field_rejection(name, ReasonCode.NOT_FINITE, f"{name}={shorten(raw)} is not finite")
    if convert is not None:
        value = convert(value)
    # After the checks above check_metric can only object to the range (a conversion that
    # overflows to infinity is out of range too).
    if check_metric(domain, metric, value) is None:
        return value
    return _out_of_range(domain, metric, raw, value, name)


def _out_of_range(
    domain: Domain, metric: str, raw: object, value: float | None, name: str
) -> Rejection:
    spec = METRICS[domain][metric]
    same = value is None or (name == metric and value == raw)
    canonical = "" if same else f" ({value:g} {spec.unit})"
    return field_rejection(
        name,
        ReasonCode.OUT_OF_RANGE,
        f"{name}={shorten(raw)}{canonical} is outside the possible {metric} range "
        f"{spec.low:g}..{spec.high:g} {spec.unit}",
    )


def check_device_ref(ref: str, ctx: Context) -> Rejection | None:
    """``device_ref_mismatch`` when the payload's own identity names another sensor.

    An opaque vendor id (``urn:dev:ow:10e2073a01080063``) names no sensor and is only
    recorded; ``urn:ngsi-ld:AirQualityObserved:jkt-air-0002`` on jkt-air-0001's topic is a
    mismatch. With a registry only registered ids count as sensor names; without one, ids of
    our ``{code}-{domain}-{nnnn}`` scheme do.
    """
    own = ctx.parts.sensor_id
    tokens = [t for t in _REF_SEPARATORS.split(ref.lower()) if t]
    if own in tokens:
        return None
    registry = ctx.registry
    for token in tokens:
        named = (
            token in registry.sensors if registry is not None else bool(_OUR_SENSOR_ID.match(token))
        )
        if named:
            return Rejection(
                ReasonCode.DEVICE_REF_MISMATCH,
                f"the payload identifies itself as {shorten(ref)}, which names sensor "
                f"{token!r}, but arrived on the topic of {own!r}",
                field="device_ref",
            )
    return None


def check_consistency(domain: Domain, metrics: dict[str, float]) -> Rejection | None:
    """Values that contradict each other: we cannot tell which is wrong, so neither is kept."""
    if domain == "traffic":
        speeding = metrics.get("speeding_count")
        vehicles = metrics.get("vehicle_count")
        if speeding is not None and vehicles is not None and speeding > vehicles:
            return Rejection(
                ReasonCode.INCONSISTENT,
                f"speeding_count={speeding:g} is more than vehicle_count={vehicles:g}",
                field="speeding_count",
            )
    return None


def make_reading(
    ctx: Context,
    *,
    ts: datetime,
    metrics: dict[str, float],
    source_format: SourceFormat,
    msg_id: str,
    seq: int | None = None,
    device_ref: str | None = None,
    interval_s: int | None = None,
    revision: int = 0,
) -> Reading:
    """Build a Reading from values that already passed every contract rule (see module doc)."""
    parts = ctx.parts
    return construct_reading(
        {
            "msg_id": msg_id,
            "city": parts.city,
            "domain": parts.domain,
            "sensor_id": parts.sensor_id,
            "ts": ts if ts.tzinfo is UTC else ts.astimezone(UTC),
            "seq": seq,
            "metrics": metrics,
            "source_format": source_format,
            "device_ref": device_ref,
            "interval_s": interval_s,
            "revision": revision,
        }
    )


def finalize(
    ctx: Context,
    candidates: list[Candidate],
    source_format: SourceFormat,
    ignored: tuple[str, ...],
) -> DecodeResult:
    """Reading-level checks, then the result; a message with nothing usable is refused whole."""
    readings: list[Reading] = []
    rejections: list[Rejection] = []
    domain = ctx.parts.domain
    for cand in candidates:
        ts = cand.ts
        if isinstance(ts, Rejection):
            rejections.append(ts)
            continue
        late = check_time(ts, ctx, "ts")
        if late is not None:
            rejections.append(late)
            continue
        if not cand.metrics:
            rejections.extend(cand.rejected)
            continue
        clash = check_consistency(domain, cand.metrics)
        if clash is not None:
            rejections.append(clash)
            continue
        msg_id = cand.msg_id or derive_msg_id(ctx.parts.sensor_id, ts, cand.seq)
        readings.append(
            make_reading(
                ctx,
                ts=ts,
                metrics=cand.metrics,
                source_format=source_format,
                msg_id=msg_id,
                seq=cand.seq,
                device_ref=cand.device_ref,
                interval_s=cand.interval_s,
            )
        )
        rejections.extend(cand.rejected)
    if readings:
        return DecodeResult(tuple(readings), tuple(rejections), source_format, ignored)
    return DecodeResult((), (most_specific(rejections, ignored),), source_format, ignored)


def most_specific(rejections: list[Rejection], ignored: tuple[str, ...] = ()) -> Rejection:
    """The one whole-message rejection standing for everything that went wrong.

    A reading-level reason (time, consistency) wins over field causes; among field
    rejections the first one's cause is the reason and the message lists them all.
    """
    for rej in rejections:
        if rej.reason in _READING_LEVEL:
            return rej
    if rejections:
        first = rejections[0]
        listed = "; ".join(r.message for r in rejections[:5])
        more = f" (+{len(rejections) - 5} more)" if len(rejections) > 5 else ""
        return Rejection(
            first.cause or first.reason,
            f"no usable metric: {listed}{more}",
            field=first.field,
        )
    names = f"; ignored: {', '.join(ignored[:10])}" if ignored else ""
    return Rejection(ReasonCode.NO_METRICS, f"the message carries no metric we use{names}")
