"""Benchmark: export one city-year for 1 000 sensors (issue 8, criterion 6: < 60 s).

1. Start a private PostgreSQL on a free loopback port in a temporary state folder (the
   local stack's own code; never the developer's ``.kota`` stack), migrate it and load
   the registry scaled so Jakarta has 1 000 sensors (210 air, 160 traffic, 630 waste).
2. Fill one local year (2025, Asia/Jakarta, plus the 23-h look-back) of **hourly**
   rollups for those sensors with ``generate_series`` (8.76 M rows), the daily rollups
   derived from them, a year of city-scope live index rows and some alerts.
3. Time ``kotacerdas export`` for the city-year (all four formats) through the reader
   role, twice; record the phases and the peak memory.
4. Scan rate of the 1-minute grain: fill one day of 1-minute rollups for the same
   sensors and time a full aggregate over them; extrapolate to a year. The export reads
   the hourly grain (see ``kotacerdas.export.queries``): every figure it publishes is an
   hourly or daily statistic, and hourly buckets are exact merges of the minute buckets
   (mean = Σ mean·n / Σ n), so reading 60× more rows would change no number.
5. Stop PostgreSQL by its data directory (pg_ctl, i.e. by the postmaster's PID file),
   delete the state folder; write ``bench/results/export.json`` and ``export.md``.

Run: ``python bench/bench_export.py [--sensors 1000] [--keep]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from psycopg.conninfo import make_conninfo  # noqa: E402

from aggregator.migrate import apply  # noqa: E402
from kotacerdas.export import datafiles, files, runner, window  # noqa: E402
from kotacerdas.registry import load_registry  # noqa: E402
from kotacerdas.registry_store import load_into_database  # noqa: E402
from kotacerdas.stack.manager import LocalStack, _write_private  # noqa: E402
from kotacerdas.stack.prereq import find_tools  # noqa: E402
from kotacerdas.stack.procs import free_port  # noqa: E402
from kotacerdas.stack.settings import StackSettings  # noqa: E402

RESULTS = ROOT / "bench" / "results"
CITY, TIMEZONE, PERIOD = "jakarta", "Asia/Jakarta", "2025"
FIRST_HOUR = "2024-12-31 17:00+00"  # local 2025-01-01 00:00 WIB
LOOKBACK_HOUR = "2024-12-30 18:00+00"  # 23 h earlier, for the 24-h rolling means
LAST_HOUR = "2025-12-31 16:00+00"  # last bucket of local 2025

FILL_AIR = f"""
INSERT INTO air_rollup_1h (sensor_id, ts, city, samples, pm25_avg, pm25_min, pm25_max, pm25_n,
    pm10_avg, pm10_n, no2_avg, no2_n, so2_avg, so2_n, o3_avg, o3_n, co_avg, co_n,
    noise_avg, noise_n)
SELECT s.sensor_id, t, s.city, 58,
       v.pm25, v.pm25 * 0.6, v.pm25 * 1.5, 58, v.pm25 * 1.7, 58, 25 + 20 * v.peak, 58,
       9 + 2 * random(), 58, 40 + 50 * v.day, 58, 700 + 600 * v.peak, 58,
       50 + 15 * v.day + 3 * random(), 58
  FROM sensor s
  CROSS JOIN generate_series('{LOOKBACK_HOUR}'::timestamptz, '{LAST_HOUR}', '1 hour') AS t
  CROSS JOIN LATERAL (SELECT
      extract(hour FROM t AT TIME ZONE 'Asia/Jakarta') AS h) AS lh
  CROSS JOIN LATERAL (SELECT
      CASE WHEN lh.h IN (6, 7, 8, 17, 18, 19) THEN 1.0 ELSE 0.0 END AS peak,
      CASE WHEN lh.h BETWEEN 9 AND 16 THEN 1.0 ELSE 0.0 END AS day,
      greatest(2.0, 18 + 25 * (CASE WHEN lh.h IN (6, 7, 8, 17, 18, 19) THEN 1 ELSE 0 END)
                  + 12 * random() + 8 * sin(extract(doy FROM t) / 58.0)) AS pm25) AS v
 WHERE s.city = %(city)s AND s.domain = 'air'
"""
FILL_TRAFFIC = f"""
INSERT INTO traffic_rollup_1h (sensor_id, ts, city, samples, vehicle_count_avg,
    vehicle_count_n, avg_speed_kmh_avg, avg_speed_kmh_n, speeding_count_avg, speeding_count_n,
    vehicle_count_sum, speeding_count_sum, observed_s)
