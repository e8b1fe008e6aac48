"""Read what the indicators of a city need from the rollups (the job's I/O)."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from psycopg import AsyncConnection, AsyncCursor

from aggregator.indicators.model import (
    AIR_LOOKBACK,
    TRAFFIC_LOOKBACK,
    WASTE_LOOKBACK,
    CityInputs,
    Rollup,
    SensorMeta,
)

# (table, lookback, columns) per domain; the columns are what sensors.py reads.
_AIR_COLUMNS = ("pm25", "pm10", "so2", "co", "o3", "no2", "hc", "noise")
_SOURCES = {
    "air": (
        "air_rollup_1h",
        AIR_LOOKBACK,
        [f"{m}_{s}" for m in _AIR_COLUMNS for s in ("avg", "n")],
    ),
    "traffic": (
        "traffic_rollup_1m",
        TRAFFIC_LOOKBACK,
        [
            "vehicle_count_sum",
            "observed_s",
            "speeding_count_sum",
            "avg_speed_kmh_avg",
            "avg_speed_kmh_n",
        ],
    ),
    "waste": ("waste_rollup_1m", WASTE_LOOKBACK, ["fill_level_avg", "temperature_max"]),
}
# How far back "last seen" looks; older silence is silence all the same.
_SEEN_LOOKBACK = TRAFFIC_LOOKBACK * 4


async def load_sensors(conn: AsyncConnection) -> tuple[dict[str, list[SensorMeta]], dict[str, str]]:
    """Active sensors by city, and each city's time zone."""
    cur = await conn.execute(
        "SELECT sensor_id, city, district, domain, interval_s, capacity_pcu_h, free_flow_kmh, "
        "length_km FROM sensor WHERE active ORDER BY city, sensor_id"
    )
    by_city: dict[str, list[SensorMeta]] = defaultdict(list)
    for row in await cur.fetchall():
        by_city[row[1]].append(SensorMeta(*row))
    cur = await conn.execute("SELECT slug, timezone FROM city")
    return dict(by_city), {slug: tz for slug, tz in await cur.fetchall()}


async def newest_per_city(conn: AsyncConnection) -> dict[str, datetime]:
    """The newest event time (1-minute bucket) seen per city."""
    cur = await conn.execute(
        "SELECT s.city, max(st.last_ts) FROM sensor_state st JOIN sensor s USING (sensor_id) "
        "GROUP BY s.city"
    )
    return {city: ts for city, ts in await cur.fetchall() if ts is not None}


async def _air_hours(
    conn: AsyncConnection, ids: list[str], as_of: datetime, columns: list[str]
) -> AsyncCursor[Any]:
    """Complete hours from the 1-hour rollups, and the hour in progress from the 1-minute
    rollups up to ``as_of`` only: a window's indicators never see data after its end,
    however late they are computed."""
    hour = as_of.replace(minute=0, second=0, microsecond=0)
    partial = ", ".join(
        f"sum({m}_avg * {m}_n) / nullif(sum({m}_n), 0), coalesce(sum({m}_n), 0)"
        for m in _AIR_COLUMNS
    )
    return await conn.execute(
        f"SELECT sensor_id, ts, {', '.join(columns)} FROM air_rollup_1h "
        "WHERE sensor_id = ANY(%(ids)s) AND ts >= %(from)s AND ts < %(hour)s "
        f"UNION ALL SELECT sensor_id, %(hour)s, {partial} FROM air_rollup_1m "
        "WHERE sensor_id = ANY(%(ids)s) AND ts >= %(hour)s AND ts < %(as_of)s "
        "GROUP BY sensor_id ORDER BY 1, 2",
        {"ids": ids, "from": as_of - AIR_LOOKBACK, "hour": hour, "as_of": as_of},
    )


async def load_windows(
    conn: AsyncConnection, city: str, tz: str, sensors: list[SensorMeta], ends: list[datetime]
) -> list[CityInputs]:
    """The inputs of several windows of a city (``ends``: their ends, ``as_of``). The
    1-minute rollups are read once for the span of all of them and sliced per window:
    a run of consecutive windows costs about one window's reading, not one each."""
    windows = [CityInputs(city, tz, as_of, sensors) for as_of in ends]
    for domain, (table, lookback, columns) in _SOURCES.items():
        ids = [s.sensor_id for s in sensors if s.domain == domain]
        if not ids:
            continue
        if domain == "air":  # hourly rollups + the hour in progress: per window
            for inputs in windows:
                cur = await _air_hours(conn, ids, inputs.as_of, columns)
                for row in await cur.fetchall():
                    inputs.rollups.setdefault(row[0], []).append(
                        Rollup(row[1], dict(zip(columns, row[2:], strict=True)))
                    )
            minutes = await _minutes(conn, "air_rollup_1m", ids, ends, _SEEN_LOOKBACK, [])
            _slice(windows, minutes, None)
        else:
            back = max(lookback, _SEEN_LOOKBACK)
            minutes = await _minutes(conn, table, ids, ends, back, columns)
            _slice(windows, minutes, lookback)
    return windows


# sensor -> (bucket starts, rollups), both by time
_Minutes = dict[str, tuple[list[datetime], list[Rollup]]]


async def _minutes(
    conn: AsyncConnection,
    table: str,
    ids: list[str],
    ends: list[datetime],
    back: timedelta,
    columns: list[str],
) -> _Minutes:
    select = ", ".join(["sensor_id", "ts", *columns])
    cur = await conn.execute(
        f"SELECT {select} FROM {table} WHERE sensor_id = ANY(%s) AND ts >= %s AND ts < %s "
        "ORDER BY sensor_id, ts",
        (ids, min(ends) - back, max(ends)),
    )
    out: _Minutes = {}
    for row in await cur.fetchall():
        times, rollups = out.setdefault(row[0], ([], []))
        times.append(row[1])
        rollups.append(Rollup(row[1], dict(zip(columns, row[2:], strict=True))))
    return out


def _slice(windows: list[CityInputs], minutes: _Minutes, lookback: timedelta | None) -> None:
    """Each window's share of ``minutes``: its rollups (if ``lookback``) and what it
    has seen of each sensor (newest and oldest bucket within _SEEN_LOOKBACK)."""
    for inputs in windows:
        as_of = inputs.as_of
        for sid, (times, rollups) in minutes.items():
            end = bisect_left(times, as_of)
            if lookback is not None:
                first = bisect_left(times, as_of - lookback, 0, end)
                if end > first:
                    inputs.rollups[sid] = rollups[first:end]
            seen_from = bisect_left(times, as_of - _SEEN_LOOKBACK, 0, end)
            if end > seen_from:
                inputs.last_seen[sid] = times[end - 1]
                oldest = times[seen_from]
                if inputs.observed_since is None or oldest < inputs.observed_since:
                    inputs.observed_since = oldest
