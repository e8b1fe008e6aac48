"""Benchmark: `kotacerdas import` of one year of hourly data for 20 stations (≈175 000
readings), beside the plain-COPY floor of the same rows, in one run on a private stack:

1. floor: the same rows COPY'd from CSV into the raw table (psql \\copy; no decoding, no
   Kafka, no dedup, no rollups), into partitions made beforehand;
2. ours: `kotacerdas import FILE` (native JSON lines) with `kotacerdas aggregate` running:
   every line decoded by the live decoder on the backfill path, sent to Kafka, stored by
   the aggregator (COPY → staging → ON CONFLICT, dirty windows); timed from the start of
   the import until every reading is in the raw table, and again until the 1 min/1 h/1 day
   rollups of the whole year have caught up. The indicator job is paused (a year of
   revised 5-minute windows is its own, much longer, job; README "Known gap").
The target (issue 21): ≤ 2 minutes for the readings to be stored.
Writes bench/results/import.{json,md}.
    .venv/bin/python bench/bench_import.py [--stations 20] [--days 365]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from harness import machine, poll_until, private_stack, write_results

from aggregator.migrate import apply
from kotacerdas.benchmark.floors import copy_floor, truncate_raw
from kotacerdas.contract import Reading, derive_msg_id
from kotacerdas.pipeline import Pipeline
from kotacerdas.registry import load_registry
from kotacerdas.registry_store import load_into_database
from kotacerdas.settings import DatabaseSettings, OwnerDatabaseSettings

RETENTION_DAYS = 400  # a year of history must be inside retention


def readings(stations: int, days: int) -> list[Reading]:
    sensors = [s for s in load_registry().sensors.values() if s.domain == "air"][:stations]
    end = (datetime.now(UTC) - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    out = []
    for h in range(days * 24):
        ts = start + timedelta(hours=h)
        for n, s in enumerate(sensors):
            metrics = {"pm25": 20.0 + (h + n) % 37, "pm10": 40.0 + (h * 3 + n) % 53}
            out.append(
                Reading(
                    msg_id=derive_msg_id(s.sensor_id, ts, None),
                    city=s.city,
                    domain="air",
                    sensor_id=s.sensor_id,
                    ts=ts,
                    metrics=metrics,
                    source_format="kota/v1",
                )
            )
    return out


def jsonl(rows: list[Reading], path: Path) -> None:
    with path.open("w") as out:
        for r in rows:
            body = {"v": 1, "sensor_id": r.sensor_id, "ts": r.ts.isoformat(), "metrics": r.metrics}
            out.write(json.dumps(body) + "\n")


def _scalar(query: str) -> float:
    with psycopg.connect(DatabaseSettings().conninfo(), autocommit=True) as conn:
        found = conn.execute(query).fetchone()
    return float(found[0] or 0) if found else 0.0


def _partitions(rows: list[Reading]) -> None:
    first, last = min(r.ts for r in rows).date(), max(r.ts for r in rows).date()
    with psycopg.connect(OwnerDatabaseSettings().conninfo(), autocommit=True) as conn:
        for table in ("air_reading", "air_rollup_1m", "air_rollup_1h", "air_rollup_1d"):
            conn.execute(
                "SELECT kota_ensure_partitions(%s::regclass, %s, %s)", (table, first, last)
            )


def ours(env: dict[str, str], path: Path, count: int, log_dir: Path) -> dict[str, float]:
    env = {**env, "KOTA_AGG_RETENTION_DAYS": str(RETENTION_DAYS)}
    env["KOTA_AGG_INDICATOR_INTERVAL_S"] = "3600"
    pipeline = Pipeline(env, log_dir)
    pipeline.start_service("aggregate")
    try:
        started = time.monotonic()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "kotacerdas.cli",
                "import",
                str(path),
                "--state-dir",
                str(path.parent / "state"),
            ],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
        )
        sent = time.monotonic()
        if done.returncode != 0:
            raise RuntimeError(f"import failed: {done.stdout}{done.stderr}")
        stored = poll_until(lambda: _scalar("SELECT count(*) FROM air_reading") >= count, 900, 0.25)
        rolled = poll_until(lambda: _scalar("SELECT count(*) FROM rollup_dirty") == 0, 900, 0.5)
    finally:
        pipeline.stop()
    return {
        "rows": count,
        "import_command_seconds": sent - started,
        "stored_seconds": (stored or 0) - started,
        "rate": count / ((stored or 0) - started) if stored else 0.0,
        "with_rollups_seconds": (rolled or 0) - started,
        "summary": done.stdout.strip(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=20)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    info = machine()
    with private_stack(db_backend="postgres") as env, tempfile.TemporaryDirectory() as tmp:
        os.environ.update(env)
        os.environ["KOTA_ENV"] = "test"
        apply(OwnerDatabaseSettings().conninfo())
        load_into_database(load_registry(), DatabaseSettings().conninfo())
        rows = readings(args.stations, args.days)
        path = Path(tmp) / "history.jsonl"
        jsonl(rows, path)
        _partitions(rows)
        print(f"floor: COPY of {len(rows)} rows ...", file=sys.stderr)
        base = copy_floor(env, rows)
        truncate_raw(env, rollups=True)
        print("ours: kotacerdas import + aggregate ...", file=sys.stderr)
        mine = ours(
            {**env, "KOTA_ENV": "test"}, path, len(rows), Path(env["KOTA_STATE_DIR"]) / "logs"
        )
    ratio = mine["rate"] / base["rate"]
    table = [
        ["run", "rows", "seconds", "rows/s", "ratio to floor"],
        [
            "floor: COPY from CSV into air_reading",
            str(len(rows)),
            f"{base['seconds']:.1f}",
            f"{base['rate']:.0f}",
            "1.00",
        ],
        [
            "kotacerdas import → Kafka → aggregate: stored",
            str(len(rows)),
            f"{mine['stored_seconds']:.1f}",
            f"{mine['rate']:.0f}",
            f"{ratio:.3f}",
        ],
        [
            "… until the rollups of the year caught up",
            str(len(rows)),
            f"{mine['with_rollups_seconds']:.1f}",
            f"{len(rows) / mine['with_rollups_seconds']:.0f}",
            f"{len(rows) / mine['with_rollups_seconds'] / base['rate']:.3f}",
        ],
    ]
    verdict = "met" if mine["stored_seconds"] <= 120 else "NOT met"
    notes = [
        f"{args.stations} stations × {args.days} days × 24 hourly readings, native JSON lines, "
        "postgres backend, private stack; indicator job paused.",
        f"Target ≤ 120 s until stored: {verdict} ({mine['stored_seconds']:.1f} s; the import "
        f"command itself took {mine['import_command_seconds']:.1f} s).",
        f"Import summary: {mine['summary']}",
    ]
    data = {"machine": info, "floor": base, "ours": mine, "ratio": ratio}
    write_results("import", data, table, notes)


if __name__ == "__main__":
    main()
