"""Scenario events for deterministic tests (issue 11): where and when each one happens (pure).

The schedule depends only on the seed, the chosen sensors and the simulated window, so every
worker process computes the same one and applies the part that concerns its sensors.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from kotacerdas.registry import Sensor

# Simulated durations each scenario aims for (shrunk to fit short runs).
TARGET_S: Final = {
    "haze": 8 * 3600.0,  # "for hours"
    "rush_gridlock": 45 * 60.0,  # V/C > 1 for ≥ 20 min
    "missed_collection": 2 * 86_400.0,
    "bin_fire": 3600.0,
    "silent_sensor": 6 * 3600.0,
}
_DOMAIN: Final = {
    "haze": "air",
    "rush_gridlock": "traffic",
    "missed_collection": "waste",
    "bin_fire": "waste",
    "silent_sensor": "air",
}


@dataclass(frozen=True, slots=True)
class ScenarioEvent:
    name: str
    city: str
    sensor_ids: tuple[str, ...]
    start: float  # epoch seconds, simulated
    end: float
    district: str | None = None

    def active(self, epoch: float) -> bool:
        return self.start <= epoch < self.end

    def ramp(self, epoch: float, ramp_s: float) -> float:
        """0..1: rises over ``ramp_s`` after start, falls over ``ramp_s`` before end."""
        if not self.active(epoch):
            return 0.0
        return min(1.0, (epoch - self.start) / ramp_s, (self.end - epoch) / ramp_s)


def schedule(
    names: Sequence[str], sensors: Sequence[Sensor], seed: int, sim_start: float, span_s: float
) -> tuple[ScenarioEvent, ...]:
    """One event per requested scenario, placed in the first half of the simulated window."""
    rng = random.Random(f"{seed}:scenarios")
    ordered = sorted(sensors, key=lambda s: s.sensor_id)
    events = []
    for name in names:
        candidates = [s for s in ordered if s.domain == _DOMAIN[name]]
        if not candidates:
            continue
        length = min(TARGET_S[name], 0.6 * span_s)
        start = sim_start + rng.uniform(0.05, 0.35) * span_s
        chosen = candidates[rng.randrange(len(candidates))]
        if name == "haze":  # a regional episode: every station of the city
            ids = tuple(s.sensor_id for s in candidates if s.city == chosen.city)
            events.append(ScenarioEvent(name, chosen.city, ids, start, start + length))
        elif name == "missed_collection":  # every bin of one district
            ids = tuple(
                s.sensor_id
                for s in candidates
                if s.city == chosen.city and s.district == chosen.district
            )
            events.append(
                ScenarioEvent(name, chosen.city, ids, start, start + length, chosen.district)
            )
        else:
            events.append(
                ScenarioEvent(
                    name, chosen.city, (chosen.sensor_id,), start, start + length, chosen.district
                )
            )
    return tuple(events)
