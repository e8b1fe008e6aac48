"""Fault rates within tolerance, and truth records consistent with the faults they claim."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime
from functools import lru_cache

import msgspec
import pytest
from sim_support import ALL_FAULTS, MIXED_FORMATS, WALL_START, make_plan, make_plan_spec

from kotacerdas.reasons import ReasonCode
from simulators.faults import MALFORMED_KINDS
from simulators.planner import PlanItem

FAULTS = {**ALL_FAULTS, "malformed": 0.02, "clock_skew": 0.01, "dropout": 0.005}


@lru_cache(maxsize=1)
def items() -> list[PlanItem]:
    return make_plan(
        make_plan_spec(faults=FAULTS, formats=MIXED_FORMATS, rate=5000, duration_s=12.0)
    )


def messages() -> list[dict]:
    return [i.truth for i in items() if i.truth["kind"] == "message"]


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@pytest.mark.parametrize("fault", ["duplicate", "out_of_order", "late", "malformed", "clock_skew"])
def test_single_message_faults_hit_their_rate(fault: str) -> None:
    msgs = messages()
    readings = [m for m in msgs if m["fault"] != "duplicate"]
    observed = sum(1 for m in msgs if m["fault"] == fault) / len(readings)
    assert observed == pytest.approx(FAULTS[fault], rel=0.15)


def test_dropouts_start_at_their_rate_and_leave_gap_records() -> None:
    gaps = [i.truth for i in items() if i.truth["kind"] == "gap"]
    readings = len([m for m in messages() if m["fault"] != "duplicate"]) + sum(
        g["missed"] for g in gaps
    )
    assert len(gaps) / readings == pytest.approx(FAULTS["dropout"], rel=0.25)
    assert all(3 <= g["missed"] <= 10 and g["from"] <= g["to"] for g in gaps)


def test_every_fault_kind_and_format_occurs() -> None:
    seen = Counter(m["fault"] for m in messages())
    assert set(FAULTS) - {"dropout"} <= set(seen)
    assert {m["format"] for m in messages()} == {"kota/v1", "senml", "ngsi-ld", "ngsi-v2"}


def test_valid_messages_carry_metrics_and_invalid_ones_a_reason() -> None:
    for m in messages():
        if m["valid"]:
            assert m["metrics"]
            # field-level faults keep the reading and dead-letter one field
            assert m["expected_reason"] in (None, "field_rejected")
        else:
            assert m["metrics"] is None
            assert ReasonCode(m["expected_reason"])  # a code from the catalogue


def test_malformed_messages_rotate_through_all_kinds_with_their_reason() -> None:
    malformed = [m for m in messages() if m["fault"] == "malformed"]
    expected = dict(MALFORMED_KINDS)
    assert {m["malformed"] for m in malformed} == set(expected)
    for m in malformed:
        if m["valid"]:  # one metric broken: the rest is stored
            assert m["expected_reason"] == "field_rejected"
            assert m["expected_cause"] == expected[m["malformed"]]
        else:
            assert m["expected_reason"] == expected[m["malformed"]]
        assert m["format"] == "kota/v1"


def test_malformed_payloads_are_broken_the_way_the_truth_says() -> None:
    for item in items():
        t = item.truth
        if t.get("fault") != "malformed":
            continue
        assert item.payload is not None
        if t["malformed"] == "truncated_json":
            with pytest.raises(msgspec.DecodeError):
                msgspec.json.decode(item.payload)
            continue
        if t["malformed"] == "nan_value":
            assert b"NaN" in item.payload
            continue
        doc = msgspec.json.decode(item.payload)
        if t["malformed"] == "claims_other_sensor":
            assert doc["sensor_id"] != t["sensor_id"]
        elif t["malformed"] == "far_future":
            assert _ts(doc["ts"]) > WALL_START + 3600
        elif t["malformed"] == "too_old":
            assert _ts(doc["ts"]) < WALL_START - 7 * 86_400
        elif t["malformed"] == "string_value":
            assert any(isinstance(v, str) for v in doc["metrics"].values())


def test_duplicates_repeat_an_earlier_valid_message_byte_for_byte() -> None:
    first: dict[str, bytes] = {}
    dups = 0
    for item in items():
        t = item.truth
        if t["kind"] != "message":
            continue
        if t["fault"] == "duplicate":
            dups += 1
            assert t["duplicate_of"] == t["msg_id"]
            assert first[t["msg_id"]] == item.payload
            assert not t["valid"] and t["expected_reason"] == "duplicate"
        elif t["valid"]:
            first.setdefault(t["msg_id"], item.payload or b"")
    assert dups > 0


def test_valid_readings_are_unique_by_msg_id_and_by_sensor_and_time() -> None:
    valid = [m for m in messages() if m["valid"]]
    assert len({m["msg_id"] for m in valid}) == len(valid)
    assert len({(m["sensor_id"], m["ts"]) for m in valid}) == len(valid)


def test_out_of_order_messages_arrive_after_a_later_reading_of_their_sensor() -> None:
    newest: dict[str, str] = {}
    last: dict[str, str] = {}
    for m in messages():
        last[m["sensor_id"]] = max(last.get(m["sensor_id"], ""), m["ts"])
    checked = 0
    for m in messages():
        if m["fault"] == "duplicate":
            continue
        if m["fault"] == "out_of_order" and m["ts"] < last[m["sensor_id"]]:
            # (a reading held when the plan ended has nothing newer to be overtaken by)
            assert newest[m["sensor_id"]] > m["ts"]
            checked += 1
        newest[m["sensor_id"]] = max(newest.get(m["sensor_id"], ""), m["ts"])
    assert checked > 0


def test_late_messages_are_beyond_the_aggregator_lateness_but_within_max_age() -> None:
    newest_overall = ""
    checked = 0
    for m in messages():
        if m["fault"] == "late":
            assert _ts(newest_overall) - _ts(m["ts"]) > 120
            assert m["valid"]
            checked += 1
        newest_overall = max(newest_overall, m["ts"])
    assert checked > 0
    oldest = min(_ts(m["ts"]) for m in messages() if m["valid"])
    assert WALL_START - oldest < 7 * 86_400


def test_timestamps_are_never_in_the_future_except_far_clock_skew() -> None:
    for m in messages():
        future = _ts(m["ts"]) > WALL_START
        if m["fault"] == "clock_skew" and not m["valid"]:
            assert future and m["expected_reason"] == "future_timestamp"
        else:
            assert not future, m


def test_stuck_sensors_repeat_their_values() -> None:
    by_sensor: dict[str, list[dict]] = {}
    for m in messages():
        if m["valid"] and m["fault"] in (None, "stuck"):
            by_sensor.setdefault(m["sensor_id"], []).append(m)
    repeats = 0
    for seq in by_sensor.values():
        for a, b in itertools.pairwise(seq):
            if a["fault"] == b["fault"] == "stuck" and a["metrics"] == b["metrics"]:
                repeats += 1
    assert repeats > 0


def test_native_sequence_numbers_skip_over_dropouts() -> None:
    gaps = {i.truth["sensor_id"] for i in items() if i.truth["kind"] == "gap"}
    native = [m for m in messages() if m["sensor_id"] in gaps and m["seq"] is not None]
    assert native  # seq counts readings, so ingest can see the missing ones
