"""kotacerdas native JSON, version 1 (DESIGN.md, "The three payload formats in detail").

    {"v": 1, "sensor_id": "jkt-air-0001", "ts": "2026-11-28T08:00:00+07:00", "seq": 42,
     "msg_id": "optional", "metrics": {"pm25": 35.2}, "units": {"pm25": "ug/m3"},
     "interval_s": 60, "rev": 1}

``rev`` (optional, default 0) is the reading's revision: a higher one for the same sensor
and ``ts`` corrects what is stored (kotacerdas/contract.py, "Corrections").

Marker: a JSON object with the key ``"v"``. Metric names are canonical (anything else is
ignored and counted); ``units`` is optional and canonical units are assumed without it.
This is the simulators' format and the hot path, so it is written out inline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, NoReturn

from ingest.formats.adapters import register
from ingest.formats.assembly import (
    BOUNDS,
    MAX_MSG_ID_CHARS,
    MAX_SEQ,
    Context,
    check_consistency,
    check_time,
    field_rejection,
    make_reading,
    metric_value,
    most_specific,
    reject,
)
from ingest.formats.result import DecodeRejected, DecodeResult, Rejection, shorten
from ingest.formats.times import check_interval, parse_timestamp
from ingest.formats.units import CANONICAL_UNIT_IDS, SENML_UNITS, converter
from kotacerdas.contract import MAX_REVISION, Domain, SourceFormat, derive_msg_id
from kotacerdas.reasons import ReasonCode

__all__ = ["FORMAT", "NativeAdapter"]

FORMAT: Final[SourceFormat] = "kota/v1"
VERSION: Final = 1
_ENVELOPE: Final = frozenset(
    {"v", "sensor_id", "ts", "seq", "msg_id", "metrics", "units", "interval_s", "rev"}
)
_UNITS: Final = {**SENML_UNITS, **CANONICAL_UNIT_IDS}


@register(FORMAT)
class NativeAdapter:
    name = FORMAT

    def claims(self, doc: object) -> bool:
        return type(doc) is dict and "v" in doc

    def decode(self, doc: object, ctx: Context) -> DecodeResult:
        assert type(doc) is dict  # claims() said so
        version = doc["v"]
        if type(version) is not int or version != VERSION:
            reject(
                ReasonCode.UNSUPPORTED_VERSION,
                f"v={shorten(version)}: this bridge reads native version {VERSION}",
                "v",
            )
        sensor_id = ctx.parts.sensor_id
        claimed = doc.get("sensor_id")
        if claimed != sensor_id:
            _wrong_identity(claimed, sensor_id)
        ts = _event_time(doc.get("ts"), ctx)
        seq, msg_id, interval_s, metrics_in, units = _envelope(doc)
        revision = _revision(doc.get("rev"))
        ignored = [] if _ENVELOPE.issuperset(doc) else [k for k in doc if k not in _ENVELOPE]
        domain = ctx.parts.domain
        metrics, rejected = _metrics(domain, metrics_in, units, ignored)
        if not metrics:
            raise DecodeRejected(most_specific(rejected, tuple(ignored)))
        clash = check_consistency(domain, metrics)
        if clash is not None:
            raise DecodeRejected(clash)
        reading = make_reading(
            ctx,
            ts=ts,
            metrics=metrics,
            source_format=FORMAT,
            msg_id=msg_id if msg_id is not None else derive_msg_id(sensor_id, ts, seq, revision),
            seq=seq,
            interval_s=interval_s,
            revision=revision,
        )
        return DecodeResult((reading,), tuple(rejected), FORMAT, tuple(ignored))


def _revision(rev: object) -> int:
    if rev is None:
        return 0
    if type(rev) is not int or not 0 <= rev <= MAX_REVISION:
        reject(
            ReasonCode.INVALID_REVISION,
            f"rev={shorten(rev)} is not an integer in 0..{MAX_REVISION}",
            "rev",
        )
    return rev


def _wrong_identity(claimed: object, topic_sensor: str) -> NoReturn:
    if claimed is None:
        reject(ReasonCode.MISSING_FIELD, "sensor_id is missing", "sensor_id")
    if type(claimed) is not str:
        reject(ReasonCode.WRONG_TYPE, f"sensor_id={shorten(claimed)} is not a string", "sensor_id")
    reject(
        ReasonCode.TOPIC_MISMATCH,
        f"sensor_id={shorten(claimed)} but the topic is {topic_sensor!r}",
        "sensor_id",
    )


def _event_time(raw_ts: object, ctx: Context) -> datetime:
    if raw_ts is None:
        reject(ReasonCode.MISSING_TIMESTAMP, "ts is missing", "ts")
    ts = parse_timestamp(raw_ts, "ts")
    if isinstance(ts, Rejection):
        raise DecodeRejected(ts)
    if not ctx.oldest <= ts <= ctx.newest:
        raise DecodeRejected(check_time(ts, ctx, "ts"))  # type: ignore[arg-type]
    return ts


def _envelope(
    doc: dict[str, Any],
) -> tuple[int | None, str | None, int | None, dict[str, Any], dict[str, Any] | None]:
    """(seq, msg_id, interval_s, metrics, units), each checked; refuses the message if not."""
    seq = doc.get("seq")
    if seq is not None and (type(seq) is not int or not 0 <= seq <= MAX_SEQ):
        reject(ReasonCode.INVALID_SEQ, f"seq={shorten(seq)} is not an integer in 0..2**63-1", "seq")
    msg_id = doc.get("msg_id")
    if msg_id is not None and (type(msg_id) is not str or not 0 < len(msg_id) <= MAX_MSG_ID_CHARS):
        reject(
            ReasonCode.INVALID_MSG_ID,
            f"msg_id={shorten(msg_id)} is not a string of 1..{MAX_MSG_ID_CHARS} characters",
            "msg_id",
        )
    interval_s = doc.get("interval_s")
    if interval_s is not None:
        interval_s = check_interval(interval_s, "interval_s")
        if isinstance(interval_s, Rejection):
            raise DecodeRejected(interval_s)
    metrics = doc.get("metrics")
    if type(metrics) is not dict:
        if metrics is None:
            reject(ReasonCode.MISSING_FIELD, "metrics is missing", "metrics")
        reject(ReasonCode.WRONG_TYPE, f"metrics={shorten(metrics)} is not an object", "metrics")
    units = doc.get("units")
    if units is not None and type(units) is not dict:
        reject(ReasonCode.WRONG_TYPE, f"units={shorten(units)} is not an object", "units")
    return seq, msg_id, interval_s, metrics, units


def _metrics(
    domain: Domain, given: dict[str, Any], units: dict[str, Any] | None, ignored: list[str]
) -> tuple[dict[str, float], list[Rejection]]:
    """Canonical metrics kept, and the field rejections of those that were not."""
    bounds = BOUNDS[domain]
    metrics: dict[str, float] = {}
    rejected: list[Rejection] = []
    for name, raw in given.items():
        bound = bounds.get(name)
        if bound is None:
            ignored.append(name)
            continue
        unit = units.get(name) if units else None
        convert = None
        if unit is None:
            # Fast path: a number in canonical units within the contract's range (NaN fails
            # every comparison and takes the slow path to its rejection).
            kind = type(raw)
            if (kind is float or kind is int) and bound[0] <= raw <= bound[1]:
                metrics[name] = float(raw)
                continue
        else:
            unit_id = _UNITS.get(unit) if type(unit) is str else None
            convert = converter(name, unit_id) if unit_id is not None else None
            if convert is None:
                rejected.append(
                    field_rejection(
                        name,
                        ReasonCode.UNKNOWN_UNIT,
                        f"units.{name}={shorten(unit)} is not a unit {name} converts from",
                    )
                )
                continue
        value = metric_value(domain, name, raw, convert, name)
        if isinstance(value, Rejection):
            rejected.append(value)
        else:
            metrics[name] = value
    return metrics, rejected
