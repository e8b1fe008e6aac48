"""Fault injection (pure): which fault a planned message gets, and what ingest should do.

Per message at most one fault is drawn from the ``--faults`` fractions. The expected outcome
of each (what the truth file promises the pipeline will do):

* ``duplicate`` — the same bytes again with the same msg_id; the copy is not valid, expected
  ``duplicate`` (dead-lettered or deduplicated in the database: stored once);
* ``out_of_order`` — sent after the sensor's next reading; valid;
* ``late`` — sent 3–30 simulated minutes after its event time (beyond the aggregator's 2-min
  lateness, inside ingest's 7-day maximum age); valid;
* ``malformed`` — one of ``MALFORMED_KINDS`` (native JSON), not valid, the kind's reason; the
  field-level kinds (NaN, a string, −50 in one metric) keep the rest of the reading: valid,
  expected ``field_rejected`` with the kind's code as ``expected_cause``;
* ``stuck`` — the same metric values for 3–10 readings; valid;
* ``dropout`` — nothing for 3–10 intervals; a ``gap`` record instead of messages;
* ``clock_skew`` — ts shifted by less than half an interval (valid) or 10–60 min ahead of the
  wall clock (not valid, ``future_timestamp``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Final

import msgspec

from kotacerdas.reasons import ReasonCode

_encode = msgspec.json.Encoder().encode

# malformed kind → the reason ingest must give. Rotated per sensor (random start).
MALFORMED_KINDS: Final[tuple[tuple[str, ReasonCode], ...]] = (
    ("truncated_json", ReasonCode.MALFORMED_JSON),
    ("nan_value", ReasonCode.NOT_FINITE),
    ("string_value", ReasonCode.WRONG_TYPE),
    ("impossible_value", ReasonCode.OUT_OF_RANGE),
    ("claims_other_sensor", ReasonCode.TOPIC_MISMATCH),
    ("far_future", ReasonCode.FUTURE_TIMESTAMP),
    ("too_old", ReasonCode.TOO_OLD),
)
# Kinds that break one metric only: ingest keeps the rest of the reading and dead-letters the
# field with reason ``field_rejected`` and the kind's code as its cause (ReasonCode docs).
FIELD_LEVEL_KINDS: Final = frozenset({"nan_value", "string_value", "impossible_value"})
# Ingest's limits the faults are built around (DESIGN.md "The contract").
FUTURE_SKEW_LIMIT_S: Final = 300
MAX_AGE_S: Final = 7 * 86_400
AGGREGATOR_LATENESS_S: Final = 120


def draw_fault(rng: random.Random, cumulative: Sequence[tuple[float, str]]) -> str | None:
    """One uniform draw against the cumulative fault fractions; None = a clean message."""
    u = rng.random()
    for edge, name in cumulative:
        if u < edge:
            return name
    return None


def cumulative_rates(faults: Mapping[str, float]) -> tuple[tuple[float, str], ...]:
    edges: list[tuple[float, str]] = []
    total = 0.0
    for name in sorted(faults):
        if faults[name] > 0:
            total += faults[name]
            edges.append((total, name))
    return tuple(edges)


def malformed_payload(
    kind: str,
    doc: dict[str, object],
    *,
    other_sensor: str,
    far_future_local: str,
    too_old_local: str,
) -> bytes:
    """A broken native payload of ``kind``, built from a valid native document ``doc``."""
    metrics = dict(doc["metrics"])  # type: ignore[call-overload]
    first = next(iter(metrics))
    if kind == "truncated_json":
        good = _encode(doc)
        return good[: max(1, len(good) // 2)]
    if kind == "nan_value":
        # JSON has no NaN; devices that print floats with C's printf send it anyway.
        good = _encode({**doc, "metrics": {**metrics, first: 123456.789}})
        return good.replace(b"123456.789", b"NaN", 1)
    if kind == "string_value":
        return _encode({**doc, "metrics": {**metrics, first: str(metrics[first])}})
    if kind == "impossible_value":
        return _encode({**doc, "metrics": {**metrics, first: -50.0}})
    if kind == "claims_other_sensor":
        return _encode({**doc, "sensor_id": other_sensor})
    if kind == "far_future":
        return _encode({**doc, "ts": far_future_local})
    if kind == "too_old":
        return _encode({**doc, "ts": too_old_local})
    raise ValueError(f"unknown malformed kind {kind!r}")
