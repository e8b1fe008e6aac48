"""The native kota/v1 adapter, and the proof that its fast Reading construction enforces the
whole contract (hypothesis against Reading.model_validate)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from formats_support import AIR, NOW, REGISTRY, TRAFFIC, WASTE, encode_json, native, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.formats import construct, decode
from kotacerdas.contract import METRICS, Reading, check_metric, derive_msg_id
from kotacerdas.reasons import ReasonCode as R


def test_the_design_example_decodes() -> None:
    payload = native(msg_id="m-42", units={"pm25": "ug/m3"}, interval_s=60)
    (reading,) = run(AIR, payload).readings
    assert reading == Reading(
        msg_id="m-42",
        city="jakarta",
        domain="air",
        sensor_id="jkt-air-0001",
        ts=datetime(2026, 11, 28, 1, 0, tzinfo=UTC),
        seq=42,
        metrics={"pm25": 35.2, "pm10": 51.0},
        source_format="kota/v1",
        interval_s=60,
    )
    assert reading.ts.tzinfo is UTC


def test_msg_id_is_derived_when_absent() -> None:
    (reading,) = run(AIR, native()).readings
    assert reading.msg_id == derive_msg_id("jkt-air-0001", reading.ts, 42)


def test_unknown_metrics_and_envelope_keys_are_ignored_not_rejected() -> None:
    result = run(AIR, native(metrics={"pm25": 1, "battery": 3.3}, firmware="1.2"))
    assert result.accepted and not result.rejections
    assert set(result.ignored) == {"battery", "firmware"}


def test_metric_of_another_domain_is_ignored() -> None:
    result = run(AIR, native(metrics={"pm25": 1, "vehicle_count": 3}))
    assert result.readings[0].metrics == {"pm25": 1.0}
    assert result.ignored == ("vehicle_count",)


def test_integers_become_floats() -> None:
    payload = native(sensor_id="jkt-traffic-0001", metrics={"vehicle_count": 17})
    (reading,) = run(TRAFFIC, payload).readings
    assert reading.metrics == {"vehicle_count": 17.0}
    assert type(reading.metrics["vehicle_count"]) is float


@pytest.mark.parametrize(
    ("metric", "value", "unit", "expected"),
    [
        ("pm25", 0.035, "mg/m3", 35.0),
        ("pm25", 35.0, "µg/m³", 35.0),
        ("no2", 100.0, "ppb", 100.0 * 46.0055 / 24.45),
        ("co", 1.0, "ppm", 1000.0 * 28.010 / 24.45),
        ("temperature", 300.15, "K", 27.0),
        ("humidity", 0.5, "/", 50.0),
        ("humidity", 50.0, "%RH", 50.0),
        ("noise", 6.5, "Bspl", 65.0),
        ("noise", 65.0, "dBA", 65.0),
    ],
)
def test_units_convert_to_canonical(metric: str, value: float, unit: str, expected: float) -> None:
    payload = native(metrics={metric: value}, units={metric: unit})
    (reading,) = run(AIR, payload).readings
    assert reading.metrics[metric] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("metric", "value", "unit", "expected"),
    [("avg_speed_kmh", 10.0, "m/s", 36.0), ("occupancy", 0.25, "/", 25.0)],
)
def test_traffic_units(metric: str, value: float, unit: str, expected: float) -> None:
    payload = native(sensor_id="jkt-traffic-0001", metrics={metric: value}, units={metric: unit})
    (reading,) = run(TRAFFIC, payload).readings
    assert reading.metrics[metric] == pytest.approx(expected)


def test_waste_units() -> None:
    payload = native(
        sensor_id="jkt-waste-0001",
        metrics={"weight_kg": 2500, "fill_level": 0.8, "lid_open": 1},
        units={"weight_kg": "g", "fill_level": "/"},
    )
    (reading,) = run(WASTE, payload).readings
    assert reading.metrics == {"weight_kg": 2.5, "fill_level": 80.0, "lid_open": 1.0}


def test_negative_ppb_is_out_of_range_not_a_crash() -> None:
    result = run(AIR, native(metrics={"no2": -4}, units={"no2": "ppb"}))
    assert result.reason is R.OUT_OF_RANGE


def test_unit_for_a_missing_metric_is_harmless() -> None:
    assert run(AIR, native(units={"o3": "ppb"})).accepted


def test_boundaries_of_the_time_window_are_inclusive() -> None:
    skew = NOW + timedelta(minutes=5)
    assert run(AIR, native(ts=skew.isoformat())).accepted
    assert run(AIR, native(ts=(skew + timedelta(microseconds=1)).isoformat())).reason is (
        R.FUTURE_TIMESTAMP
    )
    oldest = NOW - timedelta(days=7)
    assert run(AIR, native(ts=oldest.isoformat())).accepted
    assert run(AIR, native(ts=(oldest - timedelta(microseconds=1)).isoformat())).reason is (
        R.TOO_OLD
    )


def test_z_suffix_and_fractional_seconds_are_rfc3339() -> None:
    (reading,) = run(AIR, native(ts="2026-11-28T00:59:59.123456Z")).readings
    assert reading.ts == datetime(2026, 11, 28, 0, 59, 59, 123456, tzinfo=UTC)


def test_equal_counts_are_consistent() -> None:
    payload = native(
        sensor_id="jkt-traffic-0001", metrics={"vehicle_count": 5, "speeding_count": 5}
    )
    assert run(TRAFFIC, payload).accepted


def test_received_at_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decode(AIR, b"{}", datetime(2026, 1, 1))


def test_received_at_in_another_zone_is_the_same_instant() -> None:
    wib = NOW.astimezone(timezone(timedelta(hours=7)))
    result = decode(AIR, encode_json(native()), wib, registry=REGISTRY)
    assert result.readings == run(AIR, native()).readings


# --- the fast constructor is the contract ------------------------------------------------------


def test_direct_constructor_is_in_use_and_equals_model_construct() -> None:
    values: dict[str, Any] = {
        "msg_id": "a",
        "city": "jakarta",
        "domain": "air",
        "sensor_id": "jkt-air-0001",
        "ts": NOW,
        "seq": None,
        "metrics": {"pm10": 3.0},
        "source_format": "senml",
        "device_ref": "jkt-air-0001:",
        "interval_s": None,
        "revision": 0,
    }
    direct = construct._construct_direct(dict(values))
    public = Reading.model_construct(**values)
    assert construct.construct_reading is construct._construct_direct
    assert direct == public == Reading.model_validate(values)
    assert direct.model_fields_set == public.model_fields_set
    assert direct.model_dump_json() == public.model_dump_json()


_JUNK: Any = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=5)
    | st.lists(st.integers(), max_size=2)
)
_NAMES = sorted({name for specs in METRICS.values() for name in specs} | {"bogus", "lat"})


@st.composite
def native_payloads(draw: st.DrawFn) -> dict[str, Any]:
    """Native payloads for jkt-air-0001 with valid envelopes and arbitrary metric values."""
    ts = NOW - timedelta(seconds=draw(st.integers(-600, 8 * 86_400)))
    doc: dict[str, Any] = {
        "v": 1,
        "sensor_id": "jkt-air-0001",
        "ts": ts.isoformat(),
        "metrics": draw(st.dictionaries(st.sampled_from(_NAMES), _JUNK, max_size=6)),
    }
    if draw(st.booleans()):
        doc["seq"] = draw(st.integers(-3, 2**64) | _JUNK)
    if draw(st.booleans()):
        doc["msg_id"] = draw(st.text(max_size=130) | _JUNK)
    if draw(st.booleans()):
        doc["interval_s"] = draw(st.integers(-1, 90_000) | _JUNK)
    if draw(st.booleans()):
        doc["units"] = draw(
            st.dictionaries(
                st.sampled_from(_NAMES),
                st.sampled_from(["ug/m3", "ppb", "ppm", "Cel", "K", "%", "/", "dB", "x"]),
                max_size=3,
            )
        )
    return doc


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(native_payloads())
def test_every_decoded_reading_passes_model_validate(doc: dict[str, Any]) -> None:
    # Python's JSON encoder writes NaN/Infinity, as devices built on it do.
    import json

    result = run(AIR, json.dumps(doc).encode())
    for reading in result.readings:
        validated = Reading.model_validate(reading.model_dump())
        assert validated == reading
        assert Reading.model_validate_json(reading.model_dump_json()) == reading
        for name, value in reading.metrics.items():
            assert type(value) is float
            assert check_metric("air", name, value) is None
    if not result.accepted:
        assert len(result.rejections) == 1
    # The same fields, validated by the contract, agree with what the decoder kept.
    metrics = doc["metrics"]
    units = doc.get("units") or {}
    if result.accepted and not units:
        kept = result.readings[0].metrics
        for name, value in metrics.items():
            if name in METRICS["air"]:
                fine = (
                    check_metric("air", name, value) is None
                    if not (
                        isinstance(value, int)
                        and not isinstance(value, bool)
                        and abs(value) > 1e300
                    )
                    else False
                )
                assert (name in kept) == fine, (name, value)
                if fine:
                    assert math.isclose(kept[name], float(value))


def test_constructor_falls_back_to_model_construct_if_pydantic_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(values: dict[str, Any]) -> Reading:
        reading = Reading.model_construct(**values)
        object.__setattr__(reading, "__pydantic_fields_set__", set())
        return reading

    monkeypatch.setattr(construct, "_construct_direct", broken)
    assert construct._pick_constructor() is construct._construct_public
