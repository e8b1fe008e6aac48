"""Encoders: the three formats as DESIGN.md describes them; ids derived like the contract."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from kotacerdas.contract import derive_msg_id
from simulators.encoders import ENCODERS, Observation
from simulators.planner import derive_msg_id_fast, iso

EPOCH = 1_795_900_000


def make_observation(domain: str = "air", **overrides: object) -> Observation:
    metrics = {
        "air": {"pm25": 35.2, "pm10": 51.0, "humidity": 81.3, "temperature": 29.1, "noise": 60.0},
        "traffic": {
            "vehicle_count": 42.0,
            "avg_speed_kmh": 31.5,
            "occupancy": 27.3,
            "speeding_count": 2.0,
        },
        "waste": {"fill_level": 73.1, "temperature": 31.0, "weight_kg": 96.5, "lid_open": 0.0},
    }[domain]
    fields: dict[str, object] = dict(
        sensor_id=f"jkt-{domain}-0001",
        domain=domain,
        epoch=EPOCH,
        ts_local=iso(EPOCH, 7 * 3600, "+07:00"),
        ts_utc=iso(EPOCH, 0, "+00:00"),
        seq=42,
        msg_id="abc",
        metrics=metrics,
        interval_s=60 if domain == "traffic" else None,
        interval_start_local=iso(EPOCH - 60, 7 * 3600, "+07:00") if domain == "traffic" else None,
        direction="forward" if domain == "traffic" else None,
    )
    fields.update(overrides)
    return Observation(**fields)  # type: ignore[arg-type]


@given(st.integers(min_value=0, max_value=4_000_000_000), st.sampled_from([0, 7, 8, 9]))
def test_iso_matches_datetime_isoformat(epoch: int, hours: int) -> None:
    tz = timezone(timedelta(hours=hours))
    suffix = f"+{hours:02d}:00"
    assert iso(epoch, hours * 3600, suffix) == datetime.fromtimestamp(epoch, tz).isoformat()


@given(st.integers(min_value=0, max_value=4_000_000_000), st.none() | st.integers(0, 10**9))
def test_fast_msg_id_is_the_contracts(epoch: int, seq: int | None) -> None:
    ts = datetime.fromtimestamp(epoch, UTC)
    assert derive_msg_id_fast("jkt-air-0001", iso(epoch, 0, "+00:00"), seq) == derive_msg_id(
        "jkt-air-0001", ts, seq
    )


def test_native_payload_has_version_id_and_metrics() -> None:
    payload, readback = ENCODERS["native"][1](make_observation("traffic"))
    doc = msgspec.json.decode(payload)
    assert doc["v"] == 1 and doc["sensor_id"] == "jkt-traffic-0001" and doc["msg_id"] == "abc"
    assert doc["ts"].endswith("+07:00") and doc["seq"] == 42 and doc["interval_s"] == 60
    assert readback == doc["metrics"]


def test_senml_pack_resolves_to_the_sensor_with_registered_units() -> None:
    payload, readback = ENCODERS["senml"][1](make_observation("air"))
    pack = msgspec.json.decode(payload)
    assert pack[0]["bn"] == "jkt-air-0001:" and pack[0]["bt"] == EPOCH
    units = {r["n"]: r.get("u") for r in pack}
    assert units["pm25"] == "ug/m3" and units["temperature"] == "Cel"
    assert units["humidity"] == "%RH" and units["noise"] is None  # canonical dB(A) assumed
    assert all("t" not in r for r in pack)  # one resolved time: one reading
    assert readback == {r["n"]: r["v"] for r in pack}


def test_ngsi_ld_normalized_waste_container_uses_fractions_and_urn() -> None:
    payload, readback = ENCODERS["ngsi-ld-normalized"][1](make_observation("waste"))
    doc = msgspec.json.decode(payload)
    assert doc["id"] == "urn:ngsi-ld:WasteContainer:jkt-waste-0001"
    assert doc["type"] == "WasteContainer" and "@context" in doc
    assert doc["fillingLevel"] == {"type": "Property", "value": 0.731}
    assert doc["cargoWeight"]["value"] == 96.5
    assert doc["dateObserved"]["value"]["@type"] == "DateTime"
    assert "lid_open" not in readback  # the data model has no such attribute
    assert readback["fill_level"] == 0.731 * 100.0


def test_ngsi_v2_keyvalues_traffic_flow_carries_an_interval() -> None:
    payload, readback = ENCODERS["ngsi-v2-keyvalues"][1](make_observation("traffic"))
    doc = msgspec.json.decode(payload)
    assert doc["type"] == "TrafficFlowObserved" and "@context" not in doc
    start, end = doc["dateObserved"].split("/")
    assert (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() == 60
    assert doc["intensity"] == 42.0 and doc["averageVehicleSpeed"] == 31.5
    assert doc["occupancy"] == 0.273 and doc["laneDirection"] == "forward"
    assert set(readback) == {"vehicle_count", "avg_speed_kmh", "occupancy"}


def test_ngsi_air_quality_observed_maps_pollutant_names() -> None:
    payload, _ = ENCODERS["ngsi-v2-normalized"][1](make_observation("air"))
    doc = msgspec.json.decode(payload)
    assert doc["type"] == "AirQualityObserved"
    assert doc["pm25"]["value"] == 35.2 and doc["relativeHumidity"]["value"] == 0.813
    assert doc["pm25"]["metadata"]["unitCode"]["value"] == "GQ"
