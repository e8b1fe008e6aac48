"""Read API benchmark: requests/s and p50/p99 latency with wrk on loopback, beside the floor.

Two resources, on a private stack (plain PostgreSQL), the API as its own process
(`kotacerdas api`, one uvicorn worker) and ``wrk`` (Debian) as the load generator:

- latest indicators of a city (``/v1/cities/jakarta/indicators/latest``), with the
  latest values of every station, district and the city seeded (~300 rows);
- a 30-day hourly series of one station (ISPU: 8 640 five-minute windows → 720 hourly
  buckets, ``aggrMethods=avg,max&aggrPeriodDuration=PT1H``, one page of 1000).

The floor is a bare ``SELECT`` of the same rows (the SQL the API runs), measured the
same way: ``pgbench`` with a custom script, same connection count as wrk's, prepared
statements, against the same database. Ratios are API / floor of the same run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from harness import machine, private_stack, write_results

from aggregator.migrate import apply
from kotacerdas.api import queries as q
from kotacerdas.registry import load_registry
from kotacerdas.registry_store import load_into_database
from kotacerdas.settings import DatabaseSettings, OwnerDatabaseSettings, ReaderDatabaseSettings
from kotacerdas.stack.procs import free_port

CITY, DAYS = "jakarta", 30


def seed(env: dict[str, str]) -> tuple[str, str, datetime, datetime]:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(days=DAYS)
    with psycopg.connect(OwnerDatabaseSettings().conninfo(), autocommit=True) as conn:
        if conn.execute("SELECT to_regproc('kota_ensure_partitions')").fetchone()[0]:
            conn.execute("SELECT kota_ensure_partitions('indicator', %s::date, %s::date)",
                         (start.date() - timedelta(days=1), now.date() + timedelta(days=2)))  # fmt: skip
    with psycopg.connect(DatabaseSettings().conninfo()) as conn:
        sensors = conn.execute(
            "SELECT sensor_id, district, domain FROM sensor WHERE city = %s", (CITY,)
        ).fetchall()
        codes = {"air": ("ispu", "aqi_pm25_nowcast", "who_pm25_exceed_h"),
                 "traffic": ("los", "congestion_level"), "waste": ("fill_level",)}  # fmt: skip
        rows = [(CITY, d, s, c, now, 50.0) for s, d, dom in sensors for c in codes.get(dom, ())]
        districts = {d for _, d, _ in sensors}
        rows += [(CITY, d, "", c, now, 60.0) for d in districts
                 for c in ("ispu", "green_city_index", "safety_index")]  # fmt: skip
        rows += [(CITY, "", "", c, now, 70.0) for c in ("ispu", "green_city_index",
                                                        "safety_index")]  # fmt: skip
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO indicator_latest (city, district, sensor_id, code, ts, window_s, "
                "value, coverage) VALUES (%s, %s, %s, %s, %s, 300, %s, 1) ON CONFLICT DO NOTHING",
                rows,
            )
        station, district = next((s, d) for s, d, dom in sensors if dom == "air")
        with conn.cursor().copy(
            "COPY indicator (city, district, sensor_id, code, ts, window_s, value, category, "
            "coverage) FROM STDIN"
        ) as copy:
            for i in range(DAYS * 24 * 12):
                copy.write_row((CITY, district, station, "ispu", start + timedelta(minutes=5 * i),
                                300, 40.0 + (i % 97), "baik", 1.0))  # fmt: skip
    with psycopg.connect(OwnerDatabaseSettings().conninfo(), autocommit=True) as conn:
        conn.execute("ANALYZE indicator")
        conn.execute("ANALYZE indicator_latest")
    return station, district, start, now


def wrk(url: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(label: str) -> float:
        value, unit = re.search(rf"\s{label}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50_ms": pct("50"), "p99_ms": pct("99"),
            "non_2xx": int(errors.group(1)) if errors else 0}  # fmt: skip


def pgbench(sql: str, params: dict[str, Any], seconds: int, clients: int) -> dict[str, float]:
    """The floor: the same statement, literal values, through pgbench (prepared)."""
    literal = sql
    with psycopg.connect(ReaderDatabaseSettings().conninfo()) as conn:
        for name, value in params.items():
            quoted = psycopg.sql.Literal(value).as_string(conn)
            literal = literal.replace(f"%({name})s", quoted)
    reader = ReaderDatabaseSettings()
    with tempfile.TemporaryDirectory() as tmp:
        script, log = Path(tmp) / "q.sql", Path(tmp) / "log"
        script.write_text(literal + ";\n")
        tool = shutil.which("pgbench") or str(
            next(Path("/usr/lib/postgresql").glob("*/bin/pgbench"))
        )
        env = {**os.environ, "PGPASSWORD": reader.password.get_secret_value()}
        subprocess.run(
            [tool, "-n", "-M", "prepared", "-f", str(script), "-c", str(clients), "-j", "2",
             "-T", str(seconds), "-l", "--log-prefix", str(log), "-h", reader.host,
             "-p", str(reader.port), "-U", reader.user, reader.name],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        latencies = sorted(
            int(line.split()[2]) / 1000.0 for f in Path(tmp).glob("log*") for line in f.open()
        )
    n = len(latencies)
    return {"rps": n / seconds, "p50_ms": latencies[n // 2], "p99_ms": latencies[int(n * 0.99)]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    info = machine()
    with private_stack(db_backend="postgres") as env:
        os.environ.update(env)
        os.environ["KOTA_ENV"] = "test"
        apply(OwnerDatabaseSettings().conninfo())
        load_into_database(load_registry(), DatabaseSettings().conninfo())
        station, district, start, end = seed(env)
        port = free_port()
        api = subprocess.Popen(
            [sys.executable, "-m", "kotacerdas.cli", "api"],
            env={**os.environ, "KOTA_API_PORT": str(port), "KOTA_API_RATE_PER_S": "100000",
                 "KOTA_API_RATE_BURST": "1000000", "KOTA_API_LOG_LEVEL": "warning"},
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            stamp = lambda t: t.isoformat().replace("+00:00", "Z")  # noqa: E731
            series_url = (
                f"{base}/v1/cities/{CITY}/indicators/ispu/series?district={district}"
                f"&sensor={station}&from={stamp(start)}&to={stamp(end)}"
                "&aggrMethods=avg,max&aggrPeriodDuration=PT1H"
            )
            body = httpx.get(series_url).json()
            assert len(body["data"]) == DAYS * 24, len(body["data"])
            latest_url = f"{base}/v1/cities/{CITY}/indicators/latest"
            latest_rows = len(httpx.get(latest_url).json()["data"])
            spec = q.SeriesSpec(CITY, "ispu", start, end, district, station, ("avg", "max"),
                                timedelta(hours=1))  # fmt: skip
            floors = {
                "latest": q.latest_indicators(CITY, 501),
                "series_30d_hourly": q.series(spec, 1001),
            }
            urls = {"latest": latest_url, "series_30d_hourly": series_url}
            results: dict[str, Any] = {}
            for name, url in urls.items():
                print(f"[api] {name} ...", file=sys.stderr)
                ours = wrk(url, args.seconds, args.connections)
                floor = pgbench(floors[name].sql, floors[name].params, args.seconds,
                                args.connections)  # fmt: skip
                results[name] = {"api": ours, "floor_select": floor,
                                 "ratio_rps": ours["rps"] / floor["rps"]}  # fmt: skip
        finally:
            api.terminate()
            api.wait(30)
    table = [["resource", "API req/s", "API p50 ms", "API p99 ms", "bare SELECT q/s",
              "SELECT p50 ms", "SELECT p99 ms", "API / floor"]]  # fmt: skip
    for name, r in results.items():
        a, f = r["api"], r["floor_select"]
        table.append([name, f"{a['rps']:.0f}", f"{a['p50_ms']:.2f}", f"{a['p99_ms']:.2f}",
                      f"{f['rps']:.0f}", f"{f['p50_ms']:.2f}", f"{f['p99_ms']:.2f}",
                      f"{r['ratio_rps']:.2f}×"])  # fmt: skip
    notes = [
        f"wrk -t2 -c{args.connections} -d{args.seconds}s on loopback against one "
        "`kotacerdas api` process (uvicorn, one worker; sync routes in its thread pool, "
        "pool of 8 kota_reader connections); the floor is pgbench running the same SQL "
        f"with -c{args.connections} -M prepared on the same database, same run.",
        f"latest: {latest_rows} rows of v_indicator_latest for {CITY}; series: {DAYS} days "
        f"of 5-minute ISPU windows of {station} bucketed by hour (avg, max) = 720 rows.",
        "Plain PostgreSQL backend; load generator, API and database share the 2 CPUs.",
    ]
    write_results("api", {"machine": info, "resources": results}, table, notes)


if __name__ == "__main__":
    main()
