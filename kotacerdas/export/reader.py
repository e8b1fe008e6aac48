"""The export's database shell: one snapshot, three streamed domains, one input hash.

Steps of :func:`fetch` for one city and period:

1. Open a REPEATABLE READ, READ ONLY transaction, export its snapshot and apply the
   planner settings (:data:`queries.PLAN_SETTINGS`); every query — also those on the
   worker connections — sees the same committed data.
2. Read the registry (city, districts, sensors) and hand it to ``sinks_for``, which
   returns one callable per domain (the tallies of :mod:`collect`).
3. On one worker connection per domain, run the hourly query through a server-side
   cursor and feed each sensor's series to its domain's sink as it arrives,
   :data:`SENSORS_PER_FETCH` sensors per round trip: memory holds a batch, not a
   city-year, and the tallies work while the other domains' scans run.
4. Meanwhile read the daily air sums, alerts, live index history and dead letters.
5. Hash everything in a fixed order — each series by time, the sensors' digests sorted —
   so the hash (and with it every file) depends on the data only.

Foreign errors are translated where they enter: a refused connection or a failed query
becomes :class:`DatabaseUnavailable` naming what failed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Final

import psycopg
from psycopg import sql

from kotacerdas.export import queries as q
from kotacerdas.export.errors import DatabaseUnavailable, QueryFailed, UnknownCity
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

Sink = Callable[[HourlySeries], None]
SinksFor = Callable[[Inputs], Mapping[str, Sink]]

#: Sensors per round trip of a domain's server-side cursor: bounds client memory to a
#: few tens of sensor-years of hourly values (~35 MB for 50 bins).
SENSORS_PER_FETCH: Final = 50
#: Worker connections besides the main one: one per long query (three domains' hourly
#: series and the daily air sums), so none waits for another to finish.
QUERY_WORKERS: Final = 4
_STREAMS: Final = (
    ("waste", q.WASTE_HOURLY, q.WASTE_COLUMNS),  # longest first
    ("air", q.AIR_HOURLY, q.AIR_COLUMNS),
    ("traffic", q.TRAFFIC_HOURLY, q.TRAFFIC_COLUMNS),
)


@dataclass(frozen=True)
class _Streamed:
    """What a streamed domain query leaves behind: counts and per-sensor digests."""

    sensors: int
    buckets: int
    digests: list[tuple[str, str]]


def list_cities(conninfo: str) -> list[tuple[str, str]]:
    """``(slug, timezone)`` of every registered city."""
    with _connect(conninfo) as conn:
        return [(str(slug), str(tz)) for slug, tz in conn.execute(q.CITIES.sql).fetchall()]


def fetch(
    conninfo: str, city: str, timezone: str, window: Window, sinks_for: SinksFor | None = None
) -> Inputs:
    """Everything one export reads, in one snapshot, with lineage and input hash.

    Without ``sinks_for`` the hourly series are kept in the returned inputs; with it
    they are only streamed to the sinks (the inputs' series are then empty).
    """
    params: dict[str, Any] = {
        "city": city,
        "tz": timezone,
        "start": window.start_utc,
        "end": window.end_utc,
        "lookback": window.start_utc - q.ROLLING_LOOKBACK,
        "codes": list(q.LIVE_INDEX_CODES),
    }
    with _connect(conninfo) as conn:
        snapshot = _begin(conn, None)
        registry = {
            query.name: _run(conn, query, params) for query in (q.CITY, q.DISTRICTS, q.SENSORS)
        }
        if not registry[q.CITY.name]:
            raise UnknownCity(f"city {city!r} is not in v_city")
        meta = _registry(window, registry)
        kept: dict[str, list[HourlySeries]] = {domain: [] for domain, _, _ in _STREAMS}
        sinks = sinks_for(meta) if sinks_for else {d: kept[d].append for d in kept}
        with ThreadPoolExecutor(QUERY_WORKERS, thread_name_prefix="export-db") as pool:
            streams = {
                query.name: pool.submit(
                    _stream, conninfo, snapshot, query, columns, params, sinks[domain]
                )
                for domain, query, columns in _STREAMS
            }
            days = pool.submit(_in_snapshot, conninfo, snapshot, q.AIR_DAYS, params)
            rows = {
                query.name: _run(conn, query, params)
                for query in (q.ALERTS, q.LIVE_INDICES, q.DEAD_LETTERS)
            }
            rows[q.AIR_DAYS.name] = sorted(days.result(), key=lambda row: (row[0], row[1]))
            streamed = {name: future.result() for name, future in streams.items()}
        conn.execute("COMMIT")
    inputs = _assemble(meta, registry | rows, streamed, params)
    if sinks_for is None:
        inputs = replace(
            inputs,
            air_hourly=tuple(sorted(kept["air"], key=lambda s: s.sensor_id)),
            traffic_hourly=tuple(sorted(kept["traffic"], key=lambda s: s.sensor_id)),
            waste_hourly=tuple(sorted(kept["waste"], key=lambda s: s.sensor_id)),
        )
    return inputs


def _registry(window: Window, rows: Mapping[str, list[tuple[Any, ...]]]) -> Inputs:
    (slug, name, code, province, tz, area, population) = rows[q.CITY.name][0]
    return Inputs(
        city=CityFacts(slug, name, code, province, tz, float(area), int(population)),
        window=window,
        districts=tuple(
            DistrictFacts(s, n, float(a), int(p)) for s, n, a, p in rows[q.DISTRICTS.name]
        ),
        sensors=tuple(SensorFacts(*row) for row in rows[q.SENSORS.name]),
        air_days=(),
        air_hourly=(),
        traffic_hourly=(),
        waste_hourly=(),
        alerts=(),
        live_indices=(),
        dead_letters={},
    )


def _assemble(
    meta: Inputs,
    rows: Mapping[str, list[tuple[Any, ...]]],
    streamed: Mapping[str, _Streamed],
    params: Mapping[str, Any],
) -> Inputs:
    fingerprint = Fingerprint()
    fingerprint.add({"period": meta.window.period.label, "timezone": meta.window.timezone})
    shown = {k: (v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in params.items()}
    records: list[QueryRecord] = []
    for query in (
        q.CITY,
        q.DISTRICTS,
        q.SENSORS,
        q.AIR_DAYS,
        q.AIR_HOURLY,
        q.TRAFFIC_HOURLY,
        q.WASTE_HOURLY,
        q.ALERTS,
        q.LIVE_INDICES,
        q.DEAD_LETTERS,
    ):
        used = {k: shown[k] for k in sorted(shown) if f"%({k})s" in query.sql}
        if query.name in streamed:
            done = streamed[query.name]
            fingerprint.add_rows(query.name, sorted(done.digests))
            count, buckets = done.sensors, done.buckets
        else:
            fingerprint.add_rows(query.name, rows[query.name])
            count = len(rows[query.name])
            buckets = sum(int(r[2]) for r in rows[query.name]) if query is q.AIR_DAYS else 0
        records.append(QueryRecord(query.name, query.views, query.sha256, used, count, buckets))
    return replace(
        meta,
        air_days=tuple(_air_day(row) for row in rows[q.AIR_DAYS.name]),
        alerts=tuple(AlertRow(*row) for row in rows[q.ALERTS.name]),
        live_indices=tuple(LiveIndexRow(*row) for row in rows[q.LIVE_INDICES.name]),
        dead_letters={str(reason): int(n) for reason, n in rows[q.DEAD_LETTERS.name]},
        queries=tuple(records),
        inputs_sha256=fingerprint.hexdigest(),
    )


def _air_day(row: tuple[Any, ...]) -> AirDay:
    """``(Σ mean·n, Σ n, hours)`` per pollutant; the database sums micro-units."""
    sums = {
        p: ((row[3 + 3 * i] or 0.0) / q.MICRO, int(row[4 + 3 * i]), int(row[5 + 3 * i]))
        for i, p in enumerate(POLLUTANTS)
    }
    return AirDay(str(row[0]), row[1], sums)


def _series(row: tuple[Any, ...], columns: tuple[str, ...]) -> HourlySeries:
    """One sensor's row, its arrays put in time order (the aggregate keeps scan order)."""
    sensor_id, samples, buckets, hours, *values = row
    if hours != sorted(hours):  # C-speed check; no duplicates (primary key)
        order = sorted(range(len(hours)), key=hours.__getitem__)
        hours = [hours[i] for i in order]
        values = [[column[i] for i in order] for column in values]
    return HourlySeries(
        sensor_id, hours, dict(zip(columns, values, strict=True)), int(samples), int(buckets)
    )


def _digest(series: HourlySeries) -> str:
    fingerprint = Fingerprint()
    fingerprint.add((series.sensor_id, series.samples, series.buckets, list(series.hours)))
    for column in series.columns.values():
        fingerprint.add(list(column))
    return fingerprint.hexdigest()


def _stream(
    conninfo: str,
    snapshot: str,
    query: q.Query,
    columns: tuple[str, ...],
    params: Mapping[str, Any],
    sink: Sink,
) -> _Streamed:
    digests: list[tuple[str, str]] = []
    buckets = 0
    with _connect(conninfo) as conn:
        _begin(conn, snapshot)
        try:
            with conn.cursor(name=f"export_{query.name}", binary=True) as cursor:
                cursor.execute(query.sql, params)
                while batch := cursor.fetchmany(SENSORS_PER_FETCH):
                    for row in batch:
                        series = _series(row, columns)
                        digests.append((series.sensor_id, _digest(series)))
                        buckets += series.buckets
                        sink(series)
        except psycopg.Error as exc:
            raise _translated(query, exc) from None
        conn.execute("COMMIT")
    return _Streamed(len(digests), buckets, digests)


def _translated(query: q.Query, exc: psycopg.Error) -> DatabaseUnavailable | QueryFailed:
    if isinstance(exc, psycopg.OperationalError):
        return DatabaseUnavailable(f"query {query.name} failed: {exc}")
    return QueryFailed(f"query {query.name} on {', '.join(query.views)} failed: {exc}")


def _connect(conninfo: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(f"cannot connect as the reader role: {exc}") from None


def _begin(conn: psycopg.Connection[Any], snapshot: str | None) -> str:
    """Start the read-only transaction (importing ``snapshot``, or exporting a new one)."""
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    if snapshot is None:
        snapshot = str(conn.execute("SELECT pg_export_snapshot()").fetchone()[0])  # type: ignore[index]
    else:
        conn.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
    for setting in q.PLAN_SETTINGS:
        conn.execute(setting)
    return snapshot


def _run(conn: psycopg.Connection[Any], query: q.Query, params: Mapping[str, Any]) -> list[Any]:
    try:
        with conn.cursor(binary=True) as cur:
            return cur.execute(query.sql, params).fetchall()
    except psycopg.Error as exc:
        raise _translated(query, exc) from None


def _in_snapshot(
    conninfo: str, snapshot: str, query: q.Query, params: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    with _connect(conninfo) as conn:
        _begin(conn, snapshot)
        rows = _run(conn, query, params)
        conn.execute("COMMIT")
        return rows
