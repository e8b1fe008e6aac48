"""SenML JSON (RFC 8428): a pack of records, resolved per §4.6, grouped by time into readings.

Marker: a JSON array whose first record carries SenML labels (§4.1, Table 1). Resolution:
name = bn + n, time = bt + t (below 2**28 relative to the receive time, §4.5.3),
unit = u else bu, value = bv + v. The metric is the record's name after the base name
(aliases folded, ``units.canonical_metric``); a record without a name of its own is
identified by its unit when only one metric of the domain uses that unit (§5.1.3 pattern).
Records with the same resolved time become one reading; the base name is the device_ref.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Final, NoReturn

from ingest.formats.adapters import register
from ingest.formats.assembly import (
    MAX_DEVICE_REF_CHARS,
    Candidate,
    Context,
    check_device_ref,
    field_rejection,
    finalize,
    metric_value,
    reject,
)
from ingest.formats.result import DecodeRejected, DecodeResult, Rejection, shorten
from ingest.formats.times import senml_time
from ingest.formats.units import SENML_UNITS, canonical_metric, converter, metric_for_unit
from kotacerdas.contract import Domain, SourceFormat
from kotacerdas.reasons import ReasonCode

__all__ = ["FORMAT", "SUPPORTED_BVER", "SenmlAdapter"]

FORMAT: Final[SourceFormat] = "senml"
# RFC 8428 §4.4: version 10 is the default and the only one this RFC defines; a pack
# declaring a higher one may use fields we would misread.
SUPPORTED_BVER: Final = 10
LABELS: Final = frozenset(
    {"bn", "bt", "bu", "bv", "bs", "bver", "n", "u", "v", "vs", "vb", "vd", "s", "t", "ut"}
)
_VALUE_FIELDS: Final = ("v", "vs", "vb", "vd")
# The labels of a plain record (no base field, no other value kind): the decoder's fast path.
_COMMON: Final = frozenset({"n", "u", "v", "t"})
# §4.5.1: resolved names use A-Z a-z 0-9 - : . / _ and start with a letter or digit.
_NAME_RE: Final = re.compile(r"^[A-Za-z0-9][-:./_A-Za-z0-9]*$")
_SEPARATORS: Final = re.compile(r"[:/]")


def _is_number(value: object) -> bool:
    return type(value) is int or type(value) is float


@register(FORMAT)
class SenmlAdapter:
    name = FORMAT

    def claims(self, doc: object) -> bool:
        if type(doc) is not list:
            return False
        return not doc or (type(doc[0]) is dict and not LABELS.isdisjoint(doc[0]))

    def decode(self, doc: object, ctx: Context) -> DecodeResult:
        assert type(doc) is list  # claims() said so
        if len(doc) > ctx.limits.max_records:
            reject(
                ReasonCode.OVERSIZE,
                f"the SenML pack has {len(doc)} records, more than {ctx.limits.max_records}",
            )
        domain = ctx.parts.domain
        groups: dict[object, Candidate] = {}
        refs: dict[str, None] = {}  # ordered set of the device identities the pack names
        ignored: list[str] = []
        base = _Base()
        received_at = ctx.received_at
        last_time: float | None = None  # consecutive records mostly share one time
        ts: datetime | Rejection = received_at
        for index, record in enumerate(doc):
            if type(record) is not dict:
                _invalid(index, f"is {shorten(record)}, not an object")
            if _COMMON.issuperset(record):
                has_value = "v" in record  # fast path: only n, u, v, t
            else:
                base.update(record, index)
                has_value = _value_field(record, index)
            n = record.get("n", "")
            if type(n) is not str:
                _invalid(index, f"n={shorten(n)} is not a string")
            unit = record.get("u", base.bu)
            if type(unit) is not str and unit is not None:
                _invalid(index, f"u={shorten(unit)} is not a string")
            t = record.get("t", 0)
            if type(t) is not float and type(t) is not int:
                _invalid(index, f"t={shorten(t)} is not a number")
            if not has_value:
                if "n" in record or "u" in record or "t" in record:
                    _invalid(index, "has a name, unit or time but no value or sum")
                continue  # a record of base fields only (RFC 8428 §5.1.7)
            bn = base.bn
            name = bn + n
            if not _valid_name(name):
                _invalid(index, f"name {shorten(name)} is empty or breaks RFC 8428 §4.5.1")
            device_ref, label = (bn, n) if bn else _identity(n, domain)
            if device_ref is not None:
                if len(device_ref) > MAX_DEVICE_REF_CHARS:
                    _invalid(index, f"base name is longer than {MAX_DEVICE_REF_CHARS} characters")
                refs[device_ref] = None
            unit_id = SENML_UNITS.get(unit) if unit is not None else None
            metric = canonical_metric(domain, label) if label else None
            if metric is None and not label and unit_id is not None:
                metric = metric_for_unit(domain, unit_id)
            if metric is None:
                ignored.append(label or f"[{unit}]")
                continue
            resolved = base.bt + t
            if resolved != last_time:
                last_time = resolved
                ts = senml_time(resolved, received_at, f"record {index} time")
            key: object = ts if not isinstance(ts, Rejection) else ("invalid", index)
            cand = groups.get(key)
            if cand is None:
                cand = groups[key] = Candidate(ts)
            _add_metric(cand, record, base, metric, label or f"[{unit}]", unit, unit_id, domain)

        if len(refs) > 1:
            reject(
                ReasonCode.DEVICE_REF_MISMATCH,
                f"the pack names {len(refs)} devices ({shorten(list(refs))}); a topic carries "
                f"one sensor",
                "bn",
            )
        if refs:
            device_ref = next(iter(refs))
            mismatch = check_device_ref(device_ref, ctx)
            if mismatch is not None:
                raise DecodeRejected(mismatch)
            for cand in groups.values():  # records without a base name share the pack's
                cand.device_ref = device_ref
        return finalize(ctx, list(groups.values()), FORMAT, tuple(ignored))


class _Base:
    """The base fields in force (RFC 8428 §4.1: they apply until overridden)."""

    __slots__ = ("bn", "bs", "bt", "bu", "bv")

    def __init__(self) -> None:
        self.bn = ""
        self.bt: float = 0
        self.bu: str | None = None
        self.bv: float = 0
        self.bs: float = 0

    def update(self, record: dict[str, object], index: int) -> None:
        if "bver" in record:
            bver = record["bver"]
            if type(bver) is not int or bver < 1:
                _invalid(index, f"bver={shorten(bver)} is not a positive integer")
            if bver > SUPPORTED_BVER:
                _invalid(index, f"bver={bver} is newer than the supported {SUPPORTED_BVER}")
        if "bn" in record:
            bn = record["bn"]
            if type(bn) is not str:
                _invalid(index, f"bn={shorten(bn)} is not a string")
            self.bn = bn
        if "bu" in record:
            bu = record["bu"]
            if type(bu) is not str:
                _invalid(index, f"bu={shorten(bu)} is not a string")
            self.bu = bu
        for label in ("bt", "bv", "bs"):
            if label in record:
                value = record[label]
                if not _is_number(value):
                    _invalid(index, f"{label}={shorten(value)} is not a number")
                setattr(self, label, value)
        for label in record:
            if label.endswith("_"):
                # §4.4: a label ending in "_" must be understood or the pack refused.
                _invalid(index, f"carries must-understand field {label!r} we do not support")


def _value_field(record: dict[str, object], index: int) -> bool:
    """Whether the record carries a value or a sum; refuses two values (RFC 8428 §4.2)."""
    present = [k for k in _VALUE_FIELDS if k in record]
    if len(present) > 1:
        _invalid(index, f"has {' and '.join(present)}: a record carries one value")
    return bool(present) or "s" in record


@lru_cache(maxsize=4_096)
def _valid_name(name: str) -> bool:
    # Names repeat from message to message (one device, a handful of metrics): cached.
    return _NAME_RE.match(name) is not None


@lru_cache(maxsize=4_096)
def _identity(n: str, domain: Domain) -> tuple[str | None, str]:
    """(device identity, the record's own label) of a record without a base name."""
    parts = _SEPARATORS.split(n)
    if len(parts) == 1:
        return None, n
    last = parts[-1]
    if last and canonical_metric(domain, last) is not None:
        return n[: len(n) - len(last)], last
    return n, ""  # the whole name is a device (RFC 8428 §5.1.1): the unit says what it is


def _add_metric(
    cand: Candidate,
    record: dict[str, object],
    base: _Base,
    metric: str,
    label: str,
    unit: str | None,
    unit_id: str | None,
    domain: Domain,
) -> None:
    if "v" not in record:
        kind = next((k for k in _VALUE_FIELDS if k in record), "s")
        what = "a sum (s)" if kind == "s" else f"a non-numeric value ({kind})"
        cand.rejected.append(
            field_rejection(label, ReasonCode.WRONG_TYPE, f"{label} carries {what}, not v")
        )
        return
    raw = record["v"]
    if base.bv and _is_number(raw):
        raw = base.bv + raw  # type: ignore[operator]
    convert = None
    if unit is not None:
        convert = converter(metric, unit_id) if unit_id is not None else None
        if convert is None:
            cand.rejected.append(
                field_rejection(
                    label,
                    ReasonCode.UNKNOWN_UNIT,
                    f"{label} unit {shorten(unit)} is not a unit {metric} converts from",
                )
            )
            return
    value = metric_value(domain, metric, raw, convert, label)
    if isinstance(value, Rejection):
        cand.rejected.append(value)
        return
    previous = cand.metrics.get(metric)
    if previous is not None and previous != value:
        del cand.metrics[metric]
        cand.rejected.append(
            field_rejection(
                label,
                ReasonCode.INCONSISTENT,
                f"{metric} is given twice at one time with different values "
                f"({previous:g}, {value:g})",
            )
        )
        return
    cand.metrics[metric] = value


def _invalid(index: int, why: str) -> NoReturn:
    reject(ReasonCode.INVALID_SENML, f"SenML record {index} {why}", f"record[{index}]")
