"""Shared pieces of the benchmarks: a private stack, processes, Kafka reads, results.

Every benchmark runs its own Mosquitto + Kafka + PostgreSQL on free loopback ports
(the same code and config as `kotacerdas stack up`), so a benchmark never touches the
developer's stack, and stops (by PID) and deletes it at the end.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT))

from kotacerdas.stack.manager import LocalStack  # noqa: E402
from kotacerdas.stack.procs import free_port  # noqa: E402
from kotacerdas.stack.settings import StackSettings  # noqa: E402


@contextmanager
def private_stack(partitions: int = 6) -> Iterator[dict[str, str]]:
    state = Path(tempfile.mkdtemp(prefix="kota-bench-"))
    state.chmod(0o755)
    stack = LocalStack(
        StackSettings(
            state_dir=state,
            mqtt_port=free_port(),
            kafka_port=free_port(),
            kafka_controller_port=free_port(),
            pg_port=free_port(),
            kafka_partitions=partitions,
            kafka_heap_mb=1024,
        )
    )
    env = stack.up(lambda line: print(f"  {line}", file=sys.stderr))
    env = {**env, "KOTA_ENV": "test"}
    try:
        yield env
    finally:
        stack.down()
        shutil.rmtree(state, ignore_errors=True)


def child_env(env: dict[str, str], **extra: str) -> dict[str, str]:
    return {**os.environ, **env, "PYTHONPATH": str(ROOT), **extra}


def run_tool(script: str, env: dict[str, str], *args: str) -> dict:
    """Run a bench/tools script to completion; its last stdout line is JSON."""
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "tools" / script), *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def spawn_tool(script: str, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "tools" / script), *args],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def machine() -> dict[str, object]:
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "load_avg_1m_at_start": round(load[0], 2),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_results(name: str, data: dict, table: list[list[str]], notes: list[str]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |" for row in table]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    md = [
        f"# {name}",
        "",
        f"Run {data['machine']['date']} on {data['machine']['cpus']} CPUs "
        f"(load average at start {data['machine']['load_avg_1m_at_start']}).",
        "",
        *lines,
        "",
        *notes,
        "",
    ]
    (RESULTS / f"{name}.md").write_text("\n".join(md))
    print("\n".join(lines))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def poll_until(predicate, timeout_s: float, step_s: float = 0.1) -> float | None:
    """Monotonic time when ``predicate()`` became true, None on timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(step_s)
    return None


def kafka_latencies(bootstrap: str, topic: str, expected: int, timeout_s: float) -> list[float]:
    """Publish → readable-in-Kafka latency of records whose msg_id starts with time_ns."""
    from aiokafka import AIOKafkaConsumer

    async def read() -> list[float]:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="latest", fetch_max_wait_ms=5
        )
        await consumer.start()
        out: list[float] = []
        deadline = time.monotonic() + timeout_s
        try:
            while len(out) < expected and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=100)
                now = time.time_ns()
                for records in batch.values():
                    for r in records:
                        sent_ns = int(json.loads(r.value)["msg_id"].split("-", 1)[0])
                        out.append((now - sent_ns) / 1e9)
        finally:
            await asyncio.sleep(0.05)
            await consumer.stop()
        return out

    return asyncio.run(read())


def kafka_time_span(bootstrap: str, topic: str, expected: int, timeout_s: float = 60) -> dict:
    """Records in ``topic`` and the span of their timestamps (set when the bridge
    appended them to a batch): the bridge's forwarding rate, free of polling error."""
    from aiokafka import AIOKafkaConsumer

    async def read() -> dict:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest"
        )
        await consumer.start()
        stamps: list[int] = []
        deadline = time.monotonic() + timeout_s
        try:
            while len(stamps) < expected and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500, max_records=50_000)
                for records in batch.values():
                    stamps.extend(r.timestamp for r in records)
        finally:
            await asyncio.sleep(0.05)
            await consumer.stop()
        span = (max(stamps) - min(stamps)) / 1000 if stamps else 0.0
        return {
            "records": len(stamps),
            "seconds": span,
            "rate": len(stamps) / span if span else 0.0,
        }

    return asyncio.run(read())


def ensure_topics(env: dict[str, str], prefix: str) -> None:
    from kotacerdas.settings import KafkaSettings
    from kotacerdas.topics import ensure_topics as ensure

    asyncio.run(
        ensure(
            KafkaSettings(
                bootstrap=env["KOTA_KAFKA_BOOTSTRAP"],
                topic_prefix=prefix,
                partitions=int(env["KOTA_KAFKA_PARTITIONS"]),
            )
        )
    )
