"""Benchmark: Kafka → PostgreSQL with rollups on, beside the plain-COPY floor, one run,
on each database backend in turn (plain PostgreSQL, then TimescaleDB where installed):

1. floor: the same rows COPY'd from CSV files into the same raw tables of that backend
   (daily partitions, or hypertables with 1-day chunks; psql \\copy, no Kafka, no dedup,
   no rollups); beside it two ceilings of parts of the
   path: the prescribed write (staging COPY + INSERT … ON CONFLICT) in SQL alone, and a
   bare aiokafka consumer reading the same records;
2. ours: the rows pre-loaded into Kafka, then `kotacerdas aggregate` consumes them:
   COPY → staging → INSERT … ON CONFLICT, dirty windows, watermarks, health rows, the
   rollup job (1 min/1 h/1 day) and the indicator job all running; the rate is rows
   until the group has caught up, and again until the rollups have caught up too;
   then once more with the indicator job paused, to show its share: replaying a day and
   a half of history in seconds, it computes every final 5-minute window of every city
   on the same Python core as the consumer;
3. lag: readings produced live at half the sustained rate with event time = now; a
   poller samples (now − newest event time visible in v_air_reading) every 50 ms.
Writes bench/results/aggregator.{json,md}.
    .venv/bin/python bench/bench_aggregator.py [--rows 300000] [--backends postgres,timescaledb]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from harness import machine, percentile, poll_until, private_stack, write_results

from aggregator.migrate import apply
from aggregator.rows import RAW_TABLES
from kotacerdas.benchmark.floors import copy_floor, kafka_floor, staged_floor
from kotacerdas.benchmark.kafka_io import produce_readings
from kotacerdas.benchmark.workload import readings as workload_readings
from kotacerdas.contract import Reading
from kotacerdas.pipeline import Pipeline
from kotacerdas.registry import load_registry
from kotacerdas.registry_store import load_into_database
from kotacerdas.settings import DatabaseSettings, OwnerDatabaseSettings, ReaderDatabaseSettings
from kotacerdas.stack.postgres import timescaledb_installed
from kotacerdas.stack.prereq import find_tools
from kotacerdas.wire import encode_reading


def readings(count: int, start: datetime) -> list[Reading]:
    """``count`` readings of the registry's sensors, one per sensor and minute."""
    return workload_readings(count, start, list(load_registry().sensors.values()))


def floor(env: dict[str, str], rows: list[Reading], work: Path) -> dict[str, float]:
    """Plain COPY from CSV into the same partitioned raw tables (then emptied)."""
    return copy_floor(env, rows)


def _scalar(query: str) -> float:
    with psycopg.connect(DatabaseSettings().conninfo(), autocommit=True) as conn:
        found = conn.execute(query).fetchone()
    return float(found[0] or 0) if found else 0.0


