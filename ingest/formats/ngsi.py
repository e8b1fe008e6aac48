"""FIWARE NGSI-LD and NGSI v2 entities of the Smart Data Models we read.

* ``AirQualityObserved`` (dataModel.Environment), ``TrafficFlowObserved``
  (dataModel.Transportation), ``WasteContainer`` (dataModel.WasteManagement):
  https://github.com/smart-data-models — the attribute names, default units and 0–1
  fractions below are those of the models' schema.json files.
* Normalized attributes ``{"type": "Property", "value": …, "unitCode": …, "observedAt": …}``
  (NGSI-LD, ETSI GS CIM 009) or ``{"type": "Number", "value": …, "metadata": {"unitCode":
  {"value": …}}}`` (NGSI v2); keyValues attributes are plain values. An entity may mix them.

Markers: NGSI-LD = an object with ``@context``, or with ``id`` and ``type`` and LD-shaped
attributes (``"type": "Property"`` …, or a Relationship with ``"object"``); NGSI v2 = any
other object with ``id`` and ``type``. Event time per attribute:
``observedAt`` (NGSI-LD) or v2 ``metadata.TimeInstant``, else the entity's ``dateObserved``
(an interval ``start/end`` gives the end and ``interval_s``), else ``dateObservedTo``,
else ``timeInstant`` (FIWARE IoT Agent convention, the only time a WasteContainer carries).
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Final

from ingest.formats.adapters import register
from ingest.formats.assembly import (
    MAX_DEVICE_REF_CHARS,
    Candidate,
    Context,
    check_device_ref,
    field_rejection,
    finalize,
    metric_value,
    most_specific,
    reject,
)
from ingest.formats.result import DecodeRejected, DecodeResult, Rejection, shorten
from ingest.formats.times import check_interval, parse_interval, parse_timestamp
from ingest.formats.units import (
    CEL,
    COUNT,
    KG,
    KMH,
    NGSI_UNIT_CODES,
    RATIO,
    UG_M3,
    converter,
)
from kotacerdas.contract import Domain, SourceFormat
from kotacerdas.reasons import ReasonCode

__all__ = ["LD_FORMAT", "MODELS", "V2_FORMAT", "NgsiLdAdapter", "NgsiV2Adapter"]

LD_FORMAT: Final[SourceFormat] = "ngsi-ld"
V2_FORMAT: Final[SourceFormat] = "ngsi-v2"
# NGSI-LD attribute types that NGSI v2 never uses (v2 has "Relationship" too, but with
# "value" where NGSI-LD has "object").
_LD_PROPERTY_TYPES: Final = frozenset(
    {"Property", "GeoProperty", "LanguageProperty", "VocabProperty", "ListProperty", "JsonProperty"}
)
_STRUCTURAL: Final = frozenset({"id", "type", "@context"})
_FOLD: Final = str.maketrans("", "", "_-. ")

# Attribute (folded: lower case, no "_-. ") -> (canonical metric, unit without unitCode).
# Pollutants are µg/m³ unless unitCode says otherwise (AirQualityObserved schema);
# relativeHumidity, occupancy and fillingLevel are 0–1 fractions in the models.
_AIR: Final = {
    **{p: (p, UG_M3) for p in ("co", "no2", "so2", "o3", "pm10", "pm25")},
    "temperature": ("temperature", CEL),
    "relativehumidity": ("humidity", RATIO),
}
_TRAFFIC: Final = {
    "intensity": ("vehicle_count", COUNT),
    "averagevehiclespeed": ("avg_speed_kmh", KMH),
    "occupancy": ("occupancy", RATIO),
}
_WASTE: Final = {
    "fillinglevel": ("fill_level", RATIO),
    "temperature": ("temperature", CEL),
    "cargoweight": ("weight_kg", KG),
}
MODELS: Final[dict[str, tuple[Domain, dict[str, tuple[str, str]]]]] = {
    "AirQualityObserved": ("air", _AIR),
    "TrafficFlowObserved": ("traffic", _TRAFFIC),
    "WasteContainer": ("waste", _WASTE),
}
_BY_DOMAIN: Final = {domain: attrs for domain, attrs in MODELS.values()}
# WasteContainer.status is a safety state; two of its values say whether the lid is open.
_LID_STATUS: Final = {"lidOpen": 1.0, "ok": 0.0}
_TIME_ATTRS: Final = (
    "dateObserved",
    "dateObservedFrom",
    "dateObservedTo",
    "timeInstant",
    "TimeInstant",
)


def _is_ld_entity(doc: dict[str, object]) -> bool:
    # Not the "urn:ngsi-ld:" id prefix: NGSI v2 brokers hold such ids too (our simulators
    # send them in v2 entities), and LD keyValues without @context is v2-shaped anyway.
    if "@context" in doc:
        return True
    for key, attr in doc.items():
        if key in _STRUCTURAL or type(attr) is not dict:
            continue
        kind = attr.get("type")
        if (type(kind) is str and kind in _LD_PROPERTY_TYPES) or "object" in attr:
            return True
    return False


@register(LD_FORMAT)
class NgsiLdAdapter:
    name = LD_FORMAT

    def claims(self, doc: object) -> bool:
        return type(doc) is dict and _is_ld_entity(doc)

    def decode(self, doc: object, ctx: Context) -> DecodeResult:
        assert type(doc) is dict  # claims() said so
        return _decode_entity(doc, ctx, LD_FORMAT)


@register(V2_FORMAT)
class NgsiV2Adapter:
    name = V2_FORMAT

    def claims(self, doc: object) -> bool:
        return type(doc) is dict and "id" in doc and "type" in doc

    def decode(self, doc: object, ctx: Context) -> DecodeResult:
        assert type(doc) is dict  # claims() said so
        return _decode_entity(doc, ctx, V2_FORMAT)


def _decode_entity(doc: dict[str, object], ctx: Context, fmt: SourceFormat) -> DecodeResult:
    entity_id, domain = _structure(doc, ctx)
    mismatch = check_device_ref(entity_id, ctx)
    if mismatch is not None:
        raise DecodeRejected(mismatch)
    entity_ts, interval_s = _entity_time(doc)

    groups: dict[datetime, Candidate] = {}
    untimed: list[Rejection] = []
    ignored: list[str] = []
    for key, attr in doc.items():
        if key in _STRUCTURAL or key in _TIME_ATTRS:
            continue
        mapping = _attribute(domain, key)
        if mapping is None:
            ignored.append(key)
            continue
        metric, default_unit = mapping
        raw, unit_code, observed_at = _unwrap(attr)
        if raw is _NO_VALUE:
            untimed.append(
                field_rejection(key, ReasonCode.INVALID_NGSI, f"attribute {key} has no value")
            )
            continue
        if metric == "lid_open":
            if type(raw) is not str or raw not in _LID_STATUS:
                ignored.append(key)  # burning, dropped, …: a state, not a lid reading
                continue
            raw = _LID_STATUS[raw]
        ts: datetime | None = entity_ts
        if observed_at is not None:
            parsed = parse_timestamp(observed_at, f"{key}.observedAt")
            if isinstance(parsed, Rejection):
                untimed.append(field_rejection(key, parsed.reason, parsed.message))
                continue
            ts = parsed
        if ts is None:
            untimed.append(field_rejection(key, ReasonCode.MISSING_TIMESTAMP, f"{key} has no time"))
            continue
        cand = groups.get(ts)
        if cand is None:
            cand = groups[ts] = Candidate(
                ts, device_ref=entity_id, interval_s=interval_s if ts == entity_ts else None
            )
        value = _metric(domain, metric, key, raw, unit_code, default_unit)
        if isinstance(value, Rejection):
            cand.rejected.append(value)
        else:
            cand.metrics[metric] = value

    if untimed:
        if not groups:
            if all(r.cause is ReasonCode.MISSING_TIMESTAMP for r in untimed):
                reject(
                    ReasonCode.MISSING_TIMESTAMP,
                    "the entity has no observedAt, dateObserved, dateObservedTo or timeInstant",
                    "dateObserved",
                )
            raise DecodeRejected(most_specific(untimed, tuple(ignored)))
        next(iter(groups.values())).rejected.extend(untimed)
    return finalize(ctx, list(groups.values()), fmt, tuple(ignored))


@lru_cache(maxsize=4_096)
def _attribute(domain: Domain, key: str) -> tuple[str, str] | None:
    """(metric, unit without unitCode) an attribute of ``domain``'s model maps to, or None."""
    folded = key.lower().translate(_FOLD)
    if domain == "waste" and folded == "status":
        return "lid_open", RATIO
    return _BY_DOMAIN[domain].get(folded)


