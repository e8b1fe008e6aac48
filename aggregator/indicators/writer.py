"""Store indicator rows: a window's rows replace that window's previous rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

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
_DUMPS = partial(json.dumps, default=str)  # a detail may hold a datetime
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
            # A JSON object, encoded once: a string of JSON (json.dumps handed to the
            # jsonb dumper) was stored as a JSON *string*, so `detail ->> 'hours'` and
            # the dashboards' `detail ->> 'critical'` read NULL.
            Jsonb(r.detail, dumps=_DUMPS),
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


async def replace_windows(
    conn: AsyncConnection, city: str, windows: Sequence[tuple[datetime, Sequence[IndicatorRow]]]
) -> None:
    """The city's rows of each window ``(start, rows)``: recomputation replaces, never
    accumulates. One DELETE and one COPY for all of them (a backlog brings dozens)."""
    if not windows:
        return
    starts = [start for start, _ in windows]
    # Late data can reach back a week, before the partitions kept ready ahead.
    await conn.execute(
        "SELECT kota_ensure_partitions('indicator'::regclass, %s::date, %s::date)",
        (min(starts), max(starts)),
    )
    await conn.execute(
        "DELETE FROM indicator WHERE city = %s AND ts = ANY(%s) AND window_s = %s",
        (city, starts, int(WINDOW.total_seconds())),
    )
    await _copy(conn, "indicator", [t for start, rows in windows for t in _tuples(rows, start)])


async def replace_latest(
    conn: AsyncConnection, city: str, start: datetime, rows: Sequence[IndicatorRow]
) -> None:
    """The newest value per place and code (what `top` and the overview read)."""
    await conn.execute("DELETE FROM indicator_latest WHERE city = %s", (city,))
    await _copy(conn, "indicator_latest", _tuples(rows, start))
