"""XLSX rendering: sheets summary, indicators, maturity, provenance; numbers as numbers.

Values are written as numeric cells with a number format (never as text), exactly the
figures of the JSON. The workbook is made byte-reproducible: fixed document properties
and every zip member stamped 1980-01-01 (openpyxl would stamp the wall clock), so the
same data gives the same file.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from kotacerdas.export import labels, window

_FIXED_TIME: Final = datetime(2000, 1, 1)
_ZIP_TIME: Final = (1980, 1, 1, 0, 0, 0)
_MODIFIED: Final = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_FIXED_STAMP: Final = rb"\g<1>2000-01-01T00:00:00Z\g<2>"
_HEADER: Final = Font(bold=True, color="FFFFFF")
_HEADER_FILL: Final = PatternFill("solid", fgColor="1F4E79")
_NUMBER: Final = "#,##0.000"
_INTEGER: Final = "#,##0"
_SHARE: Final = "0.0%"

INDICATOR_COLUMNS: Final = (
    ("code", "code"),
    ("standard", "standard"),
    ("clause", "clause"),
    ("dimension", "dimension"),
    ("name_id", "nama"),
    ("name_en", "name"),
    ("value", "value"),
    ("value_unit", "unit"),
    ("numerator", "numerator"),
    ("denominator", "denominator"),
    ("uptime", "uptime"),
    ("quality", "quality"),
    ("sensors", "sensors"),
    ("rollup_rows", "rollup rows"),
    ("method", "method"),
)
_NUMERIC: Final = {"value", "numerator", "denominator"}


def _table(sheet: Worksheet, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
    """Append a table; returns the row number of its first data row."""
    sheet.append(list(header))
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = _HEADER, _HEADER_FILL
    first = sheet.max_row + 1
    for row in rows:
        sheet.append(list(row))
    return first


def _format(sheet: Worksheet, column: int, fmt: str, first_row: int = 2) -> None:
    for (cell,) in sheet.iter_rows(min_row=first_row, min_col=column, max_col=column):
        if isinstance(cell.value, (int, float)):
            cell.number_format = fmt


def _widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width


def _summary(sheet: Worksheet, doc: Mapping[str, Any]) -> None:
    city, period, rubric = doc["city"], doc["period"], doc["maturity"]["rubric"]
    parsed = window.parse(period["label"])
    names = labels.period_names(parsed.kind, parsed.year, parsed.index)
    facts = [
        ("Kota / City", city["name"]),
        ("Periode / Period", f"{names[0]} / {names[1]}"),
        ("Mulai / Start", period["start"]),
        ("Selesai / End", period["end"]),
        ("Luas / Area (km²)", city["area_km2"]),
        ("Penduduk / Population", city["population"]),
        ("Rubrik / Rubric", f"{rubric['id']} {rubric['version']} ({rubric['status']})"),
        ("Catatan rubrik", rubric["note_id"]),
        ("Rubric note", rubric["note_en"]),
        ("Hash masukan / Inputs SHA-256", doc["provenance"]["inputs_sha256"]),
    ]
    _table(sheet, ("Item", "Nilai / Value"), facts)
    sheet.append([])
    first = _table(
        sheet,
        ("Dimensi / Dimension", "Level", "Sebelum batas / Uncapped", "Bukti / Evidence"),
        [
            (
                f"{d['name_id']} / {d['name_en']}",
                d["level"] or "tidak ada bukti / no evidence",
                d["uncapped_level"],
                d["evidence_share"],
            )
            for d in doc["maturity"]["dimensions"]
        ],
    )
    _format(sheet, 4, _SHARE, first_row=first)
    sheet.append([])
    figures = doc["summary"]["figures"]
    by_code = {i["code"]: i for i in doc["indicators"]}
    first = _table(
        sheet,
        ("Indikator / Indicator", "Nilai / Value", "Satuan / Unit", "Uptime", "Mutu / Quality"),
        [
            (
                f"{by_code[c]['name_id']} / {by_code[c]['name_en']}",
                f["value"],
                by_code[c]["value_unit"],
                f["uptime"],
                f["quality"],
            )
            for c, f in figures.items()
        ],
    )
    _format(sheet, 2, _NUMBER, first_row=first)
    _format(sheet, 4, _SHARE, first_row=first)
    _widths(sheet, (44, 60, 24, 16, 16))


def _indicators(sheet: Worksheet, doc: Mapping[str, Any]) -> None:
    rows = []
    for ind in doc["indicators"]:
        prov = ind["provenance"]
        values = {**ind, "sensors": prov["sensors"], "rollup_rows": prov["rollup_rows"]}
        rows.append([values[key] for key, _ in INDICATOR_COLUMNS])
    _table(sheet, [title for _, title in INDICATOR_COLUMNS], rows)
    for i, (key, _) in enumerate(INDICATOR_COLUMNS, start=1):
        if key in _NUMERIC:
            _format(sheet, i, _NUMBER)
        elif key == "uptime":
            _format(sheet, i, _SHARE)
        elif key in ("sensors", "rollup_rows"):
            _format(sheet, i, _INTEGER)
    sheet.freeze_panes = "B2"
    _widths(sheet, (30, 16, 12, 22, 48, 48, 14, 14, 14, 14, 10, 16, 10, 12, 70))


def _maturity(sheet: Worksheet, doc: Mapping[str, Any]) -> None:
    rows = [
        (
            d["code"],
            d["level"],
            c["indicator"],
            c["value"],
            c["uptime"],
            c["threshold_level"],
            c["uptime_cap"],
            c["level"],
        )
        for d in doc["maturity"]["dimensions"]
        for c in d["criteria"]
    ]
    _table(
        sheet,
        (
            "dimension",
            "dimension level",
            "indicator",
            "value",
            "uptime",
            "threshold level",
            "uptime cap",
            "criterion level",
        ),
        rows,
    )
    _format(sheet, 4, _NUMBER)
    _format(sheet, 5, _SHARE)
    _widths(sheet, (24, 16, 30, 14, 10, 16, 12, 16))


def _provenance(sheet: Worksheet, doc: Mapping[str, Any]) -> None:
    prov = doc["provenance"]
    facts = [
        ("kotacerdas", prov["software"]["kotacerdas"]),
        ("cityscore", prov["software"]["cityscore"]),
        ("inputs_sha256", prov["inputs_sha256"]),
        ("data_sha256", prov["data_sha256"]),
        ("reader role", prov["reader_role"]),
        ("grain", prov["grain"]),
        ("window start (UTC)", prov["window"]["start_utc"]),
        ("window end (UTC)", prov["window"]["end_utc"]),
        (
            "rubric",
            f"{prov['rubric']['id']} {prov['rubric']['version']} {prov['rubric']['sha256']}",
        ),
        ("denominators", f"{prov['denominators']['version']} {prov['denominators']['sha256']}"),
    ]
    _table(sheet, ("item", "value"), facts)
    sheet.append([])
    start = _table(
        sheet,
        ("query", "views", "rows", "rollup rows", "sql sha256", "params"),
        [
            (
                q["name"],
                " ".join(q["views"]),
                q["rows"],
                q["rollup_rows"],
                q["sql_sha256"],
                "; ".join(f"{k}={v}" for k, v in q["params"].items()),
            )
            for q in prov["queries"]
        ],
    )
    _format(sheet, 3, _INTEGER, first_row=start)
    _format(sheet, 4, _INTEGER, first_row=start)
    sheet.append([])
    start = _table(
        sheet,
        (
            "domain",
            "uptime",
            "sensors registered",
            "sensors reporting",
            "samples received",
            "samples expected",
            "district share",
            "population share",
        ),
        [
            (
                c["domain"],
                c["uptime"],
                c["sensors_registered"],
                c["sensors_reporting"],
                c["samples_received"],
                c["samples_expected"],
                c["district_share"],
                c["population_share"],
            )
            for c in prov["coverage"]
        ],
    )
    for column, fmt in (
        (2, _SHARE),
        (3, _INTEGER),
        (4, _INTEGER),
        (5, _INTEGER),
        (6, _INTEGER),
        (7, _SHARE),
        (8, _SHARE),
    ):
        _format(sheet, column, fmt, first_row=start)
    _widths(sheet, (22, 70, 18, 18, 66, 80, 14, 16))


def to_xlsx(document: Mapping[str, Any]) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "summary"
    _summary(summary, document)
    for title, fill in (
        ("indicators", _indicators),
        ("maturity", _maturity),
        ("provenance", _provenance),
    ):
        fill(book.create_sheet(title), document)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                cell.alignment = Alignment(vertical="top", wrap_text=isinstance(cell.value, str))
    book.properties.creator = "kotacerdas"
    book.properties.created = book.properties.modified = _FIXED_TIME
    buffer = io.BytesIO()
    book.save(buffer)
    return _reproducible(buffer.getvalue())


def _reproducible(data: bytes) -> bytes:
    """Re-stamp every zip member with a fixed time, and the saved-at property too.

    openpyxl sets ``modified`` to the wall clock when it saves, whatever the workbook
    says; the document's content is otherwise unchanged, member order included.
    """
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            stamped = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            stamped.compress_type = zipfile.ZIP_DEFLATED
            stamped.external_attr = info.external_attr
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(_FIXED_STAMP, content)
            target.writestr(stamped, content)
    return out.getvalue()
