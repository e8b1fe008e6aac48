"""SenML (RFC 8428): base-field resolution, grouping by time, and the RFC's own examples."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from formats_support import AIR, DATA, NOW, TRAFFIC, WASTE, assert_rejected, run

from kotacerdas.contract import derive_msg_id
from kotacerdas.reasons import ReasonCode as R

RFC = DATA / "senml"
T0 = 1_795_827_600  # 2026-11-28T01:00:00Z


def rfc(name: str) -> bytes:
    return (RFC / f"rfc8428-{name}.json").read_bytes()


def at(epoch: float) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=epoch)


# --- RFC 8428 §5.1 examples ------------------------------------------------------------------
# The RFC's devices are 1-wire sensors of 2010/2011; decoding runs "just after" each example
# so the late limit does not apply, on the air topic of a registry sensor.


def test_5_1_1_single_datapoint_is_a_temperature_named_by_its_unit() -> None:
    # The name is the device URN alone; the record is identified by its unit, Cel.
    result = run(AIR, rfc("5.1.1-single-datapoint"))
    (reading,) = result.readings
    assert reading.metrics == {"temperature": 23.1}
    assert reading.ts == NOW  # no time: "roughly now" (§4.5.3)
    assert reading.device_ref == "urn:dev:ow:10e2073a01080063"
    assert reading.source_format == "senml"
    assert reading.msg_id == derive_msg_id("jkt-air-0001", NOW, None)


@pytest.mark.parametrize(
    "name", ["5.1.2-multiple-datapoints", "5.1.2-multiple-datapoints-with-time"]
)
def test_5_1_2_voltage_and_current_are_ignored(name: str) -> None:
    result = run(AIR, rfc(name), received_at=at(1_276_020_076))
    assert_rejected(result, R.NO_METRICS)
    assert set(result.ignored) == {"voltage", "current"}
    assert result.format == "senml"


def test_5_1_2_sensml_stream_gives_one_humidity_reading_per_time() -> None:
    result = run(AIR, rfc("5.1.2-sensml-stream"), received_at=at(1_320_067_464 + 90))
    values = [21.2, 21.3, 21.4, 21.4, 21.5, 21.5, 21.5, 21.6, 21.7]
    assert [r.metrics for r in result.readings] == [{"humidity": v} for v in values]
    assert [r.ts for r in result.readings] == [at(1_320_067_464 + 10 * i) for i in range(9)]
    assert len({r.msg_id for r in result.readings}) == 9


def test_5_1_3_multiple_measurements_keep_humidity_and_ignore_position_and_battery() -> None:
    result = run(AIR, rfc("5.1.3-multiple-measurements"), received_at=at(1_320_067_464 + 200))
    assert [(r.ts, r.metrics) for r in result.readings] == [
        (at(1_320_067_464), {"humidity": 20.0}),
        (at(1_320_067_524), {"humidity": 20.3}),
        (at(1_320_067_584), {"humidity": 20.7}),
        (at(1_320_067_644), {"humidity": 21.2}),
    ]
    assert {r.device_ref for r in result.readings} == {"urn:dev:ow:10e2073a01080063"}
    assert sorted(set(result.ignored)) == ["[%EL]", "[lat]", "[lon]"]
    assert not result.rejections


def test_5_1_4_resolved_data_decodes_exactly_like_5_1_3() -> None:
    received = at(1_320_067_464 + 200)
    resolved = run(AIR, rfc("5.1.4-resolved-data"), received_at=received)
    unresolved = run(AIR, rfc("5.1.3-multiple-measurements"), received_at=received)
    assert resolved.readings == unresolved.readings


def test_5_1_5_multiple_data_types_keep_the_number_and_ignore_the_rest() -> None:
    result = run(AIR, rfc("5.1.5-multiple-data-types"))
    (reading,) = result.readings
    assert reading.metrics == {"temperature": 23.1}  # "temp" is an alias
    assert reading.device_ref == "urn:dev:ow:10e2073a01080063:"
    assert set(result.ignored) == {"label", "open", "nfc-reader"}


@pytest.mark.parametrize(
    "name", ["5.1.6-collection-of-resources", "5.1.7-lights-on", "5.1.7-lights-off"]
)
def test_packs_naming_several_devices_are_refused(name: str) -> None:
    # One topic is one sensor; a pack aggregating two devices cannot be attributed to it.
    result = run(AIR, rfc(name), received_at=at(1_320_078_429))
    assert_rejected(result, R.DEVICE_REF_MISMATCH)


def test_5_1_7_actuator_pack_reads_as_its_temperature() -> None:
    # An actuation command, not a measurement; decoded as SenML it carries a temperature
    # set point (the base-fields-only first record is valid) and two ignored switches.
    result = run(AIR, rfc("5.1.7-setting-an-actuator"))
    assert result.readings[0].metrics == {"temperature": 23.1}
    assert set(result.ignored) == {"heat", "fan"}


# --- resolution rules -----------------------------------------------------------------------


def pack(*records: dict[str, Any]) -> list[dict[str, Any]]:
    return list(records)


def test_base_fields_resolve_and_group_by_time() -> None:
    result = run(
        AIR,
        pack(
            {"bn": "jkt-air-0001:", "bt": T0, "bu": "ug/m3", "n": "pm2_5", "v": 12},
            {"n": "PM10", "v": 30},
            {"n": "temp", "u": "Cel", "v": 29.5},
            {"n": "pm2.5", "t": 60, "v": 14},
        ),
    )
    assert [(r.ts, r.metrics) for r in result.readings] == [
        (at(T0), {"pm25": 12.0, "pm10": 30.0, "temperature": 29.5}),
        (at(T0 + 60), {"pm25": 14.0}),
    ]
    first, second = result.readings
    assert first.msg_id == derive_msg_id("jkt-air-0001", at(T0), None)
    assert first.msg_id != second.msg_id
    assert first.device_ref == "jkt-air-0001:"


def test_base_value_is_added() -> None:
    (reading,) = run(AIR, pack({"bn": "d:", "bv": 20, "n": "pm10", "v": 5})).readings
    assert reading.metrics == {"pm10": 25.0}


def test_relative_time_is_relative_to_receive_time() -> None:
    result = run(AIR, pack({"bn": "d:", "n": "pm10", "v": 5, "t": -120}))
    assert result.readings[0].ts == NOW - timedelta(seconds=120)


def test_later_base_name_overrides_and_splits_devices() -> None:
    result = run(AIR, pack({"bn": "a:", "n": "pm10", "v": 1}, {"bn": "b:", "n": "pm25", "v": 1}))
    assert_rejected(result, R.DEVICE_REF_MISMATCH)


def test_units_are_converted() -> None:
    (reading,) = run(
        AIR,
        pack(
            {"bn": "d:", "n": "no2", "u": "ppb", "v": 100},
            {"n": "rh", "u": "%RH", "v": 55},
            {"n": "temperature", "u": "K", "v": 300.15},
        ),
    ).readings
    assert reading.metrics["no2"] == pytest.approx(100 * 46.0055 / 24.45)
    assert reading.metrics["humidity"] == 55.0
    assert reading.metrics["temperature"] == pytest.approx(27.0)


def test_traffic_and_waste_names_and_units() -> None:
    (traffic,) = run(
        TRAFFIC,
        pack(
            {"bn": "jkt-traffic-0001:", "n": "vehicle_count", "u": "count", "v": 40},
            {"n": "speed", "u": "m/s", "v": 10},
            {"n": "occupancy", "u": "%", "v": 12},
        ),
    ).readings
    assert traffic.metrics == {"vehicle_count": 40.0, "avg_speed_kmh": 36.0, "occupancy": 12.0}
    (waste,) = run(
        WASTE,
        pack(
            {"bn": "jkt-waste-0001:", "n": "fill_level", "u": "/", "v": 0.5},
            {"n": "weight", "u": "g", "v": 1500},
            {"n": "lid_open", "v": 0},
        ),
    ).readings
    assert waste.metrics == {"fill_level": 50.0, "weight_kg": 1.5, "lid_open": 0.0}


def test_boolean_string_and_data_values_of_metrics_are_wrong_type() -> None:
    result = run(
        WASTE,
        pack(
            {"bn": "jkt-waste-0001:", "n": "fill_level", "v": 40},
            {"n": "lid_open", "vb": True},
            {"n": "temperature", "vs": "31"},
            {"n": "weight_kg", "vd": "AAE"},
        ),
    )
    assert result.readings[0].metrics == {"fill_level": 40.0}
    assert [(r.field, r.cause) for r in result.rejections] == [
        ("lid_open", R.WRONG_TYPE),
        ("temperature", R.WRONG_TYPE),
        ("weight_kg", R.WRONG_TYPE),
    ]


def test_a_sum_is_not_a_value() -> None:
    result = run(TRAFFIC, pack({"bn": "x:", "n": "vehicle_count", "s": 1000}))
    assert_rejected(result, R.WRONG_TYPE)


def test_unknown_unit_quarantines_the_record() -> None:
    result = run(AIR, pack({"bn": "d:", "n": "pm10", "v": 5}, {"n": "pm25", "u": "lb", "v": 1}))
    assert result.readings[0].metrics == {"pm10": 5.0}
    assert result.rejections[0].cause is R.UNKNOWN_UNIT


def test_same_metric_twice_at_one_time_with_different_values_is_dropped() -> None:
    result = run(
        AIR, pack({"bn": "d:", "n": "pm10", "v": 5}, {"n": "pm10", "v": 6}, {"n": "pm25", "v": 1})
    )
    assert result.readings[0].metrics == {"pm25": 1.0}
    assert result.rejections[0].cause is R.INCONSISTENT


def test_old_records_are_rejected_per_reading() -> None:
    result = run(
        AIR, pack({"bn": "d:", "n": "pm10", "v": 5}, {"n": "pm10", "v": 6, "t": -30 * 86_400})
    )
    assert result.readings[0].metrics == {"pm10": 5.0}
    assert [r.reason for r in result.rejections] == [R.TOO_OLD]


def test_names_without_base_name_split_device_and_metric() -> None:
    result = run(AIR, pack({"n": "urn:dev:ow:10e2073a01080063:pm25", "v": 5}))
    assert result.readings[0].device_ref == "urn:dev:ow:10e2073a01080063:"
    assert result.readings[0].metrics == {"pm25": 5.0}


def test_opaque_device_id_is_recorded_and_own_id_accepted() -> None:
    assert run(AIR, pack({"bn": "urn:dev:mac:0024befffe804ff1:", "n": "pm10", "v": 5})).accepted
    assert run(AIR, pack({"bn": "urn:dev:ops:jkt-air-0001:", "n": "pm10", "v": 5})).accepted


@pytest.mark.parametrize(
    "record",
    [
        {"bt": "now", "n": "pm10", "v": 1},
        {"bu": 5, "n": "pm10", "v": 1},
        {"bv": "1", "n": "pm10", "v": 1},
        {"bver": 0, "n": "pm10", "v": 1},
        {"bver": 1.5, "n": "pm10", "v": 1},
        {"n": 5, "v": 1},
        {"n": "pm10", "u": 5, "v": 1},
        {"n": "pm10", "t": "0", "v": 1},
        {"n": "pm 10", "v": 1},
        {"n": "-pm10", "v": 1},
        {"n": "pm10"},
        {"n": "pm10", "vb": True, "vs": "x"},
        {"bn": "x" * 300, "n": "pm10", "v": 1},
    ],
)
def test_structural_errors_are_invalid_senml(record: dict[str, Any]) -> None:
    result = run(AIR, [record])
    assert_rejected(result, R.INVALID_SENML)
    assert result.rejections[0].field == "record[0]"


def test_a_non_object_record_after_the_first_is_invalid_senml() -> None:
    assert_rejected(run(AIR, [{"n": "pm10", "v": 1}, 5]), R.INVALID_SENML)


def test_nan_value_from_a_lenient_encoder_is_not_finite() -> None:
    payload = json.dumps([{"bn": "d:", "n": "pm10", "v": 1}, {"n": "pm25", "v": float("nan")}])
    result = run(AIR, payload.encode())
    assert result.readings[0].metrics == {"pm10": 1.0}
    assert result.rejections[0].cause is R.NOT_FINITE


def test_infinite_time_is_invalid_timestamp() -> None:
    payload = json.dumps([{"bn": "d:", "n": "pm10", "v": 1, "t": float("inf")}])
    assert_rejected(run(AIR, payload.encode()), R.INVALID_TIMESTAMP)
