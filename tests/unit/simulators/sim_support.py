"""Builders shared by the simulator tests (no services needed)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from kotacerdas.registry import Registry, Sensor, load_registry
from simulators.planner import PlanItem, PlanSpec, make_spec, plan

WALL_START = 1_795_900_000.0  # a fixed "now" so plans are reproducible
ALL_FAULTS = {
    "duplicate": 0.01,
    "out_of_order": 0.02,
    "late": 0.01,
    "malformed": 0.005,
    "stuck": 0.001,
    "dropout": 0.002,
    "clock_skew": 0.001,
}
MIXED_FORMATS = {"native": 0.6, "senml": 0.25, "ngsi": 0.15}


@lru_cache(maxsize=1)
def registry() -> Registry:
    return load_registry()


def fleet(cities: Sequence[str] = ("jakarta", "makassar")) -> list[Sensor]:
    return sorted(
        (s for s in registry().sensors.values() if s.city in cities), key=lambda s: s.sensor_id
    )


def make_plan_spec(
    *,
    seed: int = 7,
    rate: float = 5000.0,
    duration_s: float = 4.0,
    faults: dict[str, float] | None = None,
    formats: dict[str, float] | None = None,
    scenarios: Sequence[str] = (),
    sensors: Sequence[Sensor] | None = None,
    max_span_s: float = 6 * 86_400,
) -> PlanSpec:
    return make_spec(
        sensors if sensors is not None else fleet(),
        seed=seed,
        rate=rate,
        duration_s=duration_s,
        max_span_s=max_span_s,
        wall_start=WALL_START,
        faults=faults,
        formats=formats,
        scenario_names=scenarios,
    )


def make_plan(spec: PlanSpec, sensors: Sequence[Sensor] | None = None) -> list[PlanItem]:
    return list(plan(spec, sensors if sensors is not None else fleet(), registry()))
