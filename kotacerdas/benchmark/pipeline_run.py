"""The whole pipeline on the stack: simulator → Mosquitto → ingest → Kafka → aggregator →
PostgreSQL, sampled every second.

Steps of ``run_pipeline``:
1. own topics, consumer group and MQTT session; ingest and aggregator replicas started
   and ready;
2. the simulator at a fixed ``rate`` (steady state) or as fast as it can (``rate=None``),
   its truth file on, no faults (the soak covers faults);
3. every second: each stage's counters from its /metrics, CPU seconds and RSS of every
   component's process tree from /proc;
4. after the simulator ends (at ``--max``: when its duration has passed): wait until
   every valid reading is stored (the drain);
5. the steady window (after a warm-up, until the simulator ended) gives each stage's
   rate, CPU per component and publish → visible latency (``latency``).

A run that cannot give its figures (a stage died, the truth is missing, nothing was
sent, the drain gave up) raises ``verdict.RunFailed`` with the reasons, never a report of
zeros (``verdict.problems``).
"""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kotacerdas.benchmark import latency, procstat
from kotacerdas.benchmark.environment import BenchStack, conninfo
from kotacerdas.benchmark.kafka_io import ensure_topics, record_times
from kotacerdas.benchmark.stats import (
    Sample,
    bucket_percentiles,
    counts_per_second,
    percentile,
    rate_between,
    rate_in,
)
from kotacerdas.benchmark.verdict import RunFacts, RunFailed, problems
from kotacerdas.contract import DOMAINS
from kotacerdas.pipeline import Child, Pipeline
from kotacerdas.shutdown import shielded
from simulators.truth import read_truth

BENCH_FORMATS = "native=0.6,senml=0.25,ngsi=0.15"
CITIES = "jakarta,makassar,banyuwangi,sumedang"
COMPONENTS = ("simulator", "mosquitto", "ingest", "kafka", "aggregator", "postgresql")

Progress = Callable[[float, str], None]


def _noop(_t: float, _note: str) -> None:
    return None


@dataclass
class RunConfig:
    duration_s: float = 60.0
    rate: float | None = 3000.0  # None: as fast as the simulator can
    ingest_replicas: int = 1
    aggregator_replicas: int = 1
    scale: float = 1.0
    sim_processes: int = 1
    formats: str = BENCH_FORMATS
    warmup_s: float = 5.0
    drain_timeout_s: float = 180.0
    seed: int = 7
    # "simulator": one MQTT connection per sensor; "gateway": the same plan through a few
    # gateway connections (``gateway``), for fleets beyond the broker's open-file limit.
    publisher: str = "simulator"


@dataclass
class RunResult:
    config: RunConfig
    samples: list[Sample]
    window: tuple[float, float]
    sent: int
    valid: int
    stored: int
    drain_s: float | None
    rates: dict[str, float]
    cpu_s: dict[str, float]
    rss_peak_mib: dict[str, float]
    latency: dict[str, float]
    latency_series: list[tuple[float, list[float]]]
    series: dict[str, list[tuple[float, float]]]
    totals: dict[str, float]
    simulator_summary: dict[str, Any] = field(default_factory=dict)

    @property
    def window_s(self) -> float:
        return self.window[1] - self.window[0]

    def cores(self) -> dict[str, float]:
        return {k: v / self.window_s for k, v in self.cpu_s.items()} if self.window_s else {}

    def to_json(self) -> dict[str, Any]:
        return {
            "config": self.config.__dict__,
            "window_s": [round(self.window[0], 2), round(self.window[1], 2)],
            "sent": self.sent,
            "valid": self.valid,
            "stored": self.stored,
            "drain_s": self.drain_s,
            "rates": self.rates,
            "cpu_s": self.cpu_s,
            "cores": self.cores(),
            "rss_peak_mib": self.rss_peak_mib,
            "latency": self.latency,
            "totals": self.totals,
            "series": {
                "t_cpu": [round(x.t, 2) for x in self.samples],
                **{k: [[t, n] for t, n in v] for k, v in self.series.items()},
                "latency_p50_p99": [[t, [round(x, 4) for x in v]] for t, v in self.latency_series],
            },
            "simulator_summary": self.simulator_summary,
        }


