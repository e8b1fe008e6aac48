"""Round trips: a Reading, encoded in each format by a small test-only encoder, decodes back
to the same Reading (property-based)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from formats_support import NOW, encode_json, ms_iso, offset_zone, readings, run, topic_of
from hypothesis import given, settings
from hypothesis import strategies as st

from kotacerdas.contract import Reading, derive_msg_id

_ZONES = st.integers(-12 * 60, 14 * 60).map(offset_zone)


def expected(reading: Reading, **changes: Any) -> Reading:
    return reading.model_copy(update=changes)


# --- native -----------------------------------------------------------------------------------


def encode_native(reading: Reading, zone: Any) -> bytes:
    doc: dict[str, Any] = {
        "v": 1,
        "sensor_id": reading.sensor_id,
        "ts": ms_iso(reading.ts, zone),
        "msg_id": reading.msg_id,
        "metrics": reading.metrics,
    }
    if reading.seq is not None:
        doc["seq"] = reading.seq
    if reading.interval_s is not None:
        doc["interval_s"] = reading.interval_s
    return encode_json(doc)


@settings(max_examples=300)
@given(readings(), _ZONES)
def test_native_round_trip(reading: Reading, zone: Any) -> None:
    result = run(topic_of(reading.sensor_id), encode_native(reading, zone))
    assert result.readings == (reading,)
    assert not result.rejections and not result.ignored


# --- SenML ------------------------------------------------------------------------------------

# Alternative spellings a SenML device may use for canonical metrics, with a unit that
# needs no conversion.
_SENML_SPELLING = {
    "pm25": ("PM2.5", "ug/m3"),
    "temperature": ("temp", "Cel"),
    "humidity": ("rh", "%RH"),
    "noise": ("noise", "dB"),
    "avg_speed_kmh": ("speed", "km/h"),
    "occupancy": ("occupancy", "%"),
    "fill_level": ("fill_level", "%"),
    "weight_kg": ("weight", "kg"),
    "vehicle_count": ("vehicle_count", "count"),
}


def encode_senml(reading: Reading, spelled: bool, split: bool) -> bytes:
    """One record per metric; ``split`` moves the time into relative ``t`` of each record."""
    epoch = reading.ts.timestamp()
    records: list[dict[str, Any]] = []
    for name, value in reading.metrics.items():
        record: dict[str, Any] = {"n": name, "v": value}
        if spelled and name in _SENML_SPELLING:
            record["n"], record["u"] = _SENML_SPELLING[name]
        if split:
            record["t"] = round(epoch - NOW.timestamp(), 3)  # relative: below 2**28
        records.append(record)
    base: dict[str, Any] = {"bn": f"{reading.sensor_id}:", "bver": 10}
    if not split:
        base["bt"] = epoch
    records[0] = {**base, **records[0]}
    return encode_json(records)


@settings(max_examples=300)
@given(readings(), st.booleans(), st.booleans())
def test_senml_round_trip(reading: Reading, spelled: bool, split: bool) -> None:
    result = run(topic_of(reading.sensor_id), encode_senml(reading, spelled, split))
    (decoded,) = result.readings
    assert decoded == expected(
        reading,
        msg_id=derive_msg_id(reading.sensor_id, reading.ts, None),
        seq=None,
        interval_s=None,
        source_format="senml",
        device_ref=f"{reading.sensor_id}:",
    )


# --- NGSI -------------------------------------------------------------------------------------

_TYPES = {"air": "AirQualityObserved", "traffic": "TrafficFlowObserved", "waste": "WasteContainer"}
# canonical metric -> (attribute, factor from canonical to the model's unit)
_ATTRS: dict[str, dict[str, tuple[str, float]]] = {
    "air": {
        "pm25": ("pm25", 1.0),
        "pm10": ("pm10", 1.0),
        "no2": ("NO2", 1.0),
        "so2": ("SO2", 1.0),
        "o3": ("O3", 1.0),
        "co": ("CO", 1.0),
        "temperature": ("temperature", 1.0),
        "humidity": ("relativeHumidity", 0.01),
    },
    "traffic": {
        "vehicle_count": ("intensity", 1.0),
        "avg_speed_kmh": ("averageVehicleSpeed", 1.0),
        "occupancy": ("occupancy", 0.01),
    },
    "waste": {
        "fill_level": ("fillingLevel", 0.01),
        "temperature": ("temperature", 1.0),
        "weight_kg": ("cargoWeight", 1.0),
        "lid_open": ("status", 1.0),
    },
}


def ngsi_readings() -> st.SearchStrategy[Reading]:
    return st.sampled_from(("air", "traffic", "waste")).flatmap(
        lambda d: readings(d, tuple(_ATTRS[d]))  # type: ignore[arg-type]
    )


def encode_ngsi(reading: Reading, zone: Any, ld: bool, normalized: bool) -> bytes:
    entity_type = _TYPES[reading.domain]
    observed = ms_iso(reading.ts, zone)
    if reading.interval_s is not None:
        start = reading.ts - timedelta(seconds=reading.interval_s)
        observed = f"{ms_iso(start, zone)}/{observed}"
    doc: dict[str, Any] = {
        "id": f"urn:ngsi-ld:{entity_type}:{reading.sensor_id}",
        "type": entity_type,
    }
    values: dict[str, Any] = {"dateObserved": observed}
    for name, value in reading.metrics.items():
        attr, factor = _ATTRS[reading.domain][name]
        if name == "lid_open":
            values[attr] = "lidOpen" if value else "ok"
        else:
            values[attr] = value * factor
    for attr, value in values.items():
        if not normalized:
            doc[attr] = value
        elif ld:
            doc[attr] = {"type": "Property", "value": value}
        else:
            doc[attr] = {"type": "Number" if attr != "dateObserved" else "DateTime", "value": value}
    if ld:
        doc["@context"] = ["https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"]
    return encode_json(doc)


@settings(max_examples=300)
@given(ngsi_readings(), _ZONES, st.booleans(), st.booleans())
def test_ngsi_round_trip(reading: Reading, zone: Any, ld: bool, normalized: bool) -> None:
    result = run(topic_of(reading.sensor_id), encode_ngsi(reading, zone, ld, normalized))
    (decoded,) = result.readings
    want = expected(
        reading,
        msg_id=derive_msg_id(reading.sensor_id, reading.ts, None),
        seq=None,
        source_format="ngsi-ld" if ld else "ngsi-v2",
        device_ref=f"urn:ngsi-ld:{_TYPES[reading.domain]}:{reading.sensor_id}",
    )
    # Fractions go through ×0.01 and ×100: equal up to float rounding.
    assert decoded.model_dump(exclude={"metrics"}) == want.model_dump(exclude={"metrics"})
    assert decoded.metrics == pytest.approx(want.metrics, rel=1e-12, abs=1e-12)
