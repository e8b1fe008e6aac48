"""Store indicator rows: a window's rows replace that window's previous rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from psycopg import AsyncConnection

from aggregator.indicators.model import WINDOW, IndicatorRow

_COLUMNS = (
    "city",
    "district",
    "sensor_id",
    "code",
    "ts",
    "window_s",
    "value",
    "category",
    "coverage",
    "detail",
)
_TYPES = (
    "text",
    "text",
    "text",
    "text",
    "timestamptz",
    "int4",
    "float8",
    "text",
    "float8",
    "jsonb",
)


def _tuples(rows: Sequence[IndicatorRow], start: datetime) -> list[tuple[object, ...]]:
    seconds = int(WINDOW.total_seconds())
    return [
        (
            r.city,
            r.district,
            r.sensor_id,
            r.code,
            start,
            seconds,
            r.value,
            r.category,
            r.coverage,
            json.dumps(r.detail, default=str),
        )
        for r in rows
    ]


async def _copy(conn: AsyncConnection, table: str, rows: list[tuple[object, ...]]) -> None:
    async with conn.cursor() as cur:
        copy_sql = f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
        async with cur.copy(copy_sql) as copy:
            copy.set_types(list(_TYPES))
            for row in rows:
                await copy.write_row(row)


async def replace_window(
    conn: AsyncConnection, city: str, start: datetime, rows: Sequence[IndicatorRow]
) -> None:
    """The city's rows of window ``start``: recomputation replaces, never accumulates."""
    # Late data can reach back a week, before the partitions kept ready ahead.
    await conn.execute(
        "SELECT kota_ensure_partitions('indicator'::regclass, %s::date, %s::date)",
        (start, start),
    )
    await conn.execute(
        "DELETE FROM indicator WHERE city = %s AND ts = %s AND window_s = %s",
        (city, start, int(WINDOW.total_seconds())),
    )
    await _copy(conn, "indicator", _tuples(rows, start))


async def replace_latest(
    conn: AsyncConnection, city: str, start: datetime, rows: Sequence[IndicatorRow]
) -> None:
    """The newest value per place and code (what `top` and the overview read)."""
    await conn.execute("DELETE FROM indicator_latest WHERE city = %s", (city,))
    await _copy(conn, "indicator_latest", _tuples(rows, start))
