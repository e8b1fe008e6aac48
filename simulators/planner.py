"""The message plan (pure): which sensor sends what, when, in which format, with which fault.

``plan(spec, sensors)`` yields ``PlanItem(topic, payload, truth)`` in sending order. Items with
``topic is None`` are truth-only records (gaps, scenarios). Nothing here touches a socket or a
clock: the wall start is an input, so the same spec and seed give byte-identical plans.

Every sensor has its own random stream (seeded by ``"<seed>:<sensor_id>"``), so a sensor's
messages do not depend on how the fleet is split over worker processes.
"""

from __future__ import annotations

import hashlib
import heapq
import random
import time
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

from kotacerdas.registry import Registry, Sensor
from simulators.air import AirState, air_step
from simulators.config import TimeModel
from simulators.diurnal import TZ_OFFSET_S
from simulators.encoders import ENCODERS, FORMAT_VARIANTS, Observation, encode_native
from simulators.faults import (
    FIELD_LEVEL_KINDS,
    MALFORMED_KINDS,
    MAX_AGE_S,
    cumulative_rates,
    draw_fault,
    malformed_payload,
)
from simulators.scenarios import ScenarioEvent, schedule
from simulators.traffic import TrafficState, traffic_step
from simulators.waste import WasteState, waste_step

TRUTH_VERSION: Final = 1
# A sensor may not report more often than once a second: event times are whole seconds,
# which keeps (sensor_id, ts) unique and SenML's float base time exact.
MIN_INTERVAL_S: Final = 1


class PlanItem(NamedTuple):
    topic: str | None
    payload: bytes | None
    truth: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PlanSpec:
    """Everything the plan depends on besides the sensors."""

    seed: int
    rate: float  # msgs/s for the whole fleet
    sim_start: int  # epoch seconds (UTC) of the first simulated instant
    sim_end: int  # no reading at or after this instant
    wall_start: float  # epoch seconds when sending starts (for far-future faults)
    speed: float  # simulated seconds per wall second
    compression: float
    faults: Mapping[str, float] = field(default_factory=dict)
    formats: Mapping[str, float] = field(default_factory=lambda: {"native": 1.0})
    scenarios: tuple[ScenarioEvent, ...] = ()


# "As fast as it can" (``--max``): the plan is sized for this rate, far above what one
# simulator process reaches (tens of thousands a second); such a run stops at its duration.
MAX_PLAN_RATE: Final = 200_000.0


def max_plan_rate(sensors: Sequence[Sensor], duration_s: float, max_span_s: float) -> float:
    """The largest rate (at most ``MAX_PLAN_RATE``) that ``make_spec`` plans for ``sensors``
    over ``duration_s``: past ``max_span_s`` of simulated time a faster rate shortens every
    interval, and none may fall below ``MIN_INTERVAL_S`` (1 % kept for rounding)."""
    shortest = min(s.interval_s for s in sensors)
    limit = shortest * max_span_s * nominal_rate(sensors) / (duration_s * MIN_INTERVAL_S)
    return min(MAX_PLAN_RATE, 0.99 * limit)


def effective_interval(sensor: Sensor, compression: float) -> int:
    return max(MIN_INTERVAL_S, round(sensor.interval_s * compression))


def nominal_rate(sensors: Sequence[Sensor], compression: float = 1.0) -> float:
    """Messages per simulated second the sensors send at their (effective) intervals."""
    return sum(1.0 / effective_interval(s, compression) for s in sensors)


def make_spec(
    sensors: Sequence[Sensor],
    *,
    seed: int,
    rate: float,
    duration_s: float,
    max_span_s: float,
    wall_start: float,
    sim_start: int | None = None,
    faults: Mapping[str, float] | None = None,
    formats: Mapping[str, float] | None = None,
    scenario_names: Sequence[str] = (),
) -> PlanSpec:
    """Solve the time model for ``rate`` × ``duration_s`` messages (config.py docstring)."""
    model = TimeModel.solve(nominal_rate(sensors), rate, duration_s, max_span_s)
    smallest = min(s.interval_s for s in sensors) * model.compression
    if smallest < MIN_INTERVAL_S:
        from kotacerdas.errors import UserFacingError

        raise UserFacingError(
            f"--rate {rate:g} over {duration_s:g} s needs sensors reporting every "
            f"{smallest:.2f} s; add sensors with --scale or lower --rate/--duration"
        )
    effective = nominal_rate(sensors, model.compression)
    speed = rate / effective  # exact for the rounded effective intervals
    span = round(speed * duration_s)
    if sim_start is None:
        sim_start = int(wall_start) - span - 60  # the whole window lies in the past
    elif sim_start + span > wall_start:
        from kotacerdas.errors import UserFacingError

        raise UserFacingError(
            f"--start plus the simulated span ({span / 3600:.1f} h at this --rate and "
            "--duration) ends in the future; choose an earlier --start"
        )
    from simulators.scenarios import schedule as _schedule

    return PlanSpec(
        seed=seed,
        rate=rate,
        sim_start=sim_start,
        sim_end=sim_start + span,
        wall_start=wall_start,
        speed=speed,
        compression=model.compression,
        faults=dict(faults or {}),
        formats=dict(formats or {"native": 1.0}),
        scenarios=_schedule(scenario_names, sensors, seed, sim_start, span),
    )


