"""The CI-sized soak: faults everywhere, and still every reading exactly once.

The simulator sends 463 sensors' readings at 1 500 msgs/s for 75 s with duplicates,
out-of-order, late and malformed messages and clock skew, while the pipeline suffers one
SIGKILL of ingest, one of the aggregator, one Kafka restart and one PostgreSQL restart.
Then the truth file is reconciled against the database (kotacerdas.benchmark.soak):
every valid reading stored exactly once, every invalid one dead-lettered with its reason,
every rollup window equal to a recomputation from raw. `kotacerdas bench --soak 10m` is
the same with a longer schedule.
"""

from __future__ import annotations

import pytest

from kotacerdas.benchmark.soak import ACTIONS, run_soak

DURATION_S = 75
RATE = 1500


@pytest.mark.timeout(420)
def test_soak_with_faults_loses_nothing_and_doubles_nothing(stack, tmp_path):
    result = run_soak(stack, tmp_path, DURATION_S, RATE)

    counts = result.counts()
    r = result.reconciliation
    print("soak counts:", counts)
    assert sorted(e["action"] for e in result.schedule) == sorted(ACTIONS)
    assert r.sent > DURATION_S * RATE * 0.9, "the simulator did not keep its rate"
    assert r.missing == [], f"{len(r.missing)} valid readings never stored, e.g. {r.missing[:3]}"
    assert r.stored_twice == [], f"stored twice: {r.stored_twice[:3]}"
    assert r.extra == [], f"rows no valid truth line names: {r.extra[:3]}"
    assert r.stored == r.valid
    assert r.letters_missing == [], (
        f"invalid messages without their letter: {r.letters_missing[:3]}"
    )
    assert r.letters_unexpected == [], f"letters nobody expected: {r.letters_unexpected[:3]}"
    assert r.dead_lettered == r.expected_letters > 0
    assert r.duplicates_sent == r.duplicates_lettered + r.duplicates_dropped > 0
    assert {"malformed_json", "field_rejected", "future_timestamp"} <= set(r.by_reason)
    wrong = {
        t: v
        for t, v in result.rollups.items()
        if v["only_table"] or v["only_recomputed"] or v["different"]
    }
    assert wrong == {}, f"rollups differ from a recomputation from raw: {wrong}"
    assert all(v["windows"] > 0 for v in result.rollups.values())