class _Sampler(threading.Thread):
    """CPU seconds and RSS of every component each ``step_s`` (from /proc: cheap and
    exact), plus the services' counters for the live line. A busy service answers
    /metrics late; its counters are then carried forward from its last answer, and they
    feed only the live line and the end-of-run totals, never a reported rate."""

    def __init__(
        self,
        ingests: list[Child],
        aggregators: list[Child],
        roots: Callable[[], dict[str, int | None]],
        began: float,
        step_s: float = 1.0,
    ) -> None:
        super().__init__(daemon=True)
        self.ingests, self.aggregators, self.roots = ingests, aggregators, roots
        self.began, self.step_s = began, step_s
        self.samples: list[Sample] = []
        self.rss_peak: dict[str, float] = {}
        self.counters: dict[str, float] = {}
        self._last: dict[int, dict[str, float]] = {}
        self._halt = threading.Event()
        self._poller = threading.Thread(target=self._poll_metrics, daemon=True)

    def run(self) -> None:
        self._poller.start()
        while not self._halt.is_set():
            self.samples.append(self.sample())
            self._halt.wait(self.step_s)

    def sample(self) -> Sample:
        t = time.monotonic() - self.began
        counters = dict(self.counters)
        roots = self.roots()
        for name, cpu in procstat.cpu_seconds(roots).items():
            counters[f"cpu_{name}"] = cpu
        for name, rss in procstat.rss_mib(roots).items():
            self.rss_peak[name] = max(self.rss_peak.get(name, 0.0), rss)
        return Sample(t, counters)

    def _poll_metrics(self) -> None:
        while not self._halt.is_set():
            self.poll_once()
            self._halt.wait(self.step_s / 2)

    def poll_once(self) -> None:
        self.counters = {
            "received": self._total(self.ingests, "kota_ingest_received_total"),
            "forwarded": self._total(self.ingests, "kota_ingest_forwarded_total"),
            "ingest_letters": self._total(self.ingests, "kota_ingest_dead_letters_total"),
            "consumed": self._total(self.aggregators, "kota_agg_records_total"),
            "stored": self._total(self.aggregators, "kota_agg_rows_inserted_total"),
            "lag": self._total(self.aggregators, "kota_agg_consumer_lag"),
        }

    def _total(self, children: list[Child], prefix: str) -> float:
        total = 0.0
        for child in children:
            found = child.metrics()
            key = id(child)
            if found:
                self._last[key] = found
            for name, value in self._last.get(key, {}).items():
                if name.startswith(prefix) and "_created" not in name:
                    total += value
        return total

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self._poller.join()
        self.poll_once()
        self.samples.append(self.sample())


def run_env(stack: BenchStack, tag: str, scale: float) -> dict[str, str]:
    return {
        **stack.env,
        "KOTA_KAFKA_TOPIC_PREFIX": f"bench{tag}",
        "KOTA_AGG_GROUP_ID": f"kota-aggregator-bench{tag}",
        "KOTA_INGEST_SHARED_GROUP": f"kota-ingest-bench{tag}",
        "KOTA_INGEST_SESSION_EXPIRY_S": "300",
        "KOTA_REGISTRY_SCALE": f"{scale:g}",
        "KOTA_AGG_LOG_LEVEL": "WARNING",
        "KOTA_INGEST_LOG_LEVEL": "WARNING",
    }


