"""The lagging-partition rule (aggregator/watermark.py): who is behind, whom it holds back,
and how far; an idle partition holds nothing back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from aggregator import watermark
from aggregator.kafka_source import HeldPartition
from aggregator.settings import AggregatorSettings
from aggregator.watermark import Stored

T0 = datetime(2026, 12, 3, 0, 40, tzinfo=UTC)
AIR, TRAFFIC = "kota.readings.air", "kota.readings.traffic"


def test_behind_means_records_in_kafka_that_are_not_stored() -> None:
    stored = {
        (AIR, 0): Stored(T0, 100),  # caught up
        (AIR, 1): Stored(T0, 90),  # ten records in flight
        (AIR, 2): Stored(T0, None),  # written before stored offsets were: unknown
    }
    ends = {(AIR, 0): 100, (AIR, 1): 100, (AIR, 2): 100, (AIR, 3): 5}  # 3: nothing stored
    assert watermark.behind(stored, ends) == {(AIR, 1)}


def test_a_lagging_partition_holds_back_only_the_cities_it_carries() -> None:
    stored = {
        (AIR, 0): Stored(T0 + timedelta(minutes=10), 500),
        (AIR, 1): Stored(T0 + timedelta(seconds=223), 120),
        (TRAFFIC, 1): Stored(T0 + timedelta(minutes=2), 80),
    }
    carried = [
        (AIR, 0, "jakarta"),
        (AIR, 0, "makassar"),
        (AIR, 1, "makassar"),
        (TRAFFIC, 1, "makassar"),
        (TRAFFIC, 1, "sumedang"),
    ]
    lagging = {(AIR, 1), (TRAFFIC, 1)}
    held = watermark.holds(carried, stored, lagging)
    # makassar: the earlier of its two lagging partitions; jakarta: none of its lag
    assert held == {"makassar": T0 + timedelta(minutes=2), "sumedang": T0 + timedelta(minutes=2)}


def test_the_hold_caps_the_citys_newest_minute_and_nothing_else() -> None:
    newest = {
        "jakarta": T0 + timedelta(minutes=10),
        "makassar": T0 + timedelta(minutes=10),
        "banyuwangi": T0 + timedelta(minutes=1),
    }
    held = {
        "makassar": T0 + timedelta(minutes=3, seconds=43),
        "banyuwangi": T0 + timedelta(minutes=5),  # ahead of its rollups: no effect
        "sumedang": T0,  # no rollups yet: still no progress, not an invented one
    }
    assert watermark.held_newest(newest, held) == {
        "jakarta": T0 + timedelta(minutes=10),
        "makassar": T0 + timedelta(minutes=3),
        "banyuwangi": T0 + timedelta(minutes=1),
    }


def test_an_idle_partition_holds_nothing_so_a_quiet_sensor_is_judged_silent() -> None:
    # the sensor's partition stored its last reading long ago and has nothing in flight
    stored = {(AIR, 0): Stored(T0 + timedelta(minutes=30), 900), (AIR, 1): Stored(T0, 42)}
    ends = {(AIR, 0): 950, (AIR, 1): 42}
    lagging = watermark.behind(stored, ends)
    assert lagging == {(AIR, 0)}
    held = watermark.holds([(AIR, 1, "sumedang")], stored, lagging)
    assert held == {}


def test_the_held_partition_setting_in_both_forms_and_its_errors(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("KOTA_DB_PASSWORD", "a-real-test-password")
    hold = tmp_path / "hold"
    settings = AggregatorSettings(fault_hold_partition=f"{AIR}:4", fault_hold_file=hold)
    assert HeldPartition.parse(settings.fault_hold_partition, settings.fault_hold_file) == (
        HeldPartition(AIR, 4, hold)
    )
    unset = AggregatorSettings()
    assert HeldPartition.parse(unset.fault_hold_partition, unset.fault_hold_file) is None
    with pytest.raises(ValidationError, match="fault_hold_partition"):
        AggregatorSettings(fault_hold_partition="no-partition-number")
    with pytest.raises(ValidationError, match="KOTA_AGG_FAULT_HOLD_FILE"):
        AggregatorSettings(fault_hold_partition=f"{AIR}:4")