def _structure(doc: dict[str, object], ctx: Context) -> tuple[str, Domain]:
    entity_id = doc.get("id")
    if type(entity_id) is not str or not entity_id:
        reject(ReasonCode.INVALID_NGSI, f"entity id={shorten(entity_id)} is not a string", "id")
    if len(entity_id) > MAX_DEVICE_REF_CHARS:
        reject(ReasonCode.INVALID_NGSI, f"entity id is longer than {MAX_DEVICE_REF_CHARS}", "id")
    entity_type = doc.get("type")
    if type(entity_type) is not str or not entity_type:
        reject(
            ReasonCode.INVALID_NGSI, f"entity type={shorten(entity_type)} is not a string", "type"
        )
    context = doc.get("@context", "")
    if not isinstance(context, str | list | dict):
        reject(ReasonCode.INVALID_NGSI, f"@context={shorten(context)} is not a context", "@context")
    # An expanded NGSI-LD type is a URI ending in the model name.
    model = MODELS.get(entity_type.rsplit("/", 1)[-1].rsplit("#", 1)[-1])
    expected = next(name for name, (d, _) in MODELS.items() if d == ctx.parts.domain)
    if model is None or model[0] != ctx.parts.domain:
        reject(
            ReasonCode.NGSI_WRONG_TYPE,
            f"entity type {shorten(entity_type)} on the {ctx.parts.domain} topic; "
            f"expected {expected}",
            "type",
        )
    return entity_id, model[0]


