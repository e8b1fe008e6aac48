"""Read what the indicators of a city need from the rollups (the job's I/O)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
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


async def load_city(
    conn: AsyncConnection, city: str, tz: str, sensors: list[SensorMeta], as_of: datetime
) -> CityInputs:
    inputs = CityInputs(city, tz, as_of, sensors)
    for domain, (table, lookback, columns) in _SOURCES.items():
        ids = [s.sensor_id for s in sensors if s.domain == domain]
        if not ids:
            continue
        if domain == "air":
            cur = await _air_hours(conn, ids, as_of, columns)
        else:
            cur = await conn.execute(
                f"SELECT sensor_id, ts, {', '.join(columns)} FROM {table} "
                "WHERE sensor_id = ANY(%s) AND ts >= %s AND ts < %s ORDER BY sensor_id, ts",
                (ids, as_of - lookback, as_of),
            )
        for row in await cur.fetchall():
            inputs.rollups.setdefault(row[0], []).append(
                Rollup(row[1], dict(zip(columns, row[2:], strict=True)))
            )
        cur = await conn.execute(
            f"SELECT sensor_id, max(ts), min(ts) FROM {table.replace('_1h', '_1m')} "
            "WHERE sensor_id = ANY(%s) AND ts >= %s AND ts < %s GROUP BY sensor_id",
            (ids, as_of - _SEEN_LOOKBACK, as_of),
        )
        for sid, newest, oldest in await cur.fetchall():
            inputs.last_seen[sid] = newest
            if inputs.observed_since is None or oldest < inputs.observed_since:
                inputs.observed_since = oldest
    return inputs
