"""Shared pieces of the benchmark scripts, now living in ``kotacerdas.benchmark``.

Every benchmark runs its own Mosquitto + Kafka + PostgreSQL on free loopback ports
(the same code and config as `kotacerdas stack up`), so a benchmark never touches the
developer's stack, and stops (by PID) and deletes it at the end. This module keeps the
names the scripts in bench/ import; the code is in the package (`kotacerdas bench` uses
the same).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kotacerdas.benchmark.environment import (  # noqa: E402
    RESULTS,
    bench_stack,
    child_env,
    machine,
)
from kotacerdas.benchmark.floors import run_tool  # noqa: E402
from kotacerdas.benchmark.kafka_io import (  # noqa: E402
    ensure_topics,
    kafka_latencies,
    kafka_time_span,
)
from kotacerdas.benchmark.report import markdown_table  # noqa: E402
from kotacerdas.benchmark.stats import percentile, poll_until  # noqa: E402

__all__ = [
    "RESULTS",
    "ROOT",
    "child_env",
    "ensure_topics",
    "kafka_latencies",
    "kafka_time_span",
    "machine",
    "percentile",
    "poll_until",
    "private_stack",
    "run_tool",
    "write_results",
]


@contextmanager
def private_stack(partitions: int = 6, db_backend: str = "postgres") -> Iterator[dict[str, str]]:
    """The environment (``KOTA_*``) of a private stack, removed afterwards."""
    with bench_stack(partitions=partitions, db_backend=db_backend) as stack:
        yield stack.env


def write_results(name: str, data: dict, table: list[list[str]], notes: list[str]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    import json

    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    lines = markdown_table(table)
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
