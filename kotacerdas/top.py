"""`kotacerdas top`: the operations centre at a glance in a terminal (works over SSH).

One row per city: ISPU category now (worst station), green-city and safety index with
coverage, open alerts, readings and dead letters per second; a last row for the shared
pipeline (stored readings/s, dead letters/s, consumer lag, age of the newest batch).
Reads only the views, as ``kota_reader`` (``KOTA_READER_DB_*``), one transaction per
frame. ``--once`` prints one frame and exits (scripts, tests); otherwise a rich ``Live``
table refreshes every ``--interval`` seconds until Ctrl-C. What each cell says, and when
it says "not enough data" or "waiting" instead of a number: ``kotacerdas.top_frame``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from kotacerdas.errors import UserFacingError
from kotacerdas.top_frame import RATE_WINDOW_S, CityRow, Ispu, Pipeline, Snapshot, render

MIN_INTERVAL_S = 0.5

# Readings stored in the rate window, by city: by ingest time, the clock of "now". The
# event time says nothing about it: the simulator replays days in minutes, a gateway
# flushes an hour-old buffer, so the former bound `ts > now() - 15 min` left every
# city at 0.0/s while the pipeline stored thousands. Ingest refuses readings older
# than its late limit (KOTA_INGEST_MAX_AGE_S, 7 days by default), so the 7-day bound
# drops nothing stored now; it spares the scan the older partitions and, on
# TimescaleDB, the chunks compressed after 7 days (migration 006). Migration 010 gives
# ingested_at the BRIN index that finds the window's rows.
_RECENT_READINGS = " UNION ALL ".join(
    f"SELECT city FROM v_{domain}_reading WHERE ingested_at > now() - interval "
    f"'{RATE_WINDOW_S} s' AND ts > now() - interval '7 days'"
    for domain in ("air", "traffic", "waste")
)
_LATEST = "FROM v_indicator_latest q WHERE q.city = c.slug"
# What a missing ISPU waits for (only computed then): the air stations found silent in
# the newest window, and the hours of air data in the 24 h before the newest seen.
_AIR_IDS = "SELECT sensor_id FROM v_sensor WHERE city = c.slug AND domain = 'air' AND active"
_SILENT_STATIONS = (
    f"SELECT count(*) {_LATEST} AND q.code = 'silent' AND q.value = 1 "
    f"AND q.sensor_id IN ({_AIR_IDS})"
)
_HOURS_SEEN = (
    f"SELECT count(DISTINCT h.ts) FROM v_air_1h h WHERE h.sensor_id IN ({_AIR_IDS}) "
    "AND h.ts > (SELECT max(sh.last_ts) FROM v_sensor_health sh WHERE sh.city = c.slug "
    "AND sh.domain = 'air') - interval '24 hours'"
)

CITY_SQL = f"""
WITH recent AS (SELECT city, count(*) AS n FROM ({_RECENT_READINGS}) r GROUP BY city)
SELECT c.slug, c.name, ispu.category, ispu.value, (ispu.detail ->> 'hours')::int,
       EXISTS (SELECT {_LATEST}),
       (SELECT count(*) FROM ({_AIR_IDS}) a),
       CASE WHEN ispu.value IS NULL THEN ({_SILENT_STATIONS}) END,
       CASE WHEN ispu.value IS NULL THEN ({_HOURS_SEEN}) END,
       green.value, green.coverage, safety.value, safety.coverage,
       (SELECT count(*) FROM v_alert_open a WHERE a.city = c.slug),
       (SELECT count(*) FROM v_alert_open a WHERE a.city = c.slug AND a.severity = 'critical'),
       (SELECT count(*) FROM v_dead_letter dl
         WHERE dl.city = c.slug AND dl.received_at > now() - interval '{RATE_WINDOW_S} s'),
       coalesce(recent.n, 0)
  FROM v_city c
  LEFT JOIN recent ON recent.city = c.slug
  LEFT JOIN v_indicator_latest ispu ON ispu.city = c.slug AND ispu.district IS NULL
        AND ispu.sensor_id IS NULL AND ispu.code = 'ispu'
  LEFT JOIN v_indicator_latest green ON green.city = c.slug AND green.district IS NULL
        AND green.sensor_id IS NULL AND green.code = 'green_city_index'
  LEFT JOIN v_indicator_latest safety ON safety.city = c.slug AND safety.district IS NULL
        AND safety.sensor_id IS NULL AND safety.code = 'safety_index'
 ORDER BY c.name