def run_pipeline(stack: BenchStack, config: RunConfig, progress: Progress = _noop) -> RunResult:
    tag = uuid.uuid4().hex[:6]
    env = run_env(stack, tag, config.scale)
    ensure_topics(env, env["KOTA_KAFKA_TOPIC_PREFIX"])
    log_dir = stack.log_dir
    truth = log_dir / f"bench-{tag}.truth.jsonl"
    pipelines: list[Pipeline] = []
    ingests: list[Child] = []
    aggregators: list[Child] = []
    for i in range(config.ingest_replicas):
        p = Pipeline({**env, "KOTA_INGEST_CLIENT_ID": f"kota-ingest-bench{tag}-{i}"}, log_dir)
        pipelines.append(p)
        ingests.append(p.start_service("ingest", f"ingest-{tag}-{i}"))
    for i in range(config.aggregator_replicas):
        p = Pipeline(env, log_dir)
        pipelines.append(p)
        aggregators.append(p.start_service("aggregate", f"aggregate-{tag}-{i}"))
    sim_pipeline = Pipeline(env, log_dir)
    pipelines.append(sim_pipeline)
    try:
        for p in pipelines[:-1]:
            p.wait_ready(120)
        progress(0.0, "services ready")
        simulator: Child | None = None

        def roots() -> dict[str, int | None]:
            found = {"simulator": simulator.proc.pid if simulator and simulator.proc else None}
            found |= {
                f"ingest{i or ''}": c.proc.pid if c.proc else None for i, c in enumerate(ingests)
            }
            found |= {
                f"aggregator{i or ''}": c.proc.pid if c.proc else None
                for i, c in enumerate(aggregators)
            }
            services = stack.service_pids()
            found |= {
                "mosquitto": services["mosquitto"],
                "kafka": services["kafka"],
                "postgresql": services["postgresql"],
            }
            return found

        services = [*ingests, *aggregators]
        wall_began = time.time()
        began = time.monotonic()
        simulator = _start_publisher(sim_pipeline, config, truth, env)
        sampler = _Sampler(ingests, aggregators, roots, began)
        sampler.start()
        while simulator.running and not _dead(services):
            progress(time.monotonic() - began, _live(sampler))
            time.sleep(0.5)
        sim_end = time.monotonic() - began
        records = read_truth(truth) if truth.exists() else []
        messages = [r for r in records if r.get("kind") == "message"]
        summary = next((r for r in records if r.get("kind") == "summary"), {})
        valid = sum(1 for m in messages if m["valid"])
        last_sent = max((m["sent_at"] for m in messages), default=wall_began) - wall_began
        facts = RunFacts(
            truth_found=truth.exists(),
            summary_found=bool(summary),
            simulator_exit=simulator.proc.poll() if simulator.proc else None,
            sent=len(messages),
            valid=valid,
            dead=_dead(services),
        )
        drain_s = None
        if not problems(facts):  # else there is nothing worth waiting for
            drain_s = _drain(sampler, valid, config.drain_timeout_s, began, progress, services)
            dead = _dead(services)  # a service that died is the reason, not the timeout
            gave_up = drain_s is None and not dead
            facts = replace(
                facts,
                dead=dead,
                stored=sampler.counters.get("stored", 0.0),
                drain_timeout_s=config.drain_timeout_s if gave_up else None,
            )
        sampler.stop()
        failed = problems(facts)
        if failed:
            raise RunFailed([*failed, f"logs in {log_dir}"])
    finally:
        with shielded():  # every pipeline, even if a signal comes meanwhile
            for p in reversed(pipelines):
                p.stop()
    truth.unlink(missing_ok=True)
    window = (config.warmup_s, min(sim_end, last_sent))
    visible = latency.visible_times(conninfo(stack.env, "writer"), wall_began - 1)
    lat = [(s - wall_began, d) for s, d in latency.latencies(messages, visible)]
    steady = [d for t, d in lat if window[0] <= t <= window[1]]
    prefix = env["KOTA_KAFKA_TOPIC_PREFIX"]
    forwarded = record_times(
        stack.env["KOTA_KAFKA_BOOTSTRAP"], [f"{prefix}.{d}.v1" for d in DOMAINS], valid
    )
    events = {
        "sent": [m["sent_at"] - wall_began for m in messages],
        "forwarded": [t - wall_began for t in forwarded.values()],
        "consumed": [v[0] - wall_began for v in visible.values()],
        "stored": [v[1] - wall_began for v in visible.values()],
    }
    to_kafka = [
        forwarded[m["msg_id"]] - m["sent_at"]
        for m in messages
        if m["valid"]
        and m["msg_id"] in forwarded
        and window[0] <= m["sent_at"] - wall_began <= window[1]
    ]
    samples = sampler.samples
    cpu = {
        k[4:]: rate_between(samples, k, *window) * (window[1] - window[0])
        for k in samples[-1].counters
        if k.startswith("cpu_")
    }
    stored = sum(1 for m in messages if m["valid"] and m["msg_id"] in visible)
    return RunResult(
        config=config,
        samples=samples,
        window=window,
        sent=len(messages),
        valid=valid,
        stored=stored,
        drain_s=drain_s,
        rates={k: rate_in(v, *window) for k, v in events.items()},
        cpu_s=cpu,
        rss_peak_mib=sampler.rss_peak,
        latency={
            "samples": len(steady),
            "p50_s": percentile(steady, 0.5),
            "p95_s": percentile(steady, 0.95),
            "p99_s": percentile(steady, 0.99),
            "max_s": max(steady, default=0.0),
            "method": "ingested_at + write_s - sent_at",
            "to_kafka_p50_s": percentile(to_kafka, 0.5),
            "to_kafka_p99_s": percentile(to_kafka, 0.99),
        },
        latency_series=bucket_percentiles(lat, 1.0, (0.5, 0.99)),
        series={k: counts_per_second(v) for k, v in events.items()},
        totals={k: v for k, v in samples[-1].counters.items() if not k.startswith("cpu_")},
        simulator_summary={k: v for k, v in summary.items() if k != "kind"},
    )