def derive_msg_id_fast(sensor_id: str, ts_utc: str, seq: int | None) -> str:
    """``kotacerdas.contract.derive_msg_id`` for a preformatted whole-second UTC timestamp."""
    key = f"{sensor_id}|{ts_utc}|{'' if seq is None else seq}"
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


_MINUTE_PREFIX: dict[int, str] = {}


def iso(epoch: int, offset_s: int, suffix: str) -> str:
    """RFC 3339 for a whole-second epoch shown at ``offset_s`` (``suffix`` is "+07:00" etc.)."""
    local = epoch + offset_s
    minute, second = divmod(local, 60)
    prefix = _MINUTE_PREFIX.get(minute)
    if prefix is None:
        if len(_MINUTE_PREFIX) > 200_000:
            _MINUTE_PREFIX.clear()
        t = time.gmtime(minute * 60)
        prefix = f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:{t.tm_min:02d}:"
        _MINUTE_PREFIX[minute] = prefix
    return f"{prefix}{second:02d}{suffix}"


def _suffix(offset_s: int) -> str:
    return f"+{offset_s // 3600:02d}:{offset_s % 3600 // 60:02d}"


@dataclass(slots=True)
class _SensorRun:
    """Mutable per-sensor bookkeeping of the plan (never shared across sensors)."""

    sensor: Sensor
    topic: str
    interval: int
    rng: random.Random
    offset_s: int
    suffix: str
    land_use: str
    state: Any
    seq: int = 0
    stuck_left: int = 0
    stuck_metrics: dict[str, float] | None = None
    silent_left: int = 0
    malformed_count: int = 0
    events: tuple[ScenarioEvent, ...] = ()
    overtaken: list[PlanItem] = field(default_factory=list)  # out_of_order, sent after the next


def plan(
    spec: PlanSpec, sensors: Sequence[Sensor], registry: Registry, *, emit_scenarios: bool = True
) -> Iterator[PlanItem]:
    """Yield the plan for ``sensors`` (a slice of the fleet) in sending order."""
    runs = [_start(spec, s, registry) for s in sorted(sensors, key=lambda s: s.sensor_id)]
    if emit_scenarios:
        for event in spec.scenarios:
            yield PlanItem(None, None, _scenario_record(event))
    fault_edges = cumulative_rates(spec.faults)
    variants = _variant_edges(spec.formats)
    all_ids = sorted(registry.sensors)
    heap = [(spec.sim_start + r.rng.randrange(r.interval), i) for i, r in enumerate(runs)]
    heapq.heapify(heap)
    held: list[tuple[float, int, PlanItem]] = []  # (release epoch, tiebreak, item)
    tiebreak = 0
    while heap:
        epoch, i = heap[0]
        while held and held[0][0] <= epoch:
            yield heapq.heappop(held)[2]
        if epoch >= spec.sim_end:
            break
        heapq.heapreplace(heap, (epoch + runs[i].interval, i))
        for item, release in _reading(spec, runs[i], epoch, fault_edges, variants, all_ids):
            if release is None:
                yield item
            else:
                tiebreak += 1
                heapq.heappush(held, (release, tiebreak, item))
    while held:
        yield heapq.heappop(held)[2]
    for run in runs:  # never overtaken because the plan ended first
        yield from run.overtaken


def _start(spec: PlanSpec, sensor: Sensor, registry: Registry) -> _SensorRun:
    city = registry.cities[sensor.city]
    offset = TZ_OFFSET_S.get(city.timezone, 7 * 3600)
    district = registry.districts[(sensor.city, sensor.district)]
    rng = random.Random(f"{spec.seed}:{sensor.sensor_id}")
    state: Any
    if sensor.domain == "air":
        state = AirState()
    elif sensor.domain == "traffic":
        state = TrafficState()
    else:
        state = WasteState(fill=rng.uniform(5.0, 70.0), rate_factor=rng.uniform(0.7, 1.3))
    malformed_start = rng.randrange(len(MALFORMED_KINDS))  # rotate kinds across the fleet
    return _SensorRun(
        sensor=sensor,
        malformed_count=malformed_start,
        topic=f"kota/{sensor.city}/{sensor.domain}/{sensor.sensor_id}",
        interval=effective_interval(sensor, spec.compression),
        rng=rng,
        offset_s=offset,
        suffix=_suffix(offset),
        land_use=district.land_use,
        state=state,
        events=tuple(e for e in spec.scenarios if sensor.sensor_id in e.sensor_ids),
    )


