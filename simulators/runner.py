"""Run a simulation against a real broker: plan → pace → publish → record the truth.

Steps of ``run(config)``:
1. load the registry and pick the sensors of ``config.cities``;
2. solve the time model and build the plan spec (``planner.make_spec``);
3. split the sensors over ``config.processes`` workers (every k-th sensor), each pacing its
   share of ``config.rate`` with a token bucket and publishing through its own multiplexed
   connections (``publisher.FleetPublisher``);
4. each worker writes the truth of what it handed to the broker to ``<truth>.part<k>``;
5. after the workers drained their PUBACKs, the parts are joined into the truth file between a
   ``run`` header and a ``summary`` line.

A run ends when its plan is sent, when ``config.max_rate`` and its duration has passed, or
on SIGINT/SIGTERM (``kotacerdas.shutdown`` turns SIGTERM into KeyboardInterrupt): sending
stops, the PUBACKs are drained and the truth is written as usual, marked ``interrupted``.
With worker processes the parent alone takes the signal and raises a shared ``halt``
flag; a worker that is not done in time is killed by a second signal.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import shutil
import signal
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from kotacerdas import shutdown
from kotacerdas.errors import UserFacingError
from kotacerdas.registry import Registry, Sensor, load_registry
from simulators.config import FAULTS, SimulationConfig
from simulators.pacer import Pacer
from simulators.planner import TRUTH_VERSION, PlanSpec, make_spec, nominal_rate, plan
from simulators.publisher import FleetPublisher
from simulators.status import StatusLine, format_status
from simulators.truth import TruthWriter

# Shared status counters per worker: sent, acked, then one slot per fault.
_STATUS_FIELDS = ("sent", "acked", *FAULTS)
_WIDTH = len(_STATUS_FIELDS)
# How often the send loop looks at the clock for its end (max_rate) and at the halt flag:
# a stop takes effect within this, at no cost per message beyond a comparison.
_CHECK_EVERY_S = 0.1


@dataclass
class WorkerResult:
    sent: int = 0
    acked: int = 0
    unacked: int = 0
    valid: int = 0
    invalid: int = 0
    gaps: int = 0
    window_waits: int = 0
    send_elapsed_s: float = 0.0
    interrupted: bool = False
    by_fault: Counter[str] = field(default_factory=Counter)
    by_reason: Counter[str] = field(default_factory=Counter)
    by_format: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class SimulationReport:
    """What a run did. ``achieved_rate`` is messages handed to the broker per wall second."""

    target_rate: float
    duration_s: float
    elapsed_s: float
    send_elapsed_s: float
    achieved_rate: float
    sensors: int
    processes: int
    sent: int
    acked: int
    unacked: int
    valid: int
    invalid: int
    gaps: int
    window_waits: int
    interrupted: bool
    by_fault: dict[str, int]
    by_reason: dict[str, int]
    by_format: dict[str, int]
    speed: float
    compression: float
    sim_start: int
    sim_end: int
    truth_path: Path | None


def select_sensors(registry: Registry, cities: Sequence[str]) -> list[Sensor]:
    unknown = [c for c in cities if c not in registry.cities]
    if unknown:
        raise UserFacingError(
            f"--cities: unknown city {unknown[0]!r}; the registry has "
            f"{', '.join(sorted(registry.cities))}"
        )
    chosen = set(cities)
    return sorted(
        (s for s in registry.sensors.values() if s.city in chosen), key=lambda s: s.sensor_id
    )


def run(config: SimulationConfig, registry: Registry | None = None) -> SimulationReport:
    """Publish the plan to the broker in ``config`` and return what happened (blocking)."""
    registry = registry or load_registry(config.registry_dir, config.scale)
    sensors = select_sensors(registry, config.cities)
    wall_start = time.time()
    spec = make_spec(
        sensors,
        seed=config.seed,
        rate=config.rate,
        duration_s=config.duration_s,
        max_span_s=config.max_span_s,
        wall_start=wall_start,
        sim_start=int(config.start.timestamp()) if config.start else None,
        faults=config.faults,
        formats=config.formats,
        scenario_names=config.scenarios,
    )
    processes = max(1, min(config.processes, len(sensors)))
    slices = [sensors[k::processes] for k in range(processes)]
    total_nominal = nominal_rate(sensors, spec.compression)
    shares = [config.rate * nominal_rate(sl, spec.compression) / total_nominal for sl in slices]
    parts = [_part_path(config.truth_path, k) for k in range(processes)]
    status = StatusLine(quiet=config.quiet)
    started = time.monotonic()
    if processes == 1:
        results = [
            _worker(
                0,
                config,
                spec,
                [s.sensor_id for s in slices[0]],
                shares[0],
                parts[0],
                None,
                registry,
                status,
                None,
            )
        ]
    else:
        results = _run_pool(config, spec, slices, shares, parts, status)
    elapsed = time.monotonic() - started
    report = _report(config, spec, sensors, processes, results, elapsed)
    if config.truth_path is not None:
        _join_truth(config, spec, parts, report)
    target = "as fast as it can" if config.max_rate else f"target {config.rate:,.0f}"
    status.done(
        f"simulate: sent {report.sent} ({report.valid} valid, {report.invalid} invalid, "
        f"{report.gaps} gaps) acked {report.acked} in {report.send_elapsed_s:.1f}s = "
        f"{report.achieved_rate:,.0f} msg/s ({target})"
        + (", interrupted" if report.interrupted else "")
    )
    return report


def _part_path(truth: Path | None, k: int) -> Path | None:
    return None if truth is None else truth.with_name(f"{truth.name}.part{k}")


def _run_pool(
    config: SimulationConfig,
    spec: PlanSpec,
    slices: Sequence[Sequence[Sensor]],
    shares: Sequence[float],
    parts: Sequence[Path | None],
    status: StatusLine,
) -> list[WorkerResult]:
    ctx = mp.get_context("fork")
    counters = ctx.Array("d", len(slices) * len(_STATUS_FIELDS), lock=False)
    halt = ctx.RawValue("b", 0)
    queue: Any = ctx.Queue()
    procs = [
        ctx.Process(
            target=_worker_entry,
            args=(k, config, spec, [s.sensor_id for s in sl], shares[k], parts[k], counters, queue),
            kwargs={"halt": halt},
            name=f"kota-sim-{k}",
        )
        for k, sl in enumerate(slices)
    ]
    results: dict[int, WorkerResult | str] = {}
    try:
        try:
            with shutdown.shielded():  # started = tracked (a second signal kills them)
                for p in procs:
                    p.start()
                    shutdown.track(p.pid, group=False)  # they share our process group
            _collect(config, procs, counters, queue, status, results)
        except KeyboardInterrupt:
            # Each worker stops sending, drains its PUBACKs and reports: the truth stays whole.
            halt.value = 1
            with shutdown.shielded():
                _collect(config, procs, counters, queue, status, results)
    finally:
        for p in procs:
            if p.pid is not None:  # started
                p.join(timeout=config.drain_timeout_s + 10)
                shutdown.untrack(p.pid)
    failures = [r for r in results.values() if isinstance(r, str)]
    if failures:
        raise UserFacingError(failures[0])
    return [r for _, r in sorted(results.items()) if isinstance(r, WorkerResult)]


def _collect(
    config: SimulationConfig,
    procs: Sequence[Any],
    counters: Any,
    queue: Any,
    status: StatusLine,
    results: dict[int, WorkerResult | str],
) -> None:
    """Gather each worker's result into ``results``, showing the fleet's status meanwhile."""
    started = time.monotonic()
    window: deque[tuple[float, int]] = deque(maxlen=6)  # (time, sent) over the last ~3 s
    while len(results) < len(procs):
        with shutdown.shielded():  # a result taken off the queue is kept
            while not queue.empty():
                k, result = queue.get()
                results[k] = result
        if len(results) == len(procs):
            break
        gone = [not p.is_alive() for p in procs]
        if (
            (all(gone) or any(g and p.exitcode != 0 for g, p in zip(gone, procs, strict=True)))
            and queue.empty()
            and len(results) < len(procs)
        ):
            time.sleep(0.2)
            if queue.empty():
                raise UserFacingError("a simulator worker process died; see its traceback above")
        time.sleep(config.status_interval_s)
        now = time.monotonic()
        totals = [
            int(sum(counters[k * _WIDTH + j] for k in range(len(procs)))) for j in range(_WIDTH)
        ]
        sent, acked = totals[0], totals[1]
        faults = dict(zip(FAULTS, totals[2:], strict=True))
        window.append((now, sent))
        first_t, first_sent = window[0]
        status.show(
            format_status(
                elapsed_s=now - started,
                sent=sent,
                acked=acked,
                target_rate=config.rate,
                recent_rate=(sent - first_sent) / max(now - first_t, 1e-9),
                faults=faults,
            )
        )


def _worker_entry(
    k: int,
    config: SimulationConfig,
    spec: PlanSpec,
    sensor_ids: list[str],
    share: float,
    part: Path | None,
    counters: Any,
    queue: Any,
    halt: Any = None,
) -> None:
    # A terminal's Ctrl-C reaches the whole process group; the parent alone decides (it
    # raises ``halt``), else a worker would take the parent's relayed stop for a second
    # signal and force its way out without its truth.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        result: WorkerResult | str = _worker(
            k, config, spec, sensor_ids, share, part, counters, None, StatusLine(quiet=True), halt
        )
    except UserFacingError as exc:
        result = str(exc)
    except KeyboardInterrupt:  # a SIGTERM of its own before or after sending
        result = WorkerResult(interrupted=True)
    queue.put((k, result))


def _worker(
    k: int,
    config: SimulationConfig,
    spec: PlanSpec,
    sensor_ids: list[str],
    share: float,
    part: Path | None,
    counters: Any,
    registry: Registry | None,
    status: StatusLine,
    halt: Any,
) -> WorkerResult:
    registry = registry or load_registry(config.registry_dir, config.scale)
    sensors = [registry.sensors[sid] for sid in sensor_ids]
    result = WorkerResult()
    publisher = FleetPublisher(
        sensor_ids,
        host=config.mqtt_host,
        port=config.mqtt_port,
        fleet_secret=config.fleet_secret,
        window=config.inflight_per_client,
        protocol=config.mqtt_protocol,
    )
    writer = TruthWriter(part)
    try:
        publisher.connect(config.connect_timeout_s)
        _send_all(
            k,
            config,
            spec,
            sensors,
            registry,
            share,
            publisher,
            writer,
            counters,
            status,
            result,
            halt,
        )
        result.unacked = publisher.drain(config.drain_timeout_s)
    finally:
        result.acked = publisher.acked
        result.window_waits = publisher.window_waits
        publisher.close()
        writer.close()
    return result


def _send_all(
    k: int,
    config: SimulationConfig,
    spec: PlanSpec,
    sensors: list[Sensor],
    registry: Registry,
    share: float,
    publisher: FleetPublisher,
    writer: TruthWriter,
    counters: Any,
    status: StatusLine,
    result: WorkerResult,
    halt: Any = None,
) -> None:
    """Send the plan in order, paced (or as fast as it goes with ``max_rate``), until it
    ends, the deadline passes, ``halt`` is raised or KeyboardInterrupt (both: interrupted)."""
    pacer = None if config.max_rate else Pacer(share)
    monotonic, wall = time.monotonic, time.time
    by_fault, by_reason, by_format = result.by_fault, result.by_reason, result.by_format
    started = last_status = monotonic()
    deadline = started + config.duration_s if config.max_rate else math.inf
    next_check = started + _CHECK_EVERY_S
    last_sent = 0
    status_every = config.status_interval_s if status.tty else max(5.0, config.status_interval_s)
    sent = valid = 0
    pump_every = max(
        64, min(8 * len(sensors), 8192, config.inflight_per_client * len(sensors) // 2)
    )
    next_pump = pump_every
    try:
        for topic, payload, truth in plan(spec, sensors, registry, emit_scenarios=(k == 0)):
            if topic is None:
                writer.write(truth)
                if truth["kind"] == "gap":
                    result.gaps += 1
                    by_fault["dropout"] += 1
                continue
            now = monotonic()
            if now >= next_check:
                next_check = now + _CHECK_EVERY_S
                if halt is not None and halt.value:
                    result.interrupted = True
                    break
                if now >= deadline:
                    break
            while pacer is not None and not pacer.take(now):
                publisher.pump(pacer.wait_s(now))
                now = monotonic()
            assert payload is not None
            publisher.publish(truth["sensor_id"], topic, payload)
            truth["sent_at"] = round(wall(), 6)
            writer.write(truth)
            sent += 1
            by_format[truth["format"]] += 1
            if truth["valid"]:
                valid += 1
            if truth["expected_reason"]:
                by_reason[truth["expected_reason"]] += 1
            fault = truth["fault"]
            if fault:
                by_fault[fault] += 1
            if sent >= next_pump:
                # Read PUBACKs in batches: with one connection per sensor, waiting until each
                # connection has a few acks queued amortises the poll over several of them.
                next_pump = sent + pump_every
                publisher.pump(0.0)
                if counters is not None:
                    _publish_counters(counters, k, sent, publisher.acked, by_fault)
            if now - last_status >= status_every:  # by the clock: slow runs show it too
                status.show(
                    format_status(
                        elapsed_s=now - started,
                        sent=sent,
                        acked=publisher.acked,
                        target_rate=config.rate,
                        recent_rate=(sent - last_sent) / (now - last_status),
                        faults=by_fault,
                    )
                )
                last_status, last_sent = now, sent
    except KeyboardInterrupt:
        result.interrupted = True
    result.send_elapsed_s = monotonic() - started
    result.sent, result.valid, result.invalid = sent, valid, sent - valid
    if counters is not None:
        _publish_counters(counters, k, sent, publisher.acked, by_fault)


def _publish_counters(counters: Any, k: int, sent: int, acked: int, faults: Counter[str]) -> None:
    base = k * _WIDTH
    counters[base] = sent
    counters[base + 1] = acked
    for j, name in enumerate(FAULTS):
        counters[base + 2 + j] = faults.get(name, 0)


def _report(
    config: SimulationConfig,
    spec: PlanSpec,
    sensors: Sequence[Sensor],
    processes: int,
    results: Sequence[WorkerResult],
    elapsed: float,
) -> SimulationReport:
    total: dict[str, Counter[str]] = {
        "by_fault": Counter(),
        "by_reason": Counter(),
        "by_format": Counter(),
    }
    for r in results:
        total["by_fault"].update(r.by_fault)
        total["by_reason"].update(r.by_reason)
        total["by_format"].update(r.by_format)
    sent = sum(r.sent for r in results)
    send_elapsed = max((r.send_elapsed_s for r in results), default=0.0)
    return SimulationReport(
        target_rate=config.rate,
        duration_s=config.duration_s,
        elapsed_s=elapsed,
        send_elapsed_s=send_elapsed,
        achieved_rate=sent / send_elapsed if send_elapsed else 0.0,
        sensors=len(sensors),
        processes=processes,
        sent=sent,
        acked=sum(r.acked for r in results),
        unacked=sum(r.unacked for r in results),
        valid=sum(r.valid for r in results),
        invalid=sum(r.invalid for r in results),
        gaps=sum(r.gaps for r in results),
        window_waits=sum(r.window_waits for r in results),
        interrupted=any(r.interrupted for r in results),
        by_fault=dict(total["by_fault"]),
        by_reason=dict(total["by_reason"]),
        by_format=dict(total["by_format"]),
        speed=spec.speed,
        compression=spec.compression,
        sim_start=spec.sim_start,
        sim_end=spec.sim_end,
        truth_path=config.truth_path,
    )


def _join_truth(
    config: SimulationConfig, spec: PlanSpec, parts: Sequence[Path | None], report: SimulationReport
) -> None:
    assert config.truth_path is not None
    encode = msgspec.json.Encoder().encode
    header = {
        "kind": "run",
        "truth_version": TRUTH_VERSION,
        "seed": config.seed,
        "cities": list(config.cities),
        "rate": config.rate,
        "max_rate": config.max_rate,
        "duration_s": config.duration_s,
        "scale": config.scale,
        "faults": dict(config.faults),
        "formats": dict(config.formats),
        "scenarios": list(config.scenarios),
        "processes": report.processes,
        "sensors": report.sensors,
        "sim_start": spec.sim_start,
        "sim_end": spec.sim_end,
        "speed": spec.speed,
        "compression": spec.compression,
        "wall_start": spec.wall_start,
    }
    summary = {
        "kind": "summary",
        **{k: v for k, v in asdict(report).items() if k not in ("truth_path",)},
    }
    with config.truth_path.open("wb") as out:
        out.write(encode(header) + b"\n")
        for part in parts:
            assert part is not None
            if part.exists():
                with part.open("rb") as f:
                    shutil.copyfileobj(f, out, 1 << 20)
                os.unlink(part)
        out.write(encode(summary) + b"\n")
