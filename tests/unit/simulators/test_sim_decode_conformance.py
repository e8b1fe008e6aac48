"""Every simulated message decodes, or is refused with the reason the truth file predicts.

This ties the simulator's truth (the contract the integration and e2e tests count against)
to ``ingest.formats.decode``: truth ids == the ids ingest stores, truth metrics == the
metrics ingest reads back.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sim_support import ALL_FAULTS, MIXED_FORMATS, WALL_START, make_plan, make_plan_spec, registry

formats = pytest.importorskip("ingest.formats")

FAULTS = {**ALL_FAULTS, "malformed": 0.03, "clock_skew": 0.01}
RECEIVED_AT = datetime.fromtimestamp(WALL_START, UTC)


def _decoded() -> list[tuple[dict, object]]:
    spec = make_plan_spec(
        faults=FAULTS,
        formats=MIXED_FORMATS,
        rate=3000,
        duration_s=4.0,
        scenarios=("haze", "rush_gridlock", "bin_fire"),
    )
    out = []
    for item in make_plan(spec):
        if item.topic is None:
            continue
        assert item.payload is not None
        result = formats.decode(item.topic, item.payload, RECEIVED_AT, registry=registry())
        out.append((item.truth, result))
    return out


def test_every_message_decodes_as_the_truth_predicts() -> None:
    mismatches: Counter[str] = Counter()
    examples: dict[str, str] = {}
    checked = 0
    for truth, result in _decoded():
        checked += 1
        expect_accept = truth["valid"] or truth["fault"] == "duplicate"  # dedup is downstream
        key = None
        partial = truth["expected_reason"] == "field_rejected"
        if expect_accept:
            if not result.accepted or result.partial != partial:
                key = f"{truth['variant']}: refused {result.reason} partial={result.partial}"
            elif partial and result.rejections[0].cause != truth["expected_cause"]:
                key = f"{truth['malformed']}: cause {result.rejections[0].cause}"
            else:
                (reading,) = result.readings
                if reading.msg_id != truth["msg_id"]:
                    key = f"{truth['variant']}: msg_id differs"
                elif reading.ts != datetime.fromisoformat(truth["ts"]):
                    key = f"{truth['variant']}: ts differs"
                elif reading.source_format != truth["format"]:
                    key = f"{truth['variant']}: format {reading.source_format}"
                elif truth["metrics"] is not None and reading.metrics != pytest.approx(
                    truth["metrics"], rel=1e-9
                ):
                    key = f"{truth['variant']}: metrics differ"
                elif truth.get("interval_s") and reading.interval_s != truth["interval_s"]:
                    key = f"{truth['variant']}: interval_s {reading.interval_s}"
        elif result.accepted or str(result.reason) != truth["expected_reason"]:
            key = (
                f"{truth.get('malformed') or truth['fault']}: got {result.reason}, "
                f"expected {truth['expected_reason']}"
            )
        if key:
            mismatches[key] += 1
            examples.setdefault(key, repr(result)[:300])
    assert checked > 5000
    assert not mismatches, {k: (n, examples[k]) for k, n in mismatches.items()}
