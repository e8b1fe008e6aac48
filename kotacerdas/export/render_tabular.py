"""JSON and CSV renderings of an assessment document (bytes, deterministic).

CSV: one row per indicator with the stable columns of :data:`CSV_COLUMNS` (never
reordered; new columns are only appended). Numbers use a dot and full precision so a
spreadsheet or script reads them back exactly; empty means "no value". For a figure fed
by several domains, the sensor counts are summed and the shares are the weakest domain's.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any, Final

# Each indicator's own fields, copied into its row as they are.
_INDICATOR_FIELDS: Final = (
    "code",
    "standard",
    "clause",
    "clause_status",
    "dimension",
    "name_id",
    "name_en",
    "value",
    "value_unit",
    "unit",
    "numerator",
    "denominator",
    "numerator_label",
    "denominator_label",
)
_QUALITY_FIELDS: Final = ("quality", "uptime")
_METHOD_FIELDS: Final = ("method", "formula")
CSV_COLUMNS: Final = (
    "city",
    "period",
    *_INDICATOR_FIELDS,
    "breakdown",
    *_QUALITY_FIELDS,
    "sensors_registered",
    "sensors_reporting",
    "district_share",
    "population_share",
    "sensors",
    "rollup_rows",
    "views",
    "window_start",
    "window_end",
    *_METHOD_FIELDS,
    "rubric",
    "inputs_sha256",
)


def to_json(document: Mapping[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _breakdown(breakdown: Mapping[str, float | None] | None) -> str:
    if not breakdown:
        return ""
    return ";".join(f"{key}={_cell(value)}" for key, value in breakdown.items())


def _weakest(coverage: list[Mapping[str, Any]], key: str) -> float | None:
    values = [c[key] for c in coverage if c[key] is not None]
    return min(values) if values else None


def csv_rows(document: Mapping[str, Any]) -> list[dict[str, str]]:
    rubric = document["maturity"]["rubric"]
    rows = []
    for ind in document["indicators"]:
        coverage = ind["coverage"]
        prov = ind["provenance"]
        values: dict[str, object] = {
            "city": document["city"]["slug"],
            "period": document["period"]["label"],
            **{k: ind[k] for k in (*_INDICATOR_FIELDS, *_QUALITY_FIELDS, *_METHOD_FIELDS)},
            "breakdown": _breakdown(ind["breakdown"]),
            "sensors_registered": sum(c["sensors_registered"] for c in coverage)
            if coverage
            else None,
            "sensors_reporting": sum(c["sensors_reporting"] for c in coverage)
            if coverage
            else None,
            "district_share": _weakest(coverage, "district_share"),
            "population_share": _weakest(coverage, "population_share"),
            "sensors": prov["sensors"],
            "rollup_rows": prov["rollup_rows"],
            "views": " ".join(prov["views"]),
            "window_start": prov["window_start"],
            "window_end": prov["window_end"],
            "rubric": f"{rubric['id']}@{rubric['version']}",
            "inputs_sha256": document["provenance"]["inputs_sha256"],
        }
        rows.append({column: _cell(values[column]) for column in CSV_COLUMNS})
    return rows


def to_csv(document: Mapping[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(document))
    return buffer.getvalue().encode()