def _dead(children: list[Child]) -> tuple[str, ...]:
    """The services that exited, each with its exit status and the last line of its log."""
    return tuple(
        f"{c.name} (exit {c.proc.returncode if c.proc else '?'}: {c.tail(1)})"
        for c in children
        if not c.running
    )


def _start_publisher(
    pipeline: Pipeline, config: RunConfig, truth: Path, env: dict[str, str]
) -> Child:
    if config.publisher == "gateway":
        if config.rate is None:
            raise ValueError("the gateway publisher runs at a fixed rate, not as fast as it can")
        rate = config.rate
        child = Child(
            "gateway",
            [
                sys.executable,
                "-m",
                "kotacerdas.benchmark.gateway",
                "--scale",
                f"{config.scale:g}",
                "--rate",
                f"{rate:g}",
                "--duration",
                f"{config.duration_s:g}",
                "--truth",
                str(truth),
                "--seed",
                str(config.seed),
            ],
            pipeline.log_dir / "gateway.log",
        )
        return pipeline.start_child(child, {**os.environ, **env})
    # --max: as fast as it goes, and it stops when --duration has passed.
    pace = ("--max",) if config.rate is None else ("--rate", f"{config.rate:g}")
    return pipeline.start_simulator(
        "--cities",
        CITIES,
        *pace,
        "--duration",
        f"{config.duration_s:g}s",
        "--seed",
        str(config.seed),
        "--formats",
        config.formats,
        "--truth",
        str(truth),
        "--scale",
        f"{config.scale:g}",
        "--processes",
        str(config.sim_processes),
    )


def _live(sampler: _Sampler) -> str:
    s = sampler.samples
    if len(s) < 2:
        return "starting"
    a, b = s[-2], s[-1]
    dt = max(b.t - a.t, 1e-6)
    if "stored" not in a.counters or "stored" not in b.counters:
        return "starting"
    fwd = (b.counters["forwarded"] - a.counters["forwarded"]) / dt
    stored = (b.counters["stored"] - a.counters["stored"]) / dt
    return f"forwarded {fwd:,.0f}/s  stored {stored:,.0f}/s  lag {b.counters['lag']:,.0f}"


def _drain(
    sampler: _Sampler,
    valid: int,
    timeout_s: float,
    began: float,
    progress: Progress,
    services: list[Child],
) -> float | None:
    """Seconds until every valid reading was stored; None after ``timeout_s`` or when a
    service died (it would never come)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s and not _dead(services):
        stored = sampler.counters.get("stored", 0.0)
        progress(time.monotonic() - began, f"draining: {stored:,.0f}/{valid:,} stored")
        if stored >= valid:
            return time.monotonic() - started
        time.sleep(0.5)
    return None