SELECT s.sensor_id, t, s.city, 59, v.flow / 60, 59, v.speed, 59, v.fast / 60, 59,
       v.flow * 59 / 60, v.fast * 59 / 60, 59 * 60
  FROM sensor s
  CROSS JOIN generate_series('{FIRST_HOUR}'::timestamptz, '{LAST_HOUR}', '1 hour') AS t
  CROSS JOIN LATERAL (SELECT extract(hour FROM t AT TIME ZONE 'Asia/Jakarta') AS h) AS lh
  CROSS JOIN LATERAL (SELECT
      round(s.capacity_pcu_h * (CASE WHEN lh.h IN (7, 8, 17, 18) THEN 1.05
                                     WHEN lh.h BETWEEN 6 AND 21 THEN 0.65 ELSE 0.2 END)
            * (0.85 + 0.3 * random())) AS flow,
      s.free_flow_kmh * (CASE WHEN lh.h IN (7, 8, 17, 18) THEN 0.35
                              WHEN lh.h BETWEEN 6 AND 21 THEN 0.7 ELSE 0.95 END)
            * (0.9 + 0.2 * random()) AS speed,
      round(30 * random()) AS fast) AS v
 WHERE s.city = %(city)s AND s.domain = 'traffic'
"""
FILL_WASTE = f"""
INSERT INTO waste_rollup_1h (sensor_id, ts, city, samples, fill_level_avg, fill_level_min,
    fill_level_max, fill_level_n, temperature_avg, temperature_max, temperature_n)
SELECT s.sensor_id, t, s.city, 12, v.fill, v.fill, least(100, v.fill + 1.5), 12,
       31 + 4 * random(), 33 + 6 * random(), 12
  FROM sensor s
  CROSS JOIN generate_series('{FIRST_HOUR}'::timestamptz, '{LAST_HOUR}', '1 hour') AS t
  CROSS JOIN LATERAL (SELECT
      ((extract(epoch FROM t) / 3600 + abs(hashtext(s.sensor_id)) %% 97)
        %% (70 + abs(hashtext(s.sensor_id)) %% 60)) * 1.4 AS fill) AS v
 WHERE s.city = %(city)s AND s.domain = 'waste'
"""
DAILY = """
INSERT INTO {domain}_rollup_1d (sensor_id, ts, city, samples)
SELECT sensor_id, date_trunc('day', ts), min(city), sum(samples)::int
  FROM {domain}_rollup_1h WHERE city = %(city)s GROUP BY 1, 2
"""
LIVE_INDEX = f"""
INSERT INTO indicator (city, code, ts, window_s, value, coverage)
SELECT %(city)s, c, t, 300, 45 + 20 * random(), 0.9
  FROM unnest(ARRAY['green_city_index', 'safety_index']) AS c
  CROSS JOIN generate_series('{FIRST_HOUR}'::timestamptz, '{LAST_HOUR}', '5 minutes') AS t
"""
ALERTS = f"""
INSERT INTO alert (rule, kind, severity, city, sensor_id, place_key, state, opened_at,
    last_seen_at, closed_at, close_reason, value, message)
SELECT 'overflow', 'overflow', 'warning', %(city)s, 'bench', 'bench-' || i, 'closed', t, t,
       t + (20 + i %% 200) * interval '1 minute', 'cleared', 95, 'bench alert'
  FROM generate_series(1, 3000) AS i,
       LATERAL (SELECT '{FIRST_HOUR}'::timestamptz + i * interval '175 minutes' AS t) AS x
"""
MINUTE_DAY = """
INSERT INTO {domain}_rollup_1m (sensor_id, ts, city, samples{cols})
SELECT s.sensor_id, t, s.city, 1{vals}
  FROM sensor s CROSS JOIN generate_series('2025-06-01 00:00+00'::timestamptz,
                                           '2025-06-01 23:59+00', '1 minute') AS t
 WHERE s.city = %(city)s AND s.domain = '{domain}'
"""
MINUTE_COLUMNS = {
    "air": (", pm25_avg, pm25_n, pm10_avg, pm10_n", ", 20 + 10 * random(), 1, 40, 1"),
    "traffic": (", vehicle_count_sum, observed_s, avg_speed_kmh_avg, avg_speed_kmh_n",
                ", 20, 60, 35, 1"),
    "waste": (", fill_level_avg, fill_level_max, fill_level_n", ", 50, 51, 1"),
}  # fmt: skip
MINUTE_SCAN = """
SELECT sensor_id, count(*), sum(samples) FROM v_{domain}_1m
 WHERE city = %(city)s AND ts >= '2025-06-01' AND ts < '2025-06-02' GROUP BY sensor_id