def _variant_edges(formats: Mapping[str, float]) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """Cumulative shares (ending at 1.0) and the variant each one selects."""
    edges: list[float] = []
    names: list[str] = []
    total = 0.0
    for name in sorted(formats):
        variants = FORMAT_VARIANTS[name]
        for variant in variants:
            total += formats[name] / len(variants)
            edges.append(total)
            names.append(variant)
    return tuple(edge / total for edge in edges), tuple(names)


def _physics(run: _SensorRun, epoch: int) -> dict[str, float]:
    sensor, dt = run.sensor, float(run.interval)
    haze = surge = 0.0
    skip = fire = False
    for event in run.events:
        if event.name == "haze":
            haze = event.ramp(epoch, 3600.0)
        elif event.name == "rush_gridlock" and event.active(epoch):
            surge = 1.0
        elif event.name == "missed_collection" and event.active(epoch):
            skip = True
        elif event.name == "bin_fire" and event.active(epoch):
            fire = True
    if sensor.domain == "air":
        metrics, run.state = air_step(
            sensor,
            epoch,
            dt,
            run.state,
            run.rng,
            offset_s=run.offset_s,
            land_use=run.land_use,
            haze=haze,
        )
    elif sensor.domain == "traffic":
        metrics, run.state = traffic_step(
            sensor, epoch, dt, run.state, run.rng, offset_s=run.offset_s, surge=surge
        )
    else:
        metrics, run.state = waste_step(
            sensor,
            epoch,
            dt,
            run.state,
            run.rng,
            offset_s=run.offset_s,
            land_use=run.land_use,
            skip_rounds=skip,
            fire=fire,
        )
    return metrics


def _silenced(run: _SensorRun, epoch: int) -> bool:
    return any(e.name == "silent_sensor" and e.active(epoch) for e in run.events)


