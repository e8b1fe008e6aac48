"""The soak with faults: the simulator's fault mix while a schedule kills and restarts
the pipeline, then the proof that nothing was lost, doubled or mis-filed.

Steps of ``run_soak``:
1. own topics, consumer group and MQTT session for this run (nothing shared with others);
2. start ingest and the aggregator, then the simulator with duplicates, out-of-order,
   late and malformed messages at a fixed rate, its truth file on, its event-time window
   days back (clear of the data of other runs, which is deleted first on a reused stack);
3. run the fault schedule: SIGKILL ingest (restarted), SIGKILL the aggregator
   (restarted), restart Kafka, restart PostgreSQL — each once per cycle;
4. drain: wait until every valid reading of the truth is stored, the dead letters stop
   changing and no rollup window is dirty;
5. prove (``reconcile`` + ``verify``): each valid reading stored exactly once, each
   invalid one dead-lettered with its reason, rollups equal to a recomputation from raw.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from kotacerdas.benchmark import verify
from kotacerdas.benchmark.environment import conninfo
from kotacerdas.benchmark.kafka_io import ensure_topics
from kotacerdas.benchmark.reconcile import Reconciliation, reconcile
from kotacerdas.pipeline import Child, Pipeline
from simulators.truth import read_truth

SOAK_FAULTS = "duplicate=0.01,out_of_order=0.02,late=0.01,malformed=0.005,clock_skew=0.002"
SOAK_FORMATS = "native=0.6,senml=0.25,ngsi=0.15"
CITIES = "jakarta,makassar,banyuwangi,sumedang"
ACTIONS = ("kill_ingest", "kill_aggregator", "restart_kafka", "restart_postgresql")
# How far back the simulated window starts: clear of "now" data of other tests and runs.
WINDOW_BACK = timedelta(days=5)
# A fault cycle at most this long; longer soaks repeat the cycle.
CYCLE_S = 150.0


class StackControl(Protocol):
    env: dict[str, str]

    def stop(self, service: str, crash: bool = False) -> None: ...
    def restart(self) -> None: ...


@dataclass(frozen=True)
class FaultEvent:
    at_s: float  # seconds after the simulator started
    action: str


def fault_schedule(
    duration_s: float, lead_s: float = 0.12, tail_s: float = 0.2
) -> list[FaultEvent]:
    """Every action once per cycle of at most ``CYCLE_S``, spread evenly over the part of
    the run between ``lead_s`` and ``1 - tail_s`` of it (the start and the end are
    kept clean so the run begins and drains in a known state)."""
    cycles = max(1, round(duration_s / CYCLE_S))
    start, end = duration_s * lead_s, duration_s * (1 - tail_s)
    slots = cycles * len(ACTIONS)
    step = (end - start) / slots
    return [
        FaultEvent(round(start + (i + 0.5) * step, 1), ACTIONS[i % len(ACTIONS)])
        for i in range(slots)
    ]


@dataclass
class SoakResult:
    duration_s: float
    rate: float
    schedule: list[dict[str, Any]]
    reconciliation: Reconciliation
    rollups: dict[str, dict[str, int]]
    drained_s: float
    simulator_exit: int | None
    summary: dict[str, Any] = field(default_factory=dict)

    @property
    def rollups_ok(self) -> bool:
        return all(
            v["only_table"] == 0 and v["only_recomputed"] == 0 and v["different"] == 0
            for v in self.rollups.values()
        )

    @property
    def ok(self) -> bool:
        return self.reconciliation.ok and self.rollups_ok

    def counts(self) -> dict[str, int]:
        c = self.reconciliation.counts()
        return {
            "sent": c["sent"],
            "stored": c["stored"],
            "dead-lettered": c["dead_lettered"],
            "duplicates dropped": c["duplicates_dropped"],
            "duplicates dead-lettered": c["duplicates_lettered"],
            "missing": c["missing"],
            "stored twice": c["stored_twice"],
            "extra rows": c["extra"],
            "letters missing": c["letters_missing"],
            "unexpected letters": c["letters_unexpected"],
            "letters redelivered": c["letters_redelivered"],
            "rollup windows checked": sum(v["windows"] for v in self.rollups.values()),
            "rollup windows wrong": sum(
                v["only_table"] + v["only_recomputed"] + v["different"]
                for v in self.rollups.values()
            ),
        }

    def to_json(self) -> dict[str, Any]:
        r = self.reconciliation
        return {
            "duration_s": self.duration_s,
            "rate": self.rate,
            "schedule": self.schedule,
            "counts": self.counts(),
            "by_reason": r.by_reason,
            "rollups": self.rollups,
            "drained_s": self.drained_s,
            "simulator_exit": self.simulator_exit,
            "ok": self.ok,
            "examples": {
                "missing": r.missing[:5],
                "extra": r.extra[:5],
                "stored_twice": r.stored_twice[:5],
                "letters_missing": r.letters_missing[:5],
                "letters_unexpected": r.letters_unexpected[:5],
            },
            "simulator_summary": self.summary,
        }


Progress = Callable[[float, str], None]


def _noop(_elapsed: float, _note: str) -> None:
    return None


def soak_env(env: dict[str, str], tag: str) -> dict[str, str]:
    return {
        **env,
        "KOTA_ENV": "test",
        "KOTA_KAFKA_TOPIC_PREFIX": f"soak{tag}",
        "KOTA_AGG_GROUP_ID": f"kota-aggregator-soak{tag}",
        "KOTA_INGEST_SHARED_GROUP": f"kota-ingest-soak{tag}",
        "KOTA_INGEST_CLIENT_ID": f"kota-ingest-soak{tag}",
        "KOTA_INGEST_SESSION_EXPIRY_S": "900",
        # A dead aggregator's partitions move to its successor soon after it restarts.
        "KOTA_AGG_SESSION_TIMEOUT_MS": "6000",
    }


def run_soak(
    stack: StackControl,
    log_dir: Path,
    duration_s: float,
    rate: float,
    *,
    schedule: list[FaultEvent] | None = None,
    seed: int = 11,
    drain_timeout_s: float = 240,
    progress: Progress = _noop,
) -> SoakResult:
    from kotacerdas.registry import load_registry
    from simulators.runner import select_sensors

    tag = uuid.uuid4().hex[:6]
    env = soak_env(stack.env, tag)
    writer, owner = conninfo(stack.env, "writer"), conninfo(stack.env, "owner")
    ensure_topics(env, env["KOTA_KAFKA_TOPIC_PREFIX"])
    sensors = [s.sensor_id for s in select_sensors(load_registry(), CITIES.split(","))]
    start = (datetime.now(UTC) - WINDOW_BACK).replace(microsecond=0)
    # The simulated span can reach 6 days (simulators/README.md, time model).
    lo, hi = verify.day_range(start, start + timedelta(days=6, hours=1))
    verify.clear_window(owner, sensors, lo, hi)
    truth = log_dir / f"soak-{tag}.truth.jsonl"
    log_dir.mkdir(parents=True, exist_ok=True)
    schedule = fault_schedule(duration_s) if schedule is None else schedule

    services = _Services(env, log_dir)
    services.start("ingest")
    services.start("aggregate")
    services.pipeline.wait_ready(90)
    began_wall = datetime.now(UTC)
    simulator = services.pipeline.start_simulator(
        "--cities",
        CITIES,
        "--rate",
        str(rate),
        "--duration",
        f"{duration_s:g}s",
        "--seed",
        str(seed),
        "--faults",
        SOAK_FAULTS,
        "--formats",
        SOAK_FORMATS,
        "--start",
        start.isoformat(),
        "--truth",
        str(truth),
    )
    began = time.monotonic()
    done: list[dict[str, Any]] = []
    try:
        for event in schedule:
            while time.monotonic() - began < event.at_s:
                progress(time.monotonic() - began, "running")
                time.sleep(0.5)
            t0 = time.monotonic()
            progress(t0 - began, event.action)
            _apply(event.action, stack, services)
            done.append(
                {
                    "at_s": round(t0 - began, 1),
                    "action": event.action,
                    "took_s": round(time.monotonic() - t0, 1),
                }
            )
        while simulator.running:
            progress(time.monotonic() - began, "running")
            time.sleep(0.5)
        sim_exit = simulator.proc.returncode if simulator.proc else None
        records = read_truth(truth) if truth.exists() else []
        messages = [r for r in records if r.get("kind") == "message"]
        summary = next((r for r in records if r.get("kind") == "summary"), {})
        expected = {m["msg_id"] for m in messages if m["valid"]}
        drain_began = time.monotonic()
        _drain(
            writer,
            sensors,
            lo,
            hi,
            began_wall,
            len(expected),
            drain_timeout_s,
            lambda note: progress(time.monotonic() - began, note),
        )
        drained = time.monotonic() - drain_began
        result = reconcile(
            messages,
            verify.stored_counts(writer, sensors, lo, hi),
            verify.letters_since(writer, sensors, began_wall - timedelta(seconds=1)),
        )
        rollups = verify.rollup_mismatches(writer, sensors, lo, hi)
    finally:
        services.pipeline.stop()
    truth.unlink(missing_ok=True)
    return SoakResult(
        duration_s,
        rate,
        done,
        result,
        rollups,
        drained,
        sim_exit,
        {k: v for k, v in summary.items() if k != "kind"},
    )


class _Services:
    """ingest and the aggregator, restartable after a SIGKILL (same settings)."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.pipeline = Pipeline(env, log_dir)
        self.current: dict[str, Child] = {}
        self.generation = 0

    def start(self, command: str) -> Child:
        self.generation += 1
        child = self.pipeline.start_service(command, f"{command}-{self.generation}")
        self.current[command] = child
        return child

    def kill(self, command: str) -> None:
        child = self.current[command]
        child.kill()  # SIGKILL: no clean shutdown, no flush, no ack
        time.sleep(1.0)
        self.start(command)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.current[command].get("/readyz")[0] != 200:
            time.sleep(0.3)


def _apply(action: str, stack: StackControl, services: _Services) -> None:
    if action == "kill_ingest":
        services.kill("ingest")
    elif action == "kill_aggregator":
        services.kill("aggregate")
    elif action == "restart_kafka":
        stack.stop("kafka")
        stack.restart()
    elif action == "restart_postgresql":
        stack.stop("postgresql")
        stack.restart()
    else:
        raise ValueError(f"unknown fault action {action!r}")


def _drain(
    writer: str,
    sensors: list[str],
    lo: datetime,
    hi: datetime,
    since: datetime,
    expected: int,
    timeout_s: float,
    say: Callable[[str], None],
) -> None:
    """Until the valid readings are stored, the letters settle and rollups are clean."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        stored = verify.rows_in_scope(writer, sensors, lo, hi)
        say(f"draining: {stored}/{expected} stored")
        if stored >= expected:
            break
        time.sleep(1.0)
    letters, stable_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = len(verify.letters_since(writer, sensors, since))
        if now != letters:
            letters, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since >= 4:
            break
        time.sleep(1.0)
    verify.wait_rollups_done(writer, max(5.0, deadline - time.monotonic()))
