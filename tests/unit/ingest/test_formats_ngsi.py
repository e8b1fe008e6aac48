"""NGSI-LD and NGSI v2 entities: markers, units, fractions, event time, ignored attributes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from formats_support import AIR, TRAFFIC, WASTE, assert_rejected, run

from kotacerdas.contract import derive_msg_id
from kotacerdas.reasons import ReasonCode as R

CTX = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
T_END = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)


def prop(value: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "Property", "value": value, **extra}


def ld(entity_type: str, sensor: str, **attrs: Any) -> dict[str, Any]:
    return {
        "id": f"urn:ngsi-ld:{entity_type}:{sensor}",
        "type": entity_type,
        "@context": [CTX],
        **attrs,
    }


def test_ld_normalized_air_with_unit_codes_and_interval() -> None:
    result = run(
        AIR,
        ld(
            "AirQualityObserved",
            "jkt-air-0001",
            dateObserved=prop(
                {"@type": "DateTime", "@value": "2026-11-28T00:00:00Z/2026-11-28T01:00:00Z"}
            ),
            CO=prop(0.5, unitCode="GP"),
            NO2=prop(100, unitCode="61"),
            O3=prop(0.05, unitCode="59"),
            pm25=prop(12),
            relativeHumidity=prop(0.61),
            temperature=prop(300.15, unitCode="KEL"),
            airQualityIndex=prop(65),
            NOx=prop(139, unitCode="GQ"),
        ),
    )
    (reading,) = result.readings
    assert reading.source_format == "ngsi-ld"
    assert reading.ts == T_END and reading.interval_s == 3600
    assert reading.metrics == pytest.approx(
        {
            "co": 500.0,
            "no2": 100 * 46.0055 / 24.45,
            "o3": 50 * 47.997 / 24.45,
            "pm25": 12.0,
            "humidity": 61.0,
            "temperature": 27.0,
        }
    )
    assert reading.device_ref == "urn:ngsi-ld:AirQualityObserved:jkt-air-0001"
    assert reading.msg_id == derive_msg_id("jkt-air-0001", T_END, None)
    assert set(result.ignored) == {"airQualityIndex", "NOx"}


def test_observed_at_wins_over_date_observed() -> None:
    result = run(
        AIR,
        ld(
            "AirQualityObserved",
            "jkt-air-0001",
            dateObserved=prop("2026-11-28T00:00:00Z"),
            pm10=prop(20, observedAt="2026-11-28T00:59:00Z"),
            pm25=prop(8),
        ),
    )
    by_ts = {r.ts.isoformat(): r.metrics for r in result.readings}
    assert by_ts == {
        "2026-11-28T00:00:00+00:00": {"pm25": 8.0},
        "2026-11-28T00:59:00+00:00": {"pm10": 20.0},
    }


def test_date_observed_to_is_the_fallback_and_from_gives_the_interval() -> None:
    entity = {
        "id": "TrafficFlowObserved-jkt-1",
        "type": "TrafficFlowObserved",
        "dateObservedFrom": "2026-11-28T07:55:00+07:00",
        "dateObservedTo": "2026-11-28T01:00:00Z",
        "intensity": 42,
    }
    result = run(TRAFFIC, entity)
    (reading,) = result.readings
    assert (reading.ts, reading.interval_s, reading.source_format) == (T_END, 300, "ngsi-v2")
    assert reading.metrics == {"vehicle_count": 42.0}


def test_v2_normalized_metadata_unit_code_and_time_instant() -> None:
    entity = {
        "id": "jkt-waste-0001",
        "type": "WasteContainer",
        "TimeInstant": {"type": "DateTime", "value": "2026-11-28T01:00:00Z"},
        "fillingLevel": {"type": "Number", "value": 0.75},
        "cargoWeight": {
            "type": "Number",
            "value": 0.2,
            "metadata": {"unitCode": {"type": "Text", "value": "TNE"}},
        },
        "temperature": {
            "type": "Number",
            "value": 31.0,
            "metadata": {"TimeInstant": {"value": "2026-11-28T00:59:30Z"}},
        },
        "status": {"type": "Text", "value": "lidOpen"},
    }
    result = run(WASTE, entity)
    assert result.format == "ngsi-v2"
    metrics = {r.ts.isoformat(): r.metrics for r in result.readings}
    assert metrics == {
        "2026-11-28T01:00:00+00:00": {"fill_level": 75.0, "weight_kg": 200.0, "lid_open": 1.0},
        "2026-11-28T00:59:30+00:00": {"temperature": 31.0},
    }


def test_burning_status_is_ignored_not_a_lid_reading() -> None:
    entity = {
        "id": "w",
        "type": "WasteContainer",
        "timeInstant": "2026-11-28T01:00:00Z",
        "fillingLevel": 0.1,
        "status": "burning",
    }
    result = run(WASTE, entity)
    assert result.readings[0].metrics == {"fill_level": pytest.approx(10.0)}
    assert result.ignored == ("status",)


def test_percent_unit_code_is_not_scaled() -> None:
    entity = ld(
        "TrafficFlowObserved",
        "jkt-traffic-0001",
        dateObserved="2026-11-28T01:00:00Z",
        occupancy=prop(76, unitCode="P1"),
        averageVehicleSpeed=prop(5, unitCode="MTS"),
    )
    (reading,) = run(TRAFFIC, entity).readings
    assert reading.metrics == {"occupancy": 76.0, "avg_speed_kmh": 18.0}


def test_fraction_above_one_is_out_of_range() -> None:
    entity = ld(
        "TrafficFlowObserved",
        "jkt-traffic-0001",
        dateObserved="2026-11-28T01:00:00Z",
        occupancy=prop(76),
    )
    assert_rejected(run(TRAFFIC, entity), R.OUT_OF_RANGE)


def test_unknown_unit_code_quarantines_the_attribute() -> None:
    entity = ld(
        "AirQualityObserved",
        "jkt-air-0001",
        dateObserved="2026-11-28T01:00:00Z",
        pm10=prop(20),
        NO2=prop(20, unitCode="XYZ"),
        SO2=prop(1, unitCode="CEL"),
    )
    result = run(AIR, entity)
    assert result.readings[0].metrics == {"pm10": 20.0}
    assert [(r.field, r.cause) for r in result.rejections] == [
        ("NO2", R.UNKNOWN_UNIT),
        ("SO2", R.UNKNOWN_UNIT),
    ]


def test_property_without_value_is_invalid_ngsi_for_that_field() -> None:
    entity = ld(
        "AirQualityObserved",
        "jkt-air-0001",
        dateObserved="2026-11-28T01:00:00Z",
        pm10=prop(20),
        pm25={"type": "Property"},
    )
    result = run(AIR, entity)
    assert [(r.field, r.cause) for r in result.rejections] == [("pm25", R.INVALID_NGSI)]


def test_invalid_observed_at_quarantines_the_attribute() -> None:
    entity = ld(
        "AirQualityObserved",
        "jkt-air-0001",
        dateObserved="2026-11-28T01:00:00Z",
        pm10=prop(20),
        pm25=prop(3, observedAt="noon"),
    )
    result = run(AIR, entity)
    assert result.readings[0].metrics == {"pm10": 20.0}
    assert result.rejections[0].cause is R.INVALID_TIMESTAMP


def test_expanded_type_uri_is_understood() -> None:
    entity = ld(
        "AirQualityObserved", "jkt-air-0001", dateObserved="2026-11-28T01:00:00Z", pm10=prop(2)
    )
    entity["type"] = "https://smartdatamodels.org/dataModel.Environment/AirQualityObserved"
    assert run(AIR, entity).accepted


def test_ld_marker_without_context() -> None:
    entity = {
        "id": "sensor-1",
        "type": "AirQualityObserved",
        "dateObserved": prop("2026-11-28T01:00:00Z"),
        "pm10": prop(2),
    }
    assert run(AIR, entity).format == "ngsi-ld"
    # v2 "Relationship" with a value is not an NGSI-LD marker
    v2 = {
        "id": "sensor-1",
        "type": "AirQualityObserved",
        "dateObserved": "2026-11-28T01:00:00Z",
        "pm10": 2,
        "refDevice": {"type": "Relationship", "value": "d"},
    }
    assert run(AIR, v2).format == "ngsi-v2"


def test_entity_without_our_metrics_is_no_metrics() -> None:
    entity = ld("WasteContainer", "jkt-waste-0001", serialNumber="x", binColor="Green")
    result = run(WASTE, entity)
    assert_rejected(result, R.NO_METRICS)
    assert set(result.ignored) == {"serialNumber", "binColor"}


@pytest.mark.parametrize(
    "changes",
    [{"type": 7}, {"type": ""}, {"id": ""}, {"id": "x" * 257}, {"@context": 5}],
)
def test_structural_errors_are_invalid_ngsi(changes: dict[str, Any]) -> None:
    entity = {**ld("AirQualityObserved", "jkt-air-0001", pm10=prop(2)), **changes}
    assert_rejected(run(AIR, entity), R.INVALID_NGSI)


@pytest.mark.parametrize(
    "observed",
    ["2026-11-28T01:00:00", "2026-11-28T00:00:00/2026-11-28T01:00:00", 1795827600, "PT5M"],
)
def test_unreadable_entity_time_is_invalid_timestamp(observed: Any) -> None:
    entity = ld("AirQualityObserved", "jkt-air-0001", dateObserved=observed, pm10=prop(2))
    assert_rejected(run(AIR, entity), R.INVALID_TIMESTAMP)
