"""`kotacerdas top`: the operations centre at a glance in a terminal (works over SSH).

One row per city: ISPU category now (worst station), green-city and safety index with
coverage, open alerts, readings and dead letters per second; a last row for the shared
pipeline (stored readings/s, dead letters/s, consumer lag, age of the newest batch).
Reads only the views, as ``kota_reader`` (``KOTA_READER_DB_*``). ``--once`` prints one
frame and exits (scripts, tests); otherwise a rich ``Live`` table refreshes every
``--interval`` seconds until Ctrl-C.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from typing import Any

from kotacerdas.errors import UserFacingError

# Rates are averaged over this window: long enough to smooth batch bursts, short enough
# to show a stall within one refresh.
RATE_WINDOW_S = 10
MIN_INTERVAL_S = 0.5

_RECENT = f"r.ingested_at > now() - interval '{RATE_WINDOW_S} s'"
# Readings stored in the rate window, per city, from the raw views. The ts bound lets
# TimescaleDB (ts-indexed chunks) and the daily partitions skip old data.
_RECENT_READINGS = " UNION ALL ".join(
    f"SELECT 1 FROM v_{domain}_reading r WHERE r.city = c.slug "
    f"AND r.ts > now() - interval '15 min' AND {_RECENT}"
    for domain in ("air", "traffic", "waste")
)

CITY_SQL = f"""
SELECT c.slug, c.name, ispu.category, ispu.value,
       green.value, green.coverage, safety.value, safety.coverage,
       (SELECT count(*) FROM v_alert_open a WHERE a.city = c.slug),
       (SELECT count(*) FROM v_alert_open a WHERE a.city = c.slug AND a.severity = 'critical'),
       (SELECT count(*) FROM v_dead_letter dl
         WHERE dl.city = c.slug AND dl.received_at > now() - interval '{RATE_WINDOW_S} s'),
       (SELECT count(*) FROM ({_RECENT_READINGS}) recent)
  FROM v_city c
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

# ISPU category → (bilingual label, terminal style); colours of Permen LHK P.14/2020.
ISPU_STYLE = {
    "baik": ("Baik / Good", "bold green"),
    "sedang": ("Sedang / Moderate", "bold blue"),
    "tidak_sehat": ("Tidak sehat / Unhealthy", "bold yellow"),
    "sangat_tidak_sehat": ("Sangat tidak sehat / Very unhealthy", "bold red"),
    "berbahaya": ("Berbahaya / Hazardous", "bold white on black"),
}


@dataclass(frozen=True)
class CityRow:
    slug: str
    name: str
    ispu_category: str | None
    ispu: float | None
    green: float | None
    green_coverage: float | None
    safety: float | None
    safety_coverage: float | None
    open_alerts: int
    critical_alerts: int
    letters_per_s: float
    readings_per_s: float


@dataclass(frozen=True)
class Pipeline:
    readings_per_s: float
    letters_per_s: float
    lag: int
    last_batch_age_s: float | None


@dataclass(frozen=True)
class Snapshot:
    cities: list[CityRow]
    pipeline: Pipeline
    taken_at: str


def read_snapshot(conn: Any) -> Snapshot:
    cities = [
        CityRow(
            slug,
            name,
            category,
            _f(ispu),
            _f(green),
            _f(gcov),
            _f(safety),
            _f(scov),
            int(alerts),
            int(critical),
            int(letters) / RATE_WINDOW_S,
            int(readings) / RATE_WINDOW_S,
        )
        for (
            slug,
            name,
            category,
            ispu,
            green,
            gcov,
            safety,
            scov,
            alerts,
            critical,
            letters,
            readings,
        ) in conn.execute(CITY_SQL).fetchall()
    ]
    readings, letters, lag, age = conn.execute(PIPELINE_SQL).fetchone()
    (now,) = conn.execute("SELECT to_char(now(), 'YYYY-MM-DD HH24:MI:SS TZ')").fetchone()
    pipeline = Pipeline(
        int(readings) / RATE_WINDOW_S, int(letters) / RATE_WINDOW_S, int(lag), _f(age)
    )
    return Snapshot(cities, pipeline, now)


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def _index(value: float | None, coverage: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" + (f" ({coverage:.0%})" if coverage is not None else "")


def render(snapshot: Snapshot, error: str | None = None) -> Any:
    """The frame: a rich Table (pure; no I/O)."""
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=f"kotacerdas — {snapshot.taken_at}",
        title_justify="left",
        caption_style="bold red" if error else "dim",
    )
    for header, justify in (
        ("Kota / City", "left"),
        ("ISPU sekarang / now", "left"),
        ("Hijau / Green (cakupan)", "right"),
        ("Aman / Safety (cakupan)", "right"),
        ("Peringatan / Alerts (kritis)", "right"),
        ("Baca/s / Readings/s", "right"),
        ("Surat mati/s / Dead letters/s", "right"),
        ("Lag", "right"),
    ):
        wrap = not header.startswith(("ISPU", "Kota"))
        table.add_column(header, justify=justify, no_wrap=not wrap)  # type: ignore[arg-type]
    table.caption = error or (
        "cakupan / coverage = share of the city the sensors saw; "
        f"rates over the last {RATE_WINDOW_S} s"
    )
    for city in snapshot.cities:
        text, style = ISPU_STYLE.get(city.ispu_category or "", ("—", "dim"))
        ispu = Text(text + (f" {city.ispu:.0f}" if city.ispu is not None else ""), style=style)
        alerts = Text(
            f"{city.open_alerts} ({city.critical_alerts})",
            style="bold red" if city.critical_alerts else "",
        )
        table.add_row(
            city.name,
            ispu,
            _index(city.green, city.green_coverage),
            _index(city.safety, city.safety_coverage),
            alerts,
            f"{city.readings_per_s:.1f}",
            f"{city.letters_per_s:.1f}",
            "",
        )
    pipe = snapshot.pipeline
    age = "—" if pipe.last_batch_age_s is None else f"{pipe.last_batch_age_s:.0f} s"
    table.add_section()
    table.add_row(
        Text("Pipeline (semua / all)", style="bold"),
        f"batch terakhir / last {age}",
        "",
        "",
        "",
        f"{pipe.readings_per_s:.1f}",
        f"{pipe.letters_per_s:.1f}",
        str(pipe.lag),
    )
    return table


def _connect(conninfo: str, where: str) -> Any:
    import psycopg

    try:
        return psycopg.connect(conninfo, autocommit=True)
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
        return psycopg.connect(conninfo, autocommit=True)
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