"""


def start_postgres(state: Path) -> tuple[LocalStack, dict[str, str], int]:
    port = free_port()
    settings = StackSettings(
        state_dir=state, pg_port=port, mqtt_port=free_port(), kafka_port=free_port(),
        kafka_controller_port=free_port(),
    )  # fmt: skip
    stack = LocalStack(settings)
    env = stack.environment()
    _write_private(stack.env_file, env)
    stack._up_postgres(find_tools(install=False), env, print)  # PostgreSQL only, no broker
    return stack, env, port


def conninfo(env: dict[str, str], port: int, role: str) -> str:
    prefix = {"writer": "KOTA_DB_", "reader": "KOTA_READER_DB_", "owner": "KOTA_OWNER_DB_"}[role]
    return make_conninfo(
        host="127.0.0.1", port=port, dbname="kota", user=f"kota_{role}",
        password=env[f"{prefix}PASSWORD"], sslmode="disable",
    )  # fmt: skip


def fill(writer: str, owner: str, say: Any) -> dict[str, float]:
    timings: dict[str, float] = {}
    with psycopg.connect(writer, autocommit=True) as conn:
        for table in ("air", "traffic", "waste"):
            for grain in ("1h", "1d", "1m"):
                conn.execute(
                    "SELECT kota_ensure_partitions(%s::regclass, '2024-12-29', '2026-01-01')",
                    (f"{table}_rollup_{grain}",),
                )
        conn.execute("SELECT kota_ensure_partitions('indicator', '2024-12-29', '2026-01-01')")
        params = {"city": CITY}
        for name, sql in (("air_1h", FILL_AIR), ("traffic_1h", FILL_TRAFFIC),
                          ("waste_1h", FILL_WASTE), ("live_index", LIVE_INDEX),
                          ("alerts", ALERTS)):  # fmt: skip
            started = time.perf_counter()
            rows = conn.execute(sql, params).rowcount
            timings[name] = round(time.perf_counter() - started, 1)
            say(f"  {name}: {rows} rows in {timings[name]} s")
        for domain in ("air", "traffic", "waste"):
            conn.execute(DAILY.format(domain=domain), params)
            cols, vals = MINUTE_COLUMNS[domain]
            conn.execute(MINUTE_DAY.format(domain=domain, cols=cols, vals=vals), params)
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return timings


def export_once(reader: str, out: Path) -> dict[str, Any]:
    """The exporter's own path (runner.build: streamed read + tallies, then the document)."""
    rubric, denominators = datafiles.load_rubric(), datafiles.load_denominators()
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    document = runner.build(reader, CITY, TIMEZONE, window.parse(PERIOD), rubric, denominators)
    t1 = time.perf_counter()
    rendered = files.render(document, files.FORMATS)
    t2 = time.perf_counter()
    for name, data in rendered.items():
        files.write_atomic(out / name, data)
    t3 = time.perf_counter()
    cpu = time.process_time() - cpu0
    queries = document["provenance"]["queries"]
    buckets = {q["name"]: q["rollup_rows"] for q in queries if q["rollup_rows"]}
    return {
        "seconds_total": round(t3 - t0, 2),
        "python_cpu_seconds": round(cpu, 2),
        "load_average_1min_before": round(load, 2),
        "seconds_read_and_compute": round(t1 - t0, 2),
        "seconds_render": round(t2 - t1, 2),
        "seconds_write": round(t3 - t2, 2),
        "hourly_rollup_rows_read": sum(v for k, v in buckets.items() if k.endswith("_hourly")),
        "rollup_rows_by_query": buckets,
        "file_bytes": {name: len(data) for name, data in rendered.items()},
        "inputs_sha256": document["provenance"]["inputs_sha256"],
    }


