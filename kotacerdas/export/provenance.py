"""Lineage of an assessment: the window, the queries and rows behind it, the software,
the rubric and denominators files, and the hashes that make a file reproducible."""

from __future__ import annotations

from typing import Any

import cityscore
import kotacerdas
from kotacerdas.export.datafiles import Denominators, LoadedRubric
from kotacerdas.export.fingerprint import code_sha256, sha256_bytes
from kotacerdas.export.inputs import Inputs
from kotacerdas.export.results import Coverage, rounded


def coverage(c: Coverage) -> dict[str, Any]:
    return {
        "domain": c.domain,
        "uptime": rounded(c.uptime),
        "sensors_registered": c.sensors_registered,
        "sensors_reporting": c.sensors_reporting,
        "samples_received": c.samples_received,
        "samples_expected": c.samples_expected,
        "districts_observed": c.districts_observed,
        "districts_total": c.districts_total,
        "district_share": rounded(c.district_share),
        "population_share": rounded(c.population_share),
    }


def rubric_fields(loaded: LoadedRubric) -> dict[str, Any]:
    r = loaded.rubric
    return {
        "id": r.id,
        "version": r.version,
        "status": r.status,
        "sha256": loaded.sha256,
        "file": loaded.path.name,
        "title_id": r.title_id,
        "title_en": r.title_en,
        "note_id": r.note_id,
        "note_en": r.note_en,
        "aggregate": r.aggregate,
    }


def section(
    inputs: Inputs, rubric: LoadedRubric, denominators: Denominators, coverages: list[Coverage]
) -> dict[str, Any]:
    window = inputs.window
    return {
        "software": {"kotacerdas": kotacerdas.__version__, "cityscore": cityscore.__version__},
        "inputs_sha256": inputs_sha256(inputs, rubric, denominators),
        "data_sha256": inputs.inputs_sha256,
        "reader_role": "kota_reader",
        "grain": "1h",
        "grain_note": (
            "hourly rollups (v_*_1h): whole UTC hours map onto local days in WIB/WITA/WIT; "
            "daily rollups are UTC days and would cut local days"
        ),
        "window": {
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
            "start_utc": window.start_utc.isoformat(),
            "end_utc": window.end_utc.isoformat(),
            "timezone": window.timezone,
            "rolling_lookback_hours": 23,
        },
        "queries": [
            {
                "name": q.name,
                "views": list(q.views),
                "sql_sha256": q.sql_sha256,
                "params": dict(q.params),
                "rows": q.rows,
                "rollup_rows": q.buckets,
            }
            for q in inputs.queries
        ],
        "rubric": {
            k: v for k, v in rubric_fields(rubric).items() if k in ("id", "version", "sha256")
        },
        "denominators": {
            "version": denominators.version,
            "sha256": denominators.sha256,
            "file": denominators.path.name,
        },
        "coverage": [coverage(c) for c in coverages],
    }


def inputs_sha256(inputs: Inputs, rubric: LoadedRubric, denominators: Denominators) -> str:
    """Hash of everything the files depend on: data read, rubric, denominators, code."""
    parts = (
        inputs.inputs_sha256,
        rubric.sha256,
        denominators.sha256,
        kotacerdas.__version__,
        cityscore.__version__,
        code_sha256(),
    )
    return sha256_bytes("\n".join(parts).encode())