def _reading(
    spec: PlanSpec,
    run: _SensorRun,
    epoch: int,
    fault_edges: tuple[tuple[float, str], ...],
    variants: tuple[tuple[float, ...], tuple[str, ...]],
    all_ids: Sequence[str],
) -> list[tuple[PlanItem, float | None]]:
    """The items one reading produces, each with its release epoch (None = send now)."""
    out: list[tuple[PlanItem, float | None]] = []
    sensor, rng = run.sensor, run.rng
    metrics = _physics(run, epoch)
    run.seq += 1
    if run.silent_left:
        run.silent_left -= 1
        return out
    if run.events and _silenced(run, epoch):
        return out
    fault: str | None
    if run.stuck_left and run.stuck_metrics is not None:
        run.stuck_left -= 1
        metrics, fault = run.stuck_metrics, "stuck"
    else:
        fault = draw_fault(rng, fault_edges) if fault_edges else None
        if fault == "stuck":  # this reading's values repeat for the next 2–9 readings
            run.stuck_left, run.stuck_metrics = rng.randint(2, 9), metrics
    if fault == "dropout":
        missed = rng.randint(3, 10)
        run.silent_left = missed - 1  # this reading is the first one missed
        out.append(
            (
                PlanItem(
                    None,
                    None,
                    {
                        "kind": "gap",
                        "sensor_id": sensor.sensor_id,
                        "city": sensor.city,
                        "domain": sensor.domain,
                        "fault": "dropout",
                        "from": iso(epoch, 0, "+00:00"),
                        "to": iso(epoch + (missed - 1) * run.interval, 0, "+00:00"),
                        "missed": missed,
                    },
                ),
                None,
            )
        )
        return out
    variant = variants[1][min(bisect_left(variants[0], rng.random()), len(variants[1]) - 1)]
    ts = epoch
    valid, reason = True, None
    if fault == "clock_skew":
        if run.interval >= 3 and rng.random() < 0.5:
            half = (run.interval - 1) // 2
            ts = epoch + rng.choice((-1, 1)) * rng.randint(1, half)
        else:  # far ahead of the wall clock at sending time: beyond the 5-min skew limit
            wall_due = spec.wall_start + (epoch - spec.sim_start) / spec.speed
            ts = int(wall_due) + rng.randint(600, 3600)
            valid, reason = False, "future_timestamp"
    elif fault == "malformed":
        variant = "native"
    source_format, encoder = ENCODERS[variant]
    ts_utc = iso(ts, 0, "+00:00")
    ts_local = iso(ts, run.offset_s, run.suffix)
    native = source_format == "kota/v1"
    native_id = derive_msg_id_fast(sensor.sensor_id, ts_utc, run.seq) if native else ""
    interval_s = start_local = None
    if sensor.domain == "traffic":
        interval_s = sensor.interval_s
        start_local = iso(ts - interval_s, run.offset_s, run.suffix)
    obs = Observation(
        sensor.sensor_id,
        sensor.domain,
        ts,
        ts_local,
        ts_utc,
        run.seq,
        native_id,
        metrics,
        interval_s,
        start_local,
        sensor.direction,
    )
    if fault == "malformed":
        kind, code = MALFORMED_KINDS[run.malformed_count % len(MALFORMED_KINDS)]
        run.malformed_count += 1
        payload, _ = encode_native(obs)
        doc = {
            "v": 1,
            "sensor_id": sensor.sensor_id,
            "ts": ts_local,
            "seq": run.seq,
            "msg_id": native_id,
            "metrics": dict(metrics),
        }
        if interval_s is not None:
            doc["interval_s"] = interval_s
        wall_due = spec.wall_start + (epoch - spec.sim_start) / spec.speed
        other = all_ids[(all_ids.index(sensor.sensor_id) + 1) % len(all_ids)]
        payload = malformed_payload(
            kind,
            doc,
            other_sensor=other,
            far_future_local=iso(int(wall_due) + 86_400, run.offset_s, run.suffix),
            too_old_local=iso(
                int(wall_due) - MAX_AGE_S - rng.randint(86_400, 20 * 86_400),
                run.offset_s,
                run.suffix,
            ),
        )
        readback: dict[str, float] | None = None
        valid, reason, msg_id = False, str(code), native_id
        detail: str | None = kind
        cause: str | None = None
        if kind in FIELD_LEVEL_KINDS:  # the rest of the reading is kept
            readback = {k: v for i, (k, v) in enumerate(metrics.items()) if i > 0}
            valid, reason, cause = True, "field_rejected", str(code)
    else:
        payload, readback = encoder(obs)
        msg_id = native_id if native else derive_msg_id_fast(sensor.sensor_id, ts_utc, None)
        detail = cause = None
    truth: dict[str, Any] = {
        "kind": "message",
        "msg_id": msg_id,
        "sensor_id": sensor.sensor_id,
        "city": sensor.city,
        "domain": sensor.domain,
        "topic": run.topic,
        "format": source_format,
        "variant": variant,
        "valid": valid,
        "fault": fault,
        "expected_reason": reason,
        "ts": ts_utc,
        "seq": run.seq if native else None,
        "metrics": readback if valid else None,
    }
    if detail:
        truth["malformed"] = detail
    if cause:
        truth["expected_cause"] = cause
    if interval_s is not None and valid and variant != "senml":  # SenML has no period
        truth["interval_s"] = interval_s
    if fault == "duplicate":  # the first copy is the genuine reading
        truth["fault"] = None
    item = PlanItem(run.topic, payload, truth)
    if fault == "out_of_order":  # overtaken by the next reading the sensor sends
        run.overtaken.append(item)
    elif fault == "late":  # buffered on the device, beyond the aggregator's 2-min lateness
        out.append((item, epoch + rng.randint(180, 1800) + 0.5))
    else:
        out.append((item, None))
        while run.overtaken:
            out.append((run.overtaken.pop(0), None))
    if fault == "duplicate":
        copy = {
            **truth,
            "valid": False,
            "fault": "duplicate",
            "expected_reason": "duplicate",
            "duplicate_of": msg_id,
            "metrics": None,
        }
        out.append(
            (PlanItem(run.topic, payload, copy), epoch + rng.uniform(0.0, 2.0 * run.interval))
        )
    return out


def _scenario_record(event: ScenarioEvent) -> dict[str, Any]:
    return {
        "kind": "scenario",
        "name": event.name,
        "city": event.city,
        "district": event.district,
        "sensor_ids": list(event.sensor_ids),
        "start": iso(int(event.start), 0, "+00:00"),
        "end": iso(int(event.end), 0, "+00:00"),
    }


__all__ = ["TRUTH_VERSION", "PlanItem", "PlanSpec", "make_spec", "nominal_rate", "plan", "schedule"]