def _empty_tables() -> None:
    """Back to an empty store (the readings stay in Kafka for the next consumer group)."""
    tables = [*RAW_TABLES.values(), "rollup_dirty", "indicator", "indicator_dirty", "alert"]
    tables += [f"{d}_rollup_{g}" for d in RAW_TABLES for g in ("1m", "1h", "1d")]
    tables += ["sensor_state", "stream_watermark", "pipeline_batch"]
    with psycopg.connect(OwnerDatabaseSettings().conninfo(), autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def ours(
    env: dict[str, str], rows: list[Reading], log_dir: Path, indicators: bool = True
) -> dict[str, float]:
    """Consume ``rows`` from Kafka; ``indicators`` False pauses the indicator job (a new
    consumer group on an emptied store reads the same records again)."""
    if indicators:
        produce_readings(env["KOTA_KAFKA_BOOTSTRAP"], rows)
    else:
        _empty_tables()
        env = {**env, "KOTA_AGG_GROUP_ID": "bench-no-indicators"}
        env["KOTA_AGG_INDICATOR_INTERVAL_S"] = "3600"
    count = len(rows)
    pipeline = Pipeline(env, log_dir)
    pipeline.start_service("aggregate")
    started = time.monotonic()
    stored_query = " + ".join(f"(SELECT count(*) FROM {t})" for t in RAW_TABLES.values())
    stored = poll_until(lambda: _scalar(f"SELECT {stored_query}") >= count, 900, 0.25)
    rolled = poll_until(lambda: _scalar("SELECT count(*) FROM rollup_dirty") == 0, 900, 0.25)
    first = _scalar("SELECT extract(epoch FROM now() - min(ts)) FROM pipeline_batch")
    pipeline.stop()
    begun = time.monotonic() - first if first else started
    return {
        "rows": count,
        "raw_seconds": (stored or 0) - begun,
        "rate": count / ((stored or 0) - begun) if stored else 0.0,
        "with_rollups_seconds": (rolled or 0) - begun,
        "rate_with_rollups": count / ((rolled or 0) - begun) if rolled else 0.0,
    }


def lag(env: dict[str, str], rate: float, log_dir: Path, seconds: float = 20) -> dict[str, float]:
    """Event time → visible in v_air_reading, newest reading, sampled every 50 ms."""
    from aiokafka import AIOKafkaProducer

    pipeline = Pipeline(env, log_dir)
    pipeline.start_service("aggregate", "aggregate-lag")
    pipeline.wait_ready()
    sensors = [s for s in load_registry().sensors.values() if s.domain == "air"]
    samples: list[float] = []
    stop = threading.Event()

    def poll() -> None:
        with psycopg.connect(ReaderDatabaseSettings().conninfo(), autocommit=True) as conn:
            while not stop.is_set():
                newest = conn.execute(
                    "SELECT max(ts) FROM v_air_reading WHERE ts > now() - interval '1 minute'"
                ).fetchone()[0]
                if newest is not None:
                    samples.append((datetime.now(UTC) - newest).total_seconds())
                time.sleep(0.05)

    async def produce() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=env["KOTA_KAFKA_BOOTSTRAP"], acks="all")
        await producer.start()
        try:
            begin = time.monotonic()
            for i in range(int(rate * seconds)):
                wait = begin + i / rate - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                s = sensors[i % len(sensors)]
                r = Reading(
                    msg_id=f"l{i}",
                    city=s.city,
                    domain="air",
                    sensor_id=s.sensor_id,
                    ts=datetime.now(UTC),
                    seq=i,
                    metrics={"pm25": 30.0},
                    source_format="kota/v1",
                )
                await producer.send("kota.air.v1", encode_reading(r), key=s.sensor_id.encode())
        finally:
            await producer.stop()

    poller = threading.Thread(target=poll)
    poller.start()
    asyncio.run(produce())
    time.sleep(2)
    stop.set()
    poller.join()
    pipeline.stop()
    steady = samples[len(samples) // 10 :]  # skip the ramp-up
    return {
        "rate": rate,
        "samples": len(steady),
        "p50_s": percentile(steady, 0.5),
        "p99_s": percentile(steady, 0.99),
    }


def one_backend(backend: str, rows: int) -> dict[str, Any]:
    """Every figure of one backend, on a private stack of its own."""
    with private_stack(db_backend=backend) as env, tempfile.TemporaryDirectory() as tmp:
        os.environ.update(env)
        apply(OwnerDatabaseSettings().conninfo())
        load_into_database(load_registry(), DatabaseSettings().conninfo())
        log_dir = Path(env["KOTA_STATE_DIR"]) / "logs"
        data = readings(rows, datetime.now(UTC) - timedelta(days=2))
        say = lambda what: print(f"[{backend}] {what} ...", file=sys.stderr)  # noqa: E731
        say("floor: COPY from files")
        base = floor(env, data, Path(tmp))
        say("the prescribed write path in SQL alone (staging + ON CONFLICT)")
        staged = staged_floor(env, data)
        say("a bare aiokafka consumer reading the same records")
        bare_kafka = kafka_floor(env, data)
        say("ours: Kafka → aggregator with rollups")
        mine = ours(env, data, log_dir)
        say("ours without the indicator job")
        bare = ours(env, data, log_dir, indicators=False)
        _empty_tables()
        say("lag at half the sustained rate")
        late = lag(env, round(mine["rate"] / 2), log_dir)
    return {
        "floor": base,
        "staged_sql": staged,
        "kafka_consumer": bare_kafka,
        "ours": mine,
        "ours_without_indicators": bare,
        "lag": late,
        "ratio": mine["rate"] / base["rate"],
    }


TABLES = {"postgres": "daily partitions", "timescaledb": "hypertables (1-day chunks)"}


def rows_of(backend: str, r: dict[str, Any]) -> list[list[str]]:
    base = r["floor"]["rate"]

    def row(what: str, rate: float) -> list[str]:
        return [backend, what, f"{rate:.0f}", f"{rate / base:.2f}"]

    return [
        row(f"floor: COPY from CSV into the raw {TABLES[backend]}", base),
        row("ceiling: staging COPY + INSERT … ON CONFLICT, SQL alone", r["staged_sql"]["rate"]),
        row(
            "ceiling: a bare aiokafka consumer (json.loads only)",
            r["kafka_consumer"]["consumer_rate"],
        ),
        row("kotacerdas aggregate: Kafka → raw tables (rollups running)", r["ours"]["rate"]),
        row(
            "… until the 1 min/1 h/1 day rollups have caught up too", r["ours"]["rate_with_rollups"]
        ),
        row("same, indicator job paused", r["ours_without_indicators"]["rate"]),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument(
        "--backends", default="postgres,timescaledb", help="comma-separated, run in this order"
    )
    args = parser.parse_args()
    info = machine()
    results: dict[str, Any] = {}
    notes: list[str] = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        if backend == "timescaledb" and not timescaledb_installed(find_tools(False).pg_bin):
            notes.append("TimescaleDB is not installed here: its half was not measured.")
            continue
        results[backend] = one_backend(backend, args.rows)
    table = [["backend", "run", "rows/s", "ratio to that backend's floor"]]
    for backend, r in results.items():
        table += rows_of(backend, r)
        late = r["lag"]
        notes.append(
            f"{backend}: lag event time → visible in v_air_reading at {late['rate']:.0f} "
            f"readings/s (half the sustained rate): p50 {late['p50_s']:.2f} s, "
            f"p99 {late['p99_s']:.2f} s ({late['samples']} samples every 50 ms)."
        )
    if {"postgres", "timescaledb"} <= results.keys():
        pg, ts = results["postgres"], results["timescaledb"]
        notes.append(
            "TimescaleDB / PostgreSQL, same run: floor "
            f"{ts['floor']['rate'] / pg['floor']['rate']:.2f}×, aggregator "
            f"{ts['ours']['rate'] / pg['ours']['rate']:.2f}×, with rollups caught up "
            f"{ts['ours']['rate_with_rollups'] / pg['ours']['rate_with_rollups']:.2f}×."
        )
    notes.append(
        f"{args.rows} readings of the 463 registry sensors (air, traffic, waste), "
        "one transaction per batch, offsets committed after it; each backend on a private "
        "stack of its own, one after the other."
    )
    write_results("aggregator", {"machine": info, "backends": results}, table, notes)


if __name__ == "__main__":
    main()
