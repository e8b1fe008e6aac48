"""Payload encoders: canonical metrics → bytes in one of the accepted formats (pure).

Formats follow DESIGN.md "The three payload formats in detail" and STANDARDS.md §7:
* ``kota/v1`` native JSON, with ``msg_id`` and ``seq``;
* ``senml``: an RFC 8428 pack, base name ``"<sensor_id>:"``, absolute base time, SenML units;
* ``ngsi-ld`` / ``ngsi-v2``: Smart Data Models entities ``AirQualityObserved``,
  ``TrafficFlowObserved``, ``WasteContainer`` (normalized or keyValues), id
  ``urn:ngsi-ld:<Type>:<sensor_id>``; fractions 0–1 for ``relativeHumidity``, ``occupancy``,
  ``fillingLevel``.

Each encoder returns the payload and the metrics **as the decoder will read them back** (a
format carries a subset of our metrics, and a fraction round-trips through ×100), so the
truth file can state exactly what should be stored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final, NamedTuple

import msgspec

from kotacerdas.contract import Domain

_encode = msgspec.json.Encoder().encode

# SenML units (IANA SenML registry; DESIGN.md lists the ones the decoder converts).
SENML_UNITS: Final[dict[str, str]] = {
    "pm25": "ug/m3",
    "pm10": "ug/m3",
    "no2": "ug/m3",
    "so2": "ug/m3",
    "o3": "ug/m3",
    "co": "ug/m3",
    "hc": "ug/m3",
    "temperature": "Cel",
    "humidity": "%RH",
    "avg_speed_kmh": "km/h",
    "occupancy": "%",
    "fill_level": "%",
    "weight_kg": "kg",
}
NGSI_TYPE: Final[dict[Domain, str]] = {
    "air": "AirQualityObserved",
    "traffic": "TrafficFlowObserved",
    "waste": "WasteContainer",
}
NGSI_LD_CONTEXT: Final = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
# canonical metric → (NGSI attribute, scale to the model's unit, UN/CEFACT unit code or None)
NGSI_ATTRS: Final[dict[Domain, dict[str, tuple[str, float, str | None]]]] = {
    "air": {
        "pm25": ("pm25", 1.0, "GQ"),
        "pm10": ("pm10", 1.0, "GQ"),
        "no2": ("NO2", 1.0, "GQ"),
        "so2": ("SO2", 1.0, "GQ"),
        "o3": ("O3", 1.0, "GQ"),
        "co": ("CO", 1.0, "GQ"),
        "temperature": ("temperature", 1.0, "CEL"),
        "humidity": ("relativeHumidity", 0.01, None),
    },
    "traffic": {
        "vehicle_count": ("intensity", 1.0, None),
        "avg_speed_kmh": ("averageVehicleSpeed", 1.0, "KMH"),
        "occupancy": ("occupancy", 0.01, None),
    },
    "waste": {
        "fill_level": ("fillingLevel", 0.01, None),
        "temperature": ("temperature", 1.0, "CEL"),
        "weight_kg": ("cargoWeight", 1.0, "KGM"),
    },
}


class Observation(NamedTuple):
    """What a sensor observed, ready to encode."""

    sensor_id: str
    domain: Domain
    epoch: int  # event time, UTC seconds
    ts_local: str  # RFC 3339 with the city's offset
    ts_utc: str  # RFC 3339 in UTC ("…+00:00")
    seq: int
    msg_id: str
    metrics: Mapping[str, float]
    interval_s: int | None = None  # traffic: the count's observation period
    interval_start_local: str | None = None  # traffic: start of that period
    direction: str | None = None


Encoded = tuple[bytes, dict[str, float]]


def encode_native(obs: Observation) -> Encoded:
    doc: dict[str, object] = {
        "v": 1,
        "sensor_id": obs.sensor_id,
        "ts": obs.ts_local,
        "seq": obs.seq,
        "msg_id": obs.msg_id,
        "metrics": obs.metrics,
    }
    if obs.interval_s is not None:
        doc["interval_s"] = obs.interval_s
    return _encode(doc), dict(obs.metrics)


def encode_senml(obs: Observation) -> Encoded:
    records: list[dict[str, object]] = []
    for name, value in obs.metrics.items():
        record: dict[str, object] = {"n": name, "v": value}
        unit = SENML_UNITS.get(name)
        if unit is not None:
            record["u"] = unit
        records.append(record)
    records[0] = {"bn": f"{obs.sensor_id}:", "bt": obs.epoch, **records[0]}
    return _encode(records), dict(obs.metrics)


def _ngsi(obs: Observation, *, ld: bool, normalized: bool) -> Encoded:
    entity_type = NGSI_TYPE[obs.domain]
    doc: dict[str, object] = {
        "id": f"urn:ngsi-ld:{entity_type}:{obs.sensor_id}",
        "type": entity_type,
    }
    if obs.interval_s is not None and obs.interval_start_local is not None:
        observed = f"{obs.interval_start_local}/{obs.ts_local}"
    else:
        observed = obs.ts_local
    if not normalized:
        doc["dateObserved"] = observed
    elif ld:
        doc["dateObserved"] = {
            "type": "Property",
            "value": {"@type": "DateTime", "@value": observed},
        }
    else:
        doc["dateObserved"] = {"type": "DateTime", "value": observed}
    readback: dict[str, float] = {}
    for name, value in obs.metrics.items():
        spec = NGSI_ATTRS[obs.domain].get(name)
        if spec is None:
            continue  # the data model has no attribute for it (noise, lid_open, speeding_count)
        attr, factor, unit = spec
        sent = round(value * factor, 6) if factor != 1.0 else value
        readback[name] = sent * (1.0 / factor) if factor != 1.0 else sent
        if not normalized:
            doc[attr] = sent
        elif ld:
            prop: dict[str, object] = {"type": "Property", "value": sent}
            if unit:
                prop["unitCode"] = unit
            doc[attr] = prop
        else:
            attr_v2: dict[str, object] = {"type": "Number", "value": sent}
            if unit:
                attr_v2["metadata"] = {"unitCode": {"type": "Text", "value": unit}}
            doc[attr] = attr_v2
    if obs.domain == "traffic" and obs.direction:
        doc["laneDirection"] = (
            {"type": "Property", "value": obs.direction}
            if normalized and ld
            else {"type": "Text", "value": obs.direction}
            if normalized
            else obs.direction
        )
    if ld:
        doc["@context"] = [NGSI_LD_CONTEXT]
    return _encode(doc), readback


def encode_ngsi_ld_normalized(obs: Observation) -> Encoded:
    return _ngsi(obs, ld=True, normalized=True)


def encode_ngsi_ld_keyvalues(obs: Observation) -> Encoded:
    return _ngsi(obs, ld=True, normalized=False)


def encode_ngsi_v2_normalized(obs: Observation) -> Encoded:
    return _ngsi(obs, ld=False, normalized=True)


def encode_ngsi_v2_keyvalues(obs: Observation) -> Encoded:
    return _ngsi(obs, ld=False, normalized=False)


# variant name → (SourceFormat the decoder reports, encoder). A small registry of factories.
ENCODERS: Final[dict[str, tuple[str, Callable[[Observation], Encoded]]]] = {
    "native": ("kota/v1", encode_native),
    "senml": ("senml", encode_senml),
    "ngsi-ld-normalized": ("ngsi-ld", encode_ngsi_ld_normalized),
    "ngsi-ld-keyvalues": ("ngsi-ld", encode_ngsi_ld_keyvalues),
    "ngsi-v2-normalized": ("ngsi-v2", encode_ngsi_v2_normalized),
    "ngsi-v2-keyvalues": ("ngsi-v2", encode_ngsi_v2_keyvalues),
}
# --formats names → the variants they spread over.
FORMAT_VARIANTS: Final[dict[str, tuple[str, ...]]] = {
    "native": ("native",),
    "senml": ("senml",),
    "ngsi": ("ngsi-ld-normalized", "ngsi-ld-keyvalues", "ngsi-v2-normalized", "ngsi-v2-keyvalues"),
    "ngsi-ld": ("ngsi-ld-normalized", "ngsi-ld-keyvalues"),
    "ngsi-v2": ("ngsi-v2-normalized", "ngsi-v2-keyvalues"),
}
