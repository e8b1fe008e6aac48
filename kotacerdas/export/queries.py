"""The only database code of the export: SQL over the ``kota_reader`` views.

Steps of :func:`fetch` for one city and period:

1. Open a REPEATABLE READ, READ ONLY transaction and export its snapshot, so every query
   (also those on the worker connections) sees the same committed data.
2. Read the registry (city, districts, sensors), alerts, live index history and dead
   letters on that connection.
3. Read the three domains' hourly rollups in parallel, one connection each (the server
   does the scans concurrently; a city-year is millions of buckets).
4. Hash every result in a fixed order: the input hash in every file and in the manifest.

Sums the database computes are ``numeric`` (exact), so a figure cannot change with the
physical order of rows; series come ordered by time and are summed in Python with
``math.fsum``. Only views are named here: the role has no right on tables.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

import psycopg
from psycopg import sql

from kotacerdas.export.errors import DatabaseUnavailable, UnknownCity
from kotacerdas.export.fingerprint import Fingerprint
from kotacerdas.export.inputs import (
    POLLUTANTS,
    AirDay,
    AlertRow,
    CityFacts,
    DistrictFacts,
    HourlySeries,
    Inputs,
    LiveIndexRow,
    QueryRecord,
    SensorFacts,
)
from kotacerdas.export.window import Window

#: Look-back before the window so the first hour has a full 24-h rolling mean.
ROLLING_LOOKBACK: Final = timedelta(hours=23)
#: Connections used at once for one export (one per domain).
DOMAIN_WORKERS: Final = 3
#: Live composite codes written by the indicator job at city scope.
LIVE_INDEX_CODES: Final = ("green_city_index", "safety_index")


@dataclass(frozen=True, slots=True)
class Query:
    name: str
    views: tuple[str, ...]
    sql: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


CITIES = Query("cities", ("v_city",), "SELECT slug, timezone FROM v_city ORDER BY slug")
CITY = Query(
    "city",
    ("v_city",),
    "SELECT slug, name, code, province, timezone, area_km2, population FROM v_city "
    "WHERE slug = %(city)s",
)
DISTRICTS = Query(
    "districts",
    ("v_district",),
    "SELECT slug, name, area_km2, population FROM v_district WHERE city = %(city)s "
    "ORDER BY slug",
)
SENSORS = Query(
    "sensors",
    ("v_sensor",),
    "SELECT sensor_id, district, domain, interval_s, active, street, road_class, "
    "capacity_pcu_h, free_flow_kmh, length_km, capacity_l FROM v_sensor "
    "WHERE city = %(city)s ORDER BY sensor_id",
)
_DAY_SUMS = ", ".join(
    f"sum(({p}_avg * {p}_n)::numeric)::float8, coalesce(sum({p}_n), 0)::int8, "
    f"count(*) FILTER (WHERE {p}_n > 0)"
    for p in POLLUTANTS
)
AIR_DAYS = Query(
    "air_days",
    ("v_air_1h",),
    f"SELECT sensor_id, (ts AT TIME ZONE %(tz)s)::date AS day, count(*), {_DAY_SUMS} "
    "FROM v_air_1h WHERE city = %(city)s AND ts >= %(start)s AND ts < %(end)s "
    "GROUP BY 1, 2 ORDER BY 1, 2",
)


def _hourly(name: str, view: str, columns: tuple[str, ...], since: str) -> Query:
    arrays = ", ".join(f"array_agg({c})" for c in ("h", *columns))
    return Query(
        name,
        (view,),
        f"SELECT sensor_id, {arrays} FROM (SELECT sensor_id, "
        f"extract(epoch FROM ts)::int8 / 3600 AS h, {', '.join(columns)} FROM {view} "
        f"WHERE city = %(city)s AND ts >= %({since})s AND ts < %(end)s "
        "ORDER BY sensor_id, ts) AS r GROUP BY sensor_id ORDER BY sensor_id",
    )


AIR_COLUMNS: Final = ("samples", "pm25_avg", "pm25_n", "noise_avg")
TRAFFIC_COLUMNS: Final = (
    "samples",
    "vehicle_count_sum",
    "observed_s",
    "avg_speed_kmh_avg",
    "speeding_count_sum",
)
WASTE_COLUMNS: Final = ("samples", "fill_level_max", "fill_level_avg", "temperature_max")
AIR_HOURLY = _hourly("air_hourly", "v_air_1h", AIR_COLUMNS, "lookback")
TRAFFIC_HOURLY = _hourly("traffic_hourly", "v_traffic_1h", TRAFFIC_COLUMNS, "start")
WASTE_HOURLY = _hourly("waste_hourly", "v_waste_1h", WASTE_COLUMNS, "start")
ALERTS = Query(
    "alerts",
    ("v_alert",),
    "SELECT id, rule, kind, severity, state, opened_at, closed_at FROM v_alert "
    "WHERE city = %(city)s AND opened_at >= %(start)s AND opened_at < %(end)s "
    "ORDER BY opened_at, id",
)
LIVE_INDICES = Query(
    "live_indices",
    ("v_indicator",),
    "SELECT code, window_start, value, coverage FROM v_indicator "
    "WHERE city = %(city)s AND district IS NULL AND sensor_id IS NULL "
    "AND code = ANY(%(codes)s) AND window_start >= %(start)s AND window_start < %(end)s "
    "ORDER BY code, window_start",
)
DEAD_LETTERS = Query(
    "dead_letters",
    ("v_dead_letter",),
    "SELECT reason, count(*) FROM v_dead_letter WHERE city = %(city)s "
    "AND received_at >= %(start)s AND received_at < %(end)s GROUP BY reason ORDER BY reason",
)


def list_cities(conninfo: str) -> list[tuple[str, str]]:
    """``(slug, timezone)`` of every registered city."""
    with _connect(conninfo) as conn:
        return [(str(slug), str(tz)) for slug, tz in conn.execute(CITIES.sql).fetchall()]


def fetch(conninfo: str, city: str, timezone: str, window: Window) -> Inputs:
    """Everything one export reads, in one snapshot, with lineage and input hash."""
    params: dict[str, Any] = {
        "city": city,
        "tz": timezone,
        "start": window.start_utc,
        "end": window.end_utc,
        "lookback": window.start_utc - ROLLING_LOOKBACK,
        "codes": list(LIVE_INDEX_CODES),
    }
    with _connect(conninfo) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        registry = _run(conn, CITY, params)
        if not registry:
            raise UnknownCity(f"city {city!r} is not in v_city")
        jobs: dict[str, Callable[[], list[tuple[Any, ...]]]] = {
            q.name: _in_snapshot(conninfo, snapshot, q, params)
            for q in (AIR_DAYS, AIR_HOURLY, TRAFFIC_HOURLY, WASTE_HOURLY)
        }
        with ThreadPoolExecutor(DOMAIN_WORKERS, thread_name_prefix="export-db") as pool:
            futures = {name: pool.submit(job) for name, job in jobs.items()}
            results: dict[str, list[tuple[Any, ...]]] = {CITY.name: registry}
            for query in (DISTRICTS, SENSORS, ALERTS, LIVE_INDICES, DEAD_LETTERS):
                results[query.name] = _run(conn, query, params)
            results |= {name: future.result() for name, future in futures.items()}
        conn.execute("COMMIT")
    return _inputs(window, results, params)


_ORDER: Final = (CITY, DISTRICTS, SENSORS, AIR_DAYS, AIR_HOURLY, TRAFFIC_HOURLY, WASTE_HOURLY,
                 ALERTS, LIVE_INDICES, DEAD_LETTERS)  # fmt: skip


def _inputs(
    window: Window, results: Mapping[str, list[tuple[Any, ...]]], params: Mapping[str, Any]
) -> Inputs:
    fingerprint = Fingerprint()
    fingerprint.add({"period": window.period.label, "timezone": window.timezone})
    records: list[QueryRecord] = []
    shown = {k: (v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in params.items()}
    for query in _ORDER:
        rows = results[query.name]
        fingerprint.add_rows(query.name, rows)
        buckets = sum(len(row[1]) for row in rows) if query.name.endswith("_hourly") else 0
        if query is AIR_DAYS:
            buckets = sum(int(row[2]) for row in rows)
        used = {k: shown[k] for k in sorted(shown) if f"%({k})s" in query.sql}
        records.append(
            QueryRecord(query.name, query.views, query.sha256, used, len(rows), buckets)
        )
    (slug, name, code, province, tz, area, population) = results[CITY.name][0]
    return Inputs(
        city=CityFacts(slug, name, code, province, tz, float(area), int(population)),
        window=window,
        districts=tuple(DistrictFacts(s, n, float(a), int(p)) for s, n, a, p in results[DISTRICTS.name]),
        sensors=tuple(SensorFacts(*row) for row in results[SENSORS.name]),
        air_days=tuple(_air_day(row) for row in results[AIR_DAYS.name]),
        air_hourly=_series(results[AIR_HOURLY.name], AIR_COLUMNS),
        traffic_hourly=_series(results[TRAFFIC_HOURLY.name], TRAFFIC_COLUMNS),
        waste_hourly=_series(results[WASTE_HOURLY.name], WASTE_COLUMNS),
        alerts=tuple(AlertRow(*row) for row in results[ALERTS.name]),
        live_indices=tuple(LiveIndexRow(*row) for row in results[LIVE_INDICES.name]),
        dead_letters={str(reason): int(n) for reason, n in results[DEAD_LETTERS.name]},
        queries=tuple(records),
        inputs_sha256=fingerprint.hexdigest(),
    )  # fmt: skip


def _air_day(row: tuple[Any, ...]) -> AirDay:
    sums = {
        p: (float(row[3 + 3 * i] or 0.0), int(row[4 + 3 * i]), int(row[5 + 3 * i]))
        for i, p in enumerate(POLLUTANTS)
    }
    return AirDay(str(row[0]), row[1], sums)


def _series(rows: list[tuple[Any, ...]], columns: tuple[str, ...]) -> tuple[HourlySeries, ...]:
    out: list[HourlySeries] = []
    for sensor_id, hours, *values in rows:
        if any(b <= a for a, b in zip(hours, hours[1:], strict=False)):
            order = sorted(range(len(hours)), key=hours.__getitem__)  # not expected: belt
            hours = [hours[i] for i in order]
            values = [[column[i] for i in order] for column in values]
        out.append(HourlySeries(sensor_id, hours, dict(zip(columns, values, strict=True))))
    return tuple(out)


def _connect(conninfo: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(f"cannot connect as the reader role: {exc}") from None


def _run(conn: psycopg.Connection[Any], query: Query, params: Mapping[str, Any]) -> list[Any]:
    try:
        with conn.cursor(binary=True) as cur:
            return cur.execute(query.sql, params).fetchall()
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(f"query {query.name} failed: {exc}") from None


def _in_snapshot(
    conninfo: str, snapshot: str, query: Query, params: Mapping[str, Any]
) -> Callable[[], list[tuple[Any, ...]]]:
    def job() -> list[tuple[Any, ...]]:
        with _connect(conninfo) as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
            rows = _run(conn, query, params)
            conn.execute("COMMIT")
            return rows

    return job