class _NoValue:
    __slots__ = ()


_NO_VALUE: Final = _NoValue()


def _unwrap(attr: object) -> tuple[object, object, object]:
    """(value, unitCode, observedAt) of a normalized or keyValues attribute."""
    if type(attr) is not dict:
        return attr, None, None
    if "value" not in attr:
        return _NO_VALUE, None, None
    unit_code = attr.get("unitCode")
    observed_at = attr.get("observedAt")
    metadata = attr.get("metadata")
    if type(metadata) is dict:
        unit_code = unit_code if unit_code is not None else _meta_value(metadata, "unitCode")
        if observed_at is None:
            observed_at = _meta_value(metadata, "TimeInstant")
    return attr["value"], unit_code, observed_at


def _meta_value(metadata: dict[str, object], name: str) -> object:
    item = metadata.get(name)
    return item.get("value") if type(item) is dict else item


def _plain(attr: object) -> object:
    """The plain value of a time attribute in any representation (incl. LD ``@value``)."""
    if type(attr) is dict:
        attr = attr.get("value", attr)
    if type(attr) is dict:
        attr = attr.get("@value", attr)
    return attr


def _entity_time(doc: dict[str, object]) -> tuple[datetime | None, int | None]:
    """The entity-level event time and observation period, or (None, None)."""
    length: int | object = 0
    if "dateObserved" in doc:
        parsed = parse_interval(_plain(doc["dateObserved"]), "dateObserved")
        if isinstance(parsed, Rejection):
            raise DecodeRejected(parsed)
        end, length = parsed
    elif "dateObservedTo" in doc:
        end_or = parse_timestamp(_plain(doc["dateObservedTo"]), "dateObservedTo")
        if isinstance(end_or, Rejection):
            raise DecodeRejected(end_or)
        end = end_or
        if "dateObservedFrom" in doc:
            start = parse_timestamp(_plain(doc["dateObservedFrom"]), "dateObservedFrom")
            if isinstance(start, Rejection):
                raise DecodeRejected(start)
            length = round((end - start).total_seconds())
    else:
        for name in ("timeInstant", "TimeInstant"):
            if name in doc:
                instant = parse_timestamp(_plain(doc[name]), name)
                if isinstance(instant, Rejection):
                    raise DecodeRejected(instant)
                return instant, None
        return None, None
    if length == 0:
        return end, None
    interval = check_interval(length, "dateObserved")
    if isinstance(interval, Rejection):
        raise DecodeRejected(interval)
    return end, interval


def _metric(
    domain: Domain, metric: str, key: str, raw: object, unit_code: object, default_unit: str
) -> float | Rejection:
    unit_id = default_unit
    if unit_code is not None:
        found = NGSI_UNIT_CODES.get(unit_code) if type(unit_code) is str else None
        if found is None:
            return field_rejection(
                key,
                ReasonCode.UNKNOWN_UNIT,
                f"{key} unitCode {shorten(unit_code)} is not a UN/CEFACT code we convert",
            )
        unit_id = found
    convert = converter(metric, unit_id)
    if convert is None:
        return field_rejection(
            key,
            ReasonCode.UNKNOWN_UNIT,
            f"{key} unitCode {shorten(unit_code)} is not a unit {metric} converts from",
        )
    return metric_value(domain, metric, raw, convert, key)
