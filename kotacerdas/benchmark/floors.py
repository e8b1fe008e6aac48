"""The raw floors of this machine, measured on the same stack as the pipeline.

1. MQTT: a bare paho subscriber (QoS 1, automatic acks, the bridge's kind of shared
   subscription) drains a queue that a bare paho publisher filled for its offline session
   (``bench/tools``): the most a Python MQTT consumer gets out of this Mosquitto;
2. Kafka: a bare aiokafka producer (acks=all, idempotent) pre-loads wire readings, then a
   bare consumer reads them back from the start;
3. PostgreSQL: the same rows COPY'd with ``psql \\copy`` (CSV) into the same partitioned
   raw tables, no staging, no dedup, no rollups; the tables are emptied afterwards.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import psycopg

from aggregator.rows import RAW_TABLES, raw_columns, raw_row
from kotacerdas.benchmark.environment import TOOLS, child_env, conninfo
from kotacerdas.benchmark.kafka_io import consume_rate, ensure_topics, produce_readings
from kotacerdas.contract import Reading
from kotacerdas.wire import decode_reading, encode_reading

FLOOR_CLIENT = "bench-floor"  # the bare subscriber's MQTT client id (bench/tools)


def run_tool(script: str, env: dict[str, str], *args: str) -> dict:
    """Run a bench/tools script to completion; its last stdout line is JSON."""
    out = subprocess.run(
        [sys.executable, str(TOOLS / script), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def mqtt_floor(env: dict[str, str], count: int) -> dict[str, float]:
    """Queue ``count`` messages for an offline session, then time a bare paho drain."""
    run_tool("mqtt_floor_subscriber.py", child_env(env), "prepare")
    published = run_tool("mqtt_publisher.py", child_env(env), "--count", str(count))
    drained = run_tool("mqtt_floor_subscriber.py", child_env(env), "drain", "--expect", str(count))
    forget_session(env, FLOOR_CLIENT)
    return {**drained, "publisher_rate": published["rate"], "count": count}


def forget_session(env: dict[str, str], client_id: str) -> None:
    """End a persistent MQTT session, so the broker stops queueing for it."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    client.username_pw_set(env["KOTA_MQTT_USERNAME"], env["KOTA_MQTT_PASSWORD"])
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0
    client.connect(
        env["KOTA_MQTT_HOST"], int(env["KOTA_MQTT_PORT"]), clean_start=True, properties=props
    )
    client.loop(1.0)
    client.disconnect()


def kafka_floor(env: dict[str, str], rows: Sequence[Reading], prefix: str = "kfloor") -> dict:
    """Bare producer rate pre-loading ``rows``, then bare consumer rate reading them."""
    ensure_topics(env, prefix)
    bootstrap = env["KOTA_KAFKA_BOOTSTRAP"]
    produced = produce_readings(bootstrap, rows, prefix)
    topics = [f"{prefix}.{d}.v1" for d in RAW_TABLES]
    consumed = consume_rate(bootstrap, topics, len(rows))
    return {"records": len(rows), "producer_rate": produced, "consumer_rate": consumed}


def _csv_files(rows: Sequence[Reading], folder: Path) -> dict[str, tuple[Path, Sequence[str]]]:
    """One CSV per raw table with its rows (as the aggregator would store them)."""
    files: dict[str, tuple[Path, Sequence[str]]] = {}
    for domain, table in RAW_TABLES.items():
        path = folder / f"{table}.csv"
        with path.open("w", newline="") as f:
            writer = csv.writer(f)
            for r in rows:
                if r.domain == domain:
                    row = raw_row(decode_reading(encode_reading(r)), domain)
                    writer.writerow(["" if v is None else v for v in row])
        files[table] = (path, raw_columns(domain))
    return files


def _timed_psql(env: dict[str, str], scripts: list[list[str]]) -> float:
    """Seconds to run each list of psql commands in one transaction, one after another."""
    started = time.perf_counter()
    for commands in scripts:
        done = subprocess.run(
            ["psql", "-X", "-q", "-1", "-v", "ON_ERROR_STOP=1", conninfo(env, "writer")]
            + [arg for command in commands for arg in ("-c", command)],
            env=child_env(env),
        )
        if done.returncode:  # psql said why on stderr; the argv holds the password
            raise RuntimeError(f"psql failed on: {commands[0]}")
    return time.perf_counter() - started


def _sql_floor(
    env: dict[str, str],
    rows: Sequence[Reading],
    commands: Callable[[str, Path, str], list[str]],
) -> dict[str, float]:
    """Load ``rows`` from one CSV per raw table with ``commands(table, csv, columns)``
    (one psql transaction per table), timed; then empty the raw tables."""
    with tempfile.TemporaryDirectory(prefix="kota-floor-") as tmp:
        files = _csv_files(rows, Path(tmp))
        seconds = _timed_psql(
            env,
            [commands(table, path, ", ".join(columns)) for table, (path, columns) in files.items()],
        )
    truncate_raw(env)
    return {"rows": len(rows), "seconds": seconds, "rate": len(rows) / seconds}


def copy_floor(env: dict[str, str], rows: Sequence[Reading]) -> dict[str, float]:
    """Plain COPY of ``rows`` into the raw tables (psql \\copy from CSV), then TRUNCATE."""
    return _sql_floor(
        env, rows, lambda table, path, names: [f"\\copy {table} ({names}) FROM '{path}' CSV"]
    )


def staged_floor(env: dict[str, str], rows: Sequence[Reading]) -> dict[str, float]:
    """The write path issue 6 prescribes, in SQL alone (no Kafka, no Python): COPY into
    a staging table, then ``INSERT … SELECT … ON CONFLICT DO NOTHING`` into the raw
    table, one transaction per table. The database's own ceiling for that path."""
    return _sql_floor(
        env,
        rows,
        lambda table, path, names: [
            f"CREATE TEMP TABLE stage (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP",
            f"\\copy stage ({names}) FROM '{path}' CSV",
            f"INSERT INTO {table} ({names}) SELECT {names} FROM stage ON CONFLICT DO NOTHING",
        ],
    )


def truncate_raw(env: dict[str, str], rollups: bool = False) -> None:
    """Empty the raw tables (and the rollups and their work list) as the owner."""
    tables = list(RAW_TABLES.values())
    if rollups:
        tables += [f"{d}_rollup_{g}" for d in RAW_TABLES for g in ("1m", "1h", "1d")]
        tables += ["rollup_dirty"]
    with psycopg.connect(conninfo(env, "owner"), autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(tables)}")
