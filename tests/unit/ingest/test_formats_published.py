"""The published examples of the three FIWARE Smart Data Models decode to the expected readings.

Fixtures are stored verbatim (tests/data/formats/README.md gives source URL and commit);
every adaptation below is explicit and explained.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from formats_support import AIR, DATA, TRAFFIC, WASTE, assert_rejected, encode_json, run

from kotacerdas.reasons import ReasonCode as R

FIWARE = DATA / "fiware"
AQO_END = datetime(2016, 3, 15, 12, 0, tzinfo=UTC)
TFO_END = datetime(2016, 12, 7, 11, 15, tzinfo=UTC)
# A date-time with no offset: not followed by a fraction digit, "Z", "+" or "-".
NAIVE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)(?![\d.Z+-])")


def raw(name: str) -> bytes:
    return (FIWARE / name).read_bytes()


def with_utc(payload: bytes) -> bytes:
    """Adaptation 1: the examples' naive times are UTC (Madrid/Valladolid data portals
    publish UTC); say so with a ``Z``, as RFC 3339 requires an offset. Only the time
    attributes change (entity ids contain date-like text too)."""
    doc = json.loads(payload)
    for key in ("dateObserved", "dateObservedFrom", "dateObservedTo"):
        if key in doc:
            doc[key] = json.loads(NAIVE.sub(r"\1Z", json.dumps(doc[key])))
    return encode_json(doc)


def soon_after(end: datetime) -> datetime:
    """Adaptation 2: decode just after the observation, so the late limit does not apply."""
    return end + timedelta(minutes=1)


def with_id(payload: bytes, entity_id: str) -> bytes:
    doc = json.loads(payload)
    doc["id"] = entity_id
    return encode_json(doc)


AQO_V2_KV = {"co": 500.0, "no2": 69.0, "so2": 11.0, "temperature": 12.2, "humidity": 54.0}
AQO_GP = {**AQO_V2_KV, "co": 500_000.0}  # normalized examples say CO is in mg/m³ (GP)
AQO_IGNORED_V2 = {
    "address",
    "areaServed",
    "location",
    "source",
    "precipitation",
    "windDirection",
    "windSpeed",
    "airQualityLevel",
    "airQualityIndex",
    "reliability",
    "NO",
    "NOx",
    "CO_Level",
    "refPointOfInterest",
}


@pytest.mark.parametrize(
    ("name", "fmt", "interval", "metrics"),
    [
        ("AirQualityObserved.example.json", "ngsi-v2", 3600, AQO_V2_KV),
        ("AirQualityObserved.example-normalized.json", "ngsi-v2", 3600, AQO_GP),
        ("AirQualityObserved.example-normalized-ld.jsonld", "ngsi-ld", 3600, AQO_GP),
        # LD keyValues: lower-case pollutant names, an instant (11:00) instead of an interval
        ("AirQualityObserved.example.jsonld", "ngsi-ld", None, AQO_V2_KV),
    ],
)
def test_air_quality_observed(
    name: str, fmt: str, interval: int | None, metrics: dict[str, float]
) -> None:
    end = AQO_END if interval else AQO_END - timedelta(hours=1)
    assert_rejected(run(AIR, raw(name), soon_after(end)), R.INVALID_TIMESTAMP)  # as published

    result = run(AIR, with_utc(raw(name)), soon_after(end))
    (reading,) = result.readings
    assert reading.source_format == fmt
    assert (reading.ts, reading.interval_s) == (end, interval)
    assert reading.metrics == pytest.approx(metrics)
    assert reading.device_ref == json.loads(raw(name))["id"]  # opaque id, recorded
    assert not result.rejections
    if name == "AirQualityObserved.example.json":
        assert set(result.ignored) == AQO_IGNORED_V2


TFO = {"vehicle_count": 197.0, "occupancy": 76.0, "avg_speed_kmh": 52.6}


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("TrafficFlowObserved.example.json", "ngsi-v2"),
        ("TrafficFlowObserved.example-normalized.json", "ngsi-v2"),
        ("TrafficFlowObserved.example-normalized.jsonld", "ngsi-ld"),
    ],
)
def test_traffic_flow_observed(name: str, fmt: str) -> None:
    assert_rejected(run(TRAFFIC, raw(name), soon_after(TFO_END)), R.INVALID_TIMESTAMP)
    result = run(TRAFFIC, with_utc(raw(name)), soon_after(TFO_END))
    (reading,) = result.readings
    assert (reading.source_format, reading.ts, reading.interval_s) == (fmt, TFO_END, 300)
    assert reading.metrics == pytest.approx(TFO)
    assert {
        "laneId",
        "averageHeadwayTime",
        "averageVehicleLength",
        "reversedLane",
        "laneDirection",
        "location",
        "address",
    } <= set(result.ignored)


def test_traffic_flow_observed_ld_keyvalues_as_published_is_not_json() -> None:
    name = "TrafficFlowObserved.example.jsonld"
    assert_rejected(run(TRAFFIC, raw(name), soon_after(TFO_END)), R.MALFORMED_JSON)
    # Adaptation 3: the Python literal False becomes JSON false.
    fixed = with_utc(raw(name).replace(b": False", b": false"))
    (reading,) = run(TRAFFIC, fixed, soon_after(TFO_END)).readings
    assert (reading.source_format, reading.ts, reading.interval_s) == ("ngsi-ld", TFO_END, 300)
    assert reading.metrics == pytest.approx(TFO)


@pytest.mark.parametrize(
    "name", ["WasteContainer.example.json", "WasteContainer.example-normalized.json"]
)
def test_waste_container_with_a_filling_level(name: str) -> None:
    observed = datetime(2016, 6, 21, 16, 0, tzinfo=UTC)
    assert_rejected(run(WASTE, raw(name), soon_after(observed)), R.MISSING_TIMESTAMP)
    # Adaptation 4: a bin reading needs a time; IoT Agents add timeInstant.
    doc: dict[str, Any] = json.loads(raw(name))
    doc["timeInstant"] = "2016-06-21T16:00:00Z"
    result = run(WASTE, doc, soon_after(observed))
    (reading,) = result.readings
    assert (reading.source_format, reading.ts) == ("ngsi-v2", observed)
    assert reading.metrics == pytest.approx({"fill_level": 40.0, "lid_open": 0.0})
    assert "serialNumber" in result.ignored and "refDevice" in result.ignored


@pytest.mark.parametrize(
    "name", ["WasteContainer.example.jsonld", "WasteContainer.example-normalized.jsonld"]
)
def test_inventory_only_waste_container_is_no_metrics(name: str) -> None:
    result = run(WASTE, raw(name))
    assert_rejected(result, R.NO_METRICS)
    assert result.format == "ngsi-ld"
    assert {"RFID", "binCapacity", "binColor", "wardId"} <= set(result.ignored)


@pytest.mark.parametrize(
    ("name", "topic", "entity_type", "sensor", "other", "end"),
    [
        (
            "AirQualityObserved.example-normalized-ld.jsonld",
            AIR,
            "AirQualityObserved",
            "jkt-air-0001",
            "jkt-air-0002",
            AQO_END,
        ),
        (
            "TrafficFlowObserved.example-normalized.jsonld",
            TRAFFIC,
            "TrafficFlowObserved",
            "jkt-traffic-0001",
            "mks-traffic-0001",
            TFO_END,
        ),
    ],
)
def test_ids_adapted_to_registry_sensors(
    name: str, topic: str, entity_type: str, sensor: str, other: str, end: datetime
) -> None:
    # Adaptation 5: the entity id names the topic's sensor (accepted, recorded) or another
    # registered sensor (refused as a spoof).
    own = with_id(with_utc(raw(name)), f"urn:ngsi-ld:{entity_type}:{sensor}")
    (reading,) = run(topic, own, soon_after(end)).readings
    assert reading.device_ref == f"urn:ngsi-ld:{entity_type}:{sensor}"
    spoofed = with_id(with_utc(raw(name)), f"urn:ngsi-ld:{entity_type}:{other}")
    assert_rejected(run(topic, spoofed, soon_after(end)), R.DEVICE_REF_MISMATCH)


def test_published_entity_on_the_wrong_domain_topic() -> None:
    result = run(WASTE, with_utc(raw("AirQualityObserved.example.json")), soon_after(AQO_END))
    assert_rejected(result, R.NGSI_WRONG_TYPE)