def minute_scan(reader: str) -> dict[str, Any]:
    rows, started = 0, time.perf_counter()
    with psycopg.connect(reader) as conn:
        for domain in ("air", "traffic", "waste"):
            rows += sum(
                r[1] for r in conn.execute(MINUTE_SCAN.format(domain=domain), {"city": CITY})
            )
    seconds = time.perf_counter() - started
    return {
        "one_day_rows": rows,
        "one_day_seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "year_rows_extrapolated": rows * 365,
        "year_scan_seconds_extrapolated": round(seconds * 365, 1),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sensors", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the database running")
    parser.add_argument(
        "--report", type=Path, help="copy the exported files and a screenshot of the HTML here"
    )
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="kota-bench-export-"))
    state.chmod(0o755)
    stack, env, port = start_postgres(state)
    try:
        owner, writer, reader = (conninfo(env, port, r) for r in ("owner", "writer", "reader"))
        apply(owner)
        base = len(load_registry().city_sensors(CITY))  # 200 at scale 1
        registry = load_registry(scale=args.sensors / base)
        load_into_database(registry, writer)
        fleet = registry.city_sensors(CITY)
        print(f"registry: {len(fleet)} {CITY} sensors (scale {args.sensors / base:g})")
        started = time.perf_counter()
        fill_timings = fill(writer, owner, print)
        fill_seconds = round(time.perf_counter() - started, 1)
        out = state / "out"
        runs = []
        for attempt in range(2):
            run = export_once(reader, out)
            print(f"export run {attempt + 1}: {run['seconds_total']} s "
                  f"(read + compute {run['seconds_read_and_compute']}, "
                  f"render {run['seconds_render']}, write {run['seconds_write']})")  # fmt: skip
            runs.append(run)
        minute = minute_scan(reader)
        if args.report:
            _copy_report(out, args.report)
        result = {
            "benchmark": "kotacerdas export: one city-year, all formats, reader role",
            "city": CITY, "period": PERIOD, "timezone": TIMEZONE,
            "sensors": {d: len(registry.city_sensors(CITY, d)) for d in ("air", "traffic", "waste")},
            "grain_read": "1h (v_air_1h, v_traffic_1h, v_waste_1h)",
            "fill_seconds": fill_seconds, "fill_timings": fill_timings,
            "runs": runs,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "minute_grain": minute,
            "limit_seconds": 60,
            "python": platform.python_version(), "postgresql": _pg_version(reader),
            "cpus": os.cpu_count(), "machine": platform.machine(),
            "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }  # fmt: skip
        _write(result)
        return 0 if max(r["seconds_total"] for r in runs) < 60 else 1
    finally:
        if not args.keep:
            stack.stop("postgresql", print)
            shutil.rmtree(state, ignore_errors=True)
        else:
            print(f"kept: {state} (stop: pg_ctl -D {state}/postgres/data stop)")


def _copy_report(out: Path, target: Path) -> None:
    from kotacerdas.export import browser

    target.mkdir(parents=True, exist_ok=True)
    for path in out.iterdir():
        shutil.copy2(path, target / path.name)
    html = target / files.file_name(CITY, PERIOD, "html")
    page = browser.inspect(html, html.with_suffix(".png"), pdf=html.with_suffix(".pdf"))
    print(f"report: {html} · screenshot {page.png} ({page.height} px, {page.pdf_pages} PDF pages,"
          f" console errors: {len(page.console_errors)})")  # fmt: skip


def _pg_version(reader: str) -> str:
    with psycopg.connect(reader) as conn:
        return str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]


def _write(result: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "export.json").write_text(json.dumps(result, indent=2) + "\n")
    best = min(result["runs"], key=lambda r: r["seconds_total"])
    worst = max(result["runs"], key=lambda r: r["seconds_total"])
    minute = result["minute_grain"]
    sensors = result["sensors"]
    lines = [
        "# Export benchmark (issue 8): one city-year, 1 000 sensors",
        "",
        f"City {result['city']}, period {result['period']} ({result['timezone']}), "
        f"{sum(sensors.values())} sensors ({sensors['air']} air, {sensors['traffic']} traffic, "
        f"{sensors['waste']} waste); all four formats written; reader role; "
        f"{result['cpus']} CPUs, Python {result['python']}, PostgreSQL {result['postgresql']}.",
        "",
        "| run | total s | read + compute s | render s | write s | exporter CPU s | "
        "load avg before | hourly rows read |",
        "|---|---|---|---|---|---|---|---|",
        *(f"| {i + 1} | {r['seconds_total']} | {r['seconds_read_and_compute']} | "
          f"{r['seconds_render']} | {r['seconds_write']} | {r['python_cpu_seconds']} | "
          f"{r['load_average_1min_before']} | {r['hourly_rollup_rows_read']:,} |"
          for i, r in enumerate(result["runs"])),
        "",
        f"**Result: {worst['seconds_total']} s worst, {best['seconds_total']} s best — "
        f"limit 60 s.** Peak RSS {result['peak_rss_mb']} MB.",
        "",
        "## Which grain is read, and why",
        "",
        "The export reads the **hourly** rollups. Every published figure is an hourly or "
        "daily statistic (daily means, 24-h rolling means, LOS per segment-hour, overflow "
        "hours), and an hourly bucket is the exact merge of its minute buckets (mean = "
        "Σ mean·n / Σ n, min of mins, max of maxes, sums of counts), so reading the "
        "1-minute grain would change no number while reading 60× more rows. Daily rollups "
        "are cut at UTC midnight and would split local days (WIB is UTC+7).",
        "",
        f"1-minute grain, measured on one day of it: {minute['one_day_rows']:,} rows scanned "
        f"in {minute['one_day_seconds']} s ({minute['rows_per_s']:,} rows/s) → a year is "
        f"{minute['year_rows_extrapolated']:,} rows, ≈ {minute['year_scan_seconds_extrapolated']} s "
        "of scanning alone, before any computation.",
        "",
        f"Data generation (not timed as export): {result['fill_seconds']} s for the hourly and "
        "daily rollups, a year of live index rows and 3 000 alerts.",
        "",
        "Run: `.venv/bin/python bench/bench_export.py` (starts and stops its own PostgreSQL).",
    ]  # fmt: skip
    (RESULTS / "export.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
