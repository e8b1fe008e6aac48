"""Published index values (e.g. Jakarta's daily ISPU per station) imported as evidence.

Some open data is not measurements but an authority's published index: Jakarta's
"Indeks Standar Pencemar Udara (ISPU) per stasiun" gives, per station and day, a value
per pollutant whose maximum is the ``max`` column — sub-indices (ISPU scale), not
concentrations. Turning them into readings would feed index values into our own ISPU
computation as if they were µg/m³. They are stored as they were published, in
``published_index`` (migration 011), where the export can cite them beside our own
indicators. ``parse`` is pure; ``store`` writes one file in one transaction (nothing
half-written) and is idempotent on (city, station, day, index).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb
from pydantic import BaseModel, ConfigDict, Field

from ingest.import_sources import Refusal
from kotacerdas.reasons import ReasonCode

# The published categories (Indonesian, any case) → cityscore's slugs (cityscore/ispu.py).
CATEGORIES = {
    "baik": "baik",
    "sedang": "sedang",
    "tidak sehat": "tidak_sehat",
    "sangat tidak sehat": "sangat_tidak_sehat",
    "berbahaya": "berbahaya",
}
# A published maximum differs from the largest sub-index by at most this (rounding).
MAX_TOLERANCE = 1.0


class PublishedIndexMapping(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["published_index"]
    description: str = ""
    index: str = "ispu"
    city: str
    source: str
    delimiter: str = Field(",", min_length=1, max_length=1)
    station: str  # column
    day: str  # column
    day_formats: tuple[str, ...] = ("%Y-%m-%d",)
    values: dict[str, str] = Field(min_length=1)  # pollutant -> column
    max: str | None = None
    critical: str | None = None
    category: str | None = None
    period: str | None = None  # column kept as published (e.g. periode_data)
    missing: tuple[str, ...] = ("", "-", "NA", "N/A", "null", "---")


@dataclass(frozen=True, slots=True)
class PublishedRow:
    line: int
    station: str
    day: date
    values: dict[str, float]
    max: float | None
    critical: str | None
    category: str | None
    period: str | None


def _day(text: str, formats: tuple[str, ...]) -> date | None:
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse(text: str, mapping: PublishedIndexMapping) -> Iterator[PublishedRow | Refusal]:
    reader = csv.DictReader(io.StringIO(text), delimiter=mapping.delimiter)
    header = {h.strip() for h in reader.fieldnames or ()}
    wanted = {mapping.station, mapping.day, *mapping.values.values()}
    absent = sorted(wanted - header)
    if absent:
        yield Refusal(
            1, ReasonCode.MISSING_FIELD, f"the header lacks column(s) {', '.join(absent)}"
        )
        return
    for index, raw in enumerate(reader):
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        yield _row(index + 2, row, mapping)


def _row(line: int, row: dict[str, str], m: PublishedIndexMapping) -> PublishedRow | Refusal:
    station = row.get(m.station, "")
    if station in m.missing:
        return Refusal(line, ReasonCode.MISSING_FIELD, f"{m.station} is empty")
    day = _day(row.get(m.day, ""), m.day_formats)
    if day is None:
        return Refusal(
            line, ReasonCode.INVALID_TIMESTAMP, f"{m.day}={row.get(m.day)!r} is not a date"
        )
    values: dict[str, float] = {}
    for pollutant, column in m.values.items():
        cell = row.get(column, "")
        if cell in m.missing:
            continue
        try:
            values[pollutant] = float(cell)
        except ValueError:
            return Refusal(line, ReasonCode.WRONG_TYPE, f"{column}={cell!r} is not a number")
    top: float | None = None
    if m.max is not None and row.get(m.max, "") not in m.missing:
        try:
            top = float(row[m.max])
        except ValueError:
            return Refusal(line, ReasonCode.WRONG_TYPE, f"{m.max}={row[m.max]!r} is not a number")
        if values and abs(max(values.values()) - top) > MAX_TOLERANCE:
            return Refusal(
                line,
                ReasonCode.INCONSISTENT,
                f"{m.max}={top:g} but the largest sub-index is {max(values.values()):g}",
            )
    category = row.get(m.category, "") if m.category else ""
    return PublishedRow(
        line,
        station,
        day,
        values,
        top,
        (row.get(m.critical) or None) if m.critical else None,
        CATEGORIES.get(category.lower(), category or None) if category else None,
        (row.get(m.period) or None) if m.period else None,
    )


async def store(
    conn: AsyncConnection, mapping: PublishedIndexMapping, rows: list[PublishedRow], file: str
) -> int:
    """Upsert ``rows`` in one transaction; returns how many were written."""
    async with conn.transaction(), conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO published_index (city, station, day, index_code, sub_indices, "
            "max_value, critical, category, period, source, source_file) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (city, station, day, index_code) DO UPDATE SET "
            "sub_indices = EXCLUDED.sub_indices, max_value = EXCLUDED.max_value, "
            "critical = EXCLUDED.critical, category = EXCLUDED.category, "
            "period = EXCLUDED.period, source = EXCLUDED.source, "
            "source_file = EXCLUDED.source_file, imported_at = now()",
            [
                (
                    mapping.city,
                    r.station,
                    r.day,
                    mapping.index,
                    Jsonb(r.values),
                    r.max,
                    r.critical,
                    r.category,
                    r.period,
                    mapping.source,
                    file,
                )
                for r in rows
            ],
        )
    return len(rows)
