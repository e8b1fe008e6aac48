"""Synthetic sensor fleets for the pilot cities, with fault injection and a ground truth.

Python API (the CLI is ``kotacerdas simulate``, see ``simulators.cli``):

* ``plan(spec, sensors, registry)`` — the pure message plan: ``(topic, payload, truth)``;
* ``make_spec(...)`` — solve the time model for a rate and duration;
* ``run(SimulationConfig(...))`` — publish to a broker, return a ``SimulationReport``.
"""

from simulators.config import SimulationConfig
from simulators.planner import PlanItem, PlanSpec, make_spec, plan
from simulators.runner import SimulationReport, run, select_sensors

__all__ = [
    "PlanItem",
    "PlanSpec",
    "SimulationConfig",
    "SimulationReport",
    "make_spec",
    "plan",
    "run",
    "select_sensors",
]
