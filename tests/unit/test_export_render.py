"""Renderings of one document: JSON against its schema, CSV, XLSX numbers, the HTML page."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from test_export_support import build_inputs

from kotacerdas.export import files
from kotacerdas.export.assessment import assess
from kotacerdas.export.datafiles import load_denominators, load_rubric
from kotacerdas.export.render_tabular import CSV_COLUMNS

SCHEMA = Path(files.__file__).with_name("assessment.schema.json")


@pytest.fixture(scope="module")
def doc():
    return assess(build_inputs(air_fraction=0.6), load_rubric(), load_denominators())


@pytest.fixture(scope="module")
def rendered(doc):
    return files.render(doc, files.FORMATS)


def test_json_validates_against_the_published_schema(rendered) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(rendered["uji_2026-10.json"])
    jsonschema.Draft202012Validator(schema).validate(data)


def test_schema_refuses_a_zero_where_there_is_no_evidence(doc) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = json.loads(json.dumps(doc))
    row = next(r for r in broken["indicators"] if r["quality"] == "no_denominator")
    row["value"] = 0.0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(broken)


def test_csv_has_one_row_per_indicator_with_stable_columns(doc, rendered) -> None:
    rows = list(csv.DictReader(io.StringIO(rendered["uji_2026-10.csv"].decode())))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [r["code"] for r in rows] == [i["code"] for i in doc["indicators"]]
    for row, ind in zip(rows, doc["indicators"], strict=True):
        assert (float(row["value"]) if row["value"] else None) == ind["value"]
        assert row["quality"] == ind["quality"]


def test_xlsx_has_the_four_sheets_and_real_numbers_equal_to_the_json(doc, rendered) -> None:
    book = openpyxl.load_workbook(io.BytesIO(rendered["uji_2026-10.xlsx"]))
    assert book.sheetnames == ["summary", "indicators", "maturity", "provenance"]
    sheet = book["indicators"]
    header = [c.value for c in sheet[1]]
    by_code = {i["code"]: i for i in doc["indicators"]}
    checked = 0
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(header, row, strict=True))
        ind = by_code[cells["code"].value]
        for column, key in (("value", "value"), ("numerator", "numerator"),
                            ("denominator", "denominator")):  # fmt: skip
            cell = cells[column]
            assert cell.value == ind[key]
            if ind[key] is not None:
                assert cell.data_type == "n" and cell.number_format != "General"
                checked += 1
    assert checked > 30


def test_html_is_self_contained_bilingual_and_has_every_chart(rendered) -> None:
    page = rendered["uji_2026-10.html"].decode()
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )  # fmt: skip
    assert "https://" not in page
    assert "Kota Uji" in page and "Oktober 2026" in page and "October 2026" in page
    for chart in ("ispu_trend", "pm25_who", "congestion_by_hour", "waste_overflow"):
        assert f'data-chart="{chart}"' in page
    assert 'data-empty="true"' not in page
    assert "uptime 60" in page and "sebagian" in page  # partial data said next to values


def test_same_document_same_bytes_in_every_format(doc) -> None:
    first = files.render(doc, files.FORMATS)
    again = files.render(json.loads(json.dumps(doc)), files.FORMATS)
    assert first == again


def test_atomic_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out" / "x.json"
    files.write_atomic(target, b"{}")
    files.write_atomic(target, b"{}\n")
    assert target.read_bytes() == b"{}\n"
    assert [p.name for p in target.parent.iterdir()] == ["x.json"]


def test_xlsx_carries_no_wall_clock(rendered) -> None:
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(rendered["uji_2026-10.xlsx"]))
    core = archive.read("docProps/core.xml").decode()
    assert "<dcterms:modified" in core and "2000-01-01T00:00:00Z</dcterms:modified>" in core
    assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
