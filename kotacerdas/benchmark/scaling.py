"""Scaling figures: replicas of ingest and the aggregator, and the number of sensors.

1. replicas: the pipeline at the same fixed rate with 1 and 2 ingest replicas (one MQTT
   shared subscription) × 1 and 2 aggregator replicas (one consumer group). On a 2-core
   machine this measures the overhead of a replica (CPU, latency), not a speed-up.
2. sensors: 1k, 10k, 50k sensors (``scale_for_sensor_count``) at the same total rate:
   the broker's password file, ingest's and the aggregator's registry are built at that
   scale; peak RSS of ingest, aggregator and the publisher, the sustained rate, CPU.
   A fleet beyond the open-file limit of one Mosquitto process (one descriptor per
   connection) is published through gateway connections instead (``gateway``).
"""

from __future__ import annotations

import resource
from collections.abc import Callable, Sequence
from typing import Any

from kotacerdas.benchmark.environment import BenchStack, prepare_database
from kotacerdas.benchmark.pipeline_run import Progress, RunConfig, RunResult, run_pipeline

REPLICAS = ((1, 1), (2, 1), (1, 2), (2, 2))
SENSOR_COUNTS = (1_000, 10_000, 50_000)
# Connections besides the sensors' (bridges, gateway, floors) and the broker's own files.
FD_HEADROOM = 200

Say = Callable[[str], None]


def _row(result: RunResult) -> dict[str, Any]:
    cores = result.cores()
    return {
        "rates": {k: round(v, 1) for k, v in result.rates.items()},
        "stored_all": result.stored == result.valid,
        "drain_s": result.drain_s,
        "latency_p50_s": result.latency["p50_s"],
        "latency_p99_s": result.latency["p99_s"],
        "cores": {k: round(v, 3) for k, v in cores.items()},
        "cores_total": round(sum(cores.values()), 3),
        "rss_peak_mib": {k: round(v, 1) for k, v in result.rss_peak_mib.items()},
    }


def replicas(
    stack: BenchStack, duration_s: float, rate: float, say: Say, progress: Progress
) -> list[dict[str, Any]]:
    rows = []
    for ingest, aggregate in REPLICAS:
        say(f"replicas: {ingest} ingest × {aggregate} aggregator at {rate:,.0f}/s ...")
        result = run_pipeline(
            stack,
            RunConfig(
                duration_s=duration_s,
                rate=rate,
                ingest_replicas=ingest,
                aggregator_replicas=aggregate,
            ),
            progress,
        )
        rows.append({"ingest": ingest, "aggregator": aggregate, **_row(result)})
    return rows


def broker_fd_limit() -> int:
    """The open-file limit a broker started from this process inherits (hard limit)."""
    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


def sensors(
    stack: BenchStack,
    counts: Sequence[int],
    duration_s: float,
    rate: float,
    say: Say,
    progress: Progress,
) -> list[dict[str, Any]]:
    from kotacerdas.registry import load_registry, scale_for_sensor_count

    rows = []
    limit = broker_fd_limit()
    try:
        for n in counts:
            scale = scale_for_sensor_count(n)
            registry = load_registry(scale=scale)
            publisher = "simulator" if len(registry.sensors) + FD_HEADROOM < limit else "gateway"
            say(
                f"sensors: {len(registry.sensors):,} (scale {scale:.2f}), {publisher}, "
                f"{rate:,.0f}/s: password file, registry ..."
            )
            stack.reload_registry(registry, say)
            prepare_database(stack.env, registry)
            result = run_pipeline(
                stack,
                RunConfig(
                    duration_s=duration_s,
                    rate=rate,
                    scale=scale,
                    publisher=publisher,
                    sim_processes=1 + len(registry.sensors) // 15_000,
                ),
                progress,
            )
            rows.append(
                {
                    "sensors": len(registry.sensors),
                    "scale": round(scale, 3),
                    "publisher": publisher,
                    "fd_limit": limit,
                    **_row(result),
                }
            )
    finally:
        stack.reload_registry(load_registry(), say)
    return rows