"""

PIPELINE_SQL = f"""
SELECT coalesce(sum(air + traffic + waste), 0), coalesce(sum(letters), 0),
       (SELECT coalesce(sum(lag), 0) FROM (
            SELECT DISTINCT ON (consumer) lag FROM v_pipeline_batch
             WHERE ts > now() - interval '5 min' ORDER BY consumer, ts DESC) newest),
       (SELECT extract(epoch FROM now() - max(ts)) FROM v_pipeline_batch
         WHERE ts > now() - interval '1 day')
  FROM v_pipeline_batch
 WHERE ts > now() - interval '{RATE_WINDOW_S} s'
"""


def _city(row: tuple[Any, ...]) -> CityRow:
    (slug, name, category, value, hours, computed, stations, silent, seen, *rest) = row
    green, gcov, safety, scov, alerts, critical, letters, readings = rest
    ispu = Ispu(category, _f(value), hours, bool(computed), int(stations), int(silent or 0), seen)
    return CityRow(
        slug,
        name,
        ispu,
        _f(green),
        _f(gcov),
        _f(safety),
        _f(scov),
        int(alerts),
        int(critical),
        int(letters) / RATE_WINDOW_S,
        int(readings) / RATE_WINDOW_S,
    )


def read_snapshot(conn: Any) -> Snapshot:
    """One frame, read in one transaction: one ``now()`` and one snapshot for every
    figure, so the cities' readings/s add up to the pipeline's."""
    with conn.transaction():
        cities = [_city(row) for row in conn.execute(CITY_SQL).fetchall()]
        readings, letters, lag, age = conn.execute(PIPELINE_SQL).fetchone()
        (now,) = conn.execute("SELECT to_char(now(), 'YYYY-MM-DD HH24:MI:SS TZ')").fetchone()
    pipeline = Pipeline(
        int(readings) / RATE_WINDOW_S, int(letters) / RATE_WINDOW_S, int(lag), _f(age)
    )
    return Snapshot(cities, pipeline, now)


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def frame_connection(conninfo: str) -> Any:
    """Autocommit between frames; each frame one repeatable-read, read-only transaction."""
    import psycopg

    conn = psycopg.connect(conninfo, autocommit=True)
    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    return conn


def _connect(conninfo: str, where: str) -> Any:
    import psycopg

    try:
        return frame_connection(conninfo)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserFacingError(f"cannot reach the database at {where}: {first}") from None


def run(args: argparse.Namespace) -> int:
    import psycopg
    from rich.console import Console
    from rich.live import Live

    from kotacerdas.settings import ReaderDatabaseSettings

    settings = ReaderDatabaseSettings()
    where = f"{settings.host}:{settings.port} as {settings.user}"
    console = Console(width=None if Console().is_terminal else 160)
    conn = _connect(settings.conninfo(), where)
    try:
        snapshot = read_snapshot(conn)
        if args.once:
            console.print(render(snapshot))
            return 0
        with Live(render(snapshot), console=console, auto_refresh=False) as live:
            while True:
                time.sleep(args.interval)
                try:
                    snapshot = read_snapshot(conn)
                    live.update(render(snapshot), refresh=True)
                except psycopg.OperationalError as exc:
                    live.update(render(snapshot, f"database unreachable: {exc}"), refresh=True)
                    conn.close()
                    conn = _reconnect(settings.conninfo(), conn)
    finally:
        conn.close()


def _reconnect(conninfo: str, old: Any) -> Any:
    import psycopg

    try:
        return frame_connection(conninfo)
    except psycopg.OperationalError:
        return old  # keep the closed one; the next tick tries again


def _interval(text: str) -> float:
    value = float(text)
    if value < MIN_INTERVAL_S:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_INTERVAL_S} s")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    top = subparsers.add_parser(
        "top",
        help="live per-city view in the terminal (ISPU, indices, alerts, throughput)",
        description="Reads the views as kota_reader (KOTA_READER_DB_*). Ctrl-C to quit.",
    )
    top.add_argument("--once", action="store_true", help="print one frame and exit")
    top.add_argument(
        "--interval", type=_interval, default=2.0, help="seconds between refreshes (default 2)"
    )
    top.set_defaults(handler=run)
