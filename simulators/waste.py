"""Waste bin physics: pure functions of (sensor, time, state, rng).

Bins fill at a rate set by the district's land use and the hour; a collection round each
morning empties them; a missed round lets them overflow (ultrasonic sensors read above the
brim, up to ~140 %); rarely a bin smoulders and its temperature spikes past 70 °C (fire).
Rates are plausible orders of magnitude for 660 L TPS containers [U].
"""

from __future__ import annotations

import random
from typing import Final, NamedTuple

from kotacerdas.registry import Sensor
from simulators.diurnal import chance, local_hour

FILL_PCT_PER_H: Final = {
    "residential": 1.1,
    "commercial": 1.7,
    "industrial": 0.9,
    "mixed": 1.35,
    "rural": 0.7,
}
OVERFLOW_CAP_PCT: Final = 140.0
MISSED_ROUND_PROBABILITY: Final = 0.04
FIRE_RATE_PER_H: Final = 0.0002
BULK_DENSITY_KG_PER_L: Final = 0.2  # uncompacted mixed municipal waste [U]


class WasteState(NamedTuple):
    fill: float = 20.0  # percent of the bin's volume
    last_round_day: int = -1  # local day number of the last collection round considered
    fire_until: float = 0.0  # epoch seconds; 0 = no fire
    rate_factor: float = 1.0  # this bin's usage relative to its district's


def round_hour(district: str) -> float:
    """The district's collection round hour, 05:00–07:45 local, stable per district."""
    return 5.0 + (sum(map(ord, district)) % 12) * 0.25


def waste_step(
    sensor: Sensor,
    epoch: float,
    dt_s: float,
    state: WasteState,
    rng: random.Random,
    *,
    offset_s: int,
    land_use: str,
    skip_rounds: bool = False,
    fire: bool = False,
) -> tuple[dict[str, float], WasteState]:
    """One reading at ``epoch``. ``skip_rounds``/``fire`` force the scenarios of the same name."""
    hour = local_hour(epoch, offset_s)
    day = int((epoch + offset_s) // 86_400)
    activity = 1.45 if 6.0 <= hour <= 21.0 else 0.3
    fill = state.fill + FILL_PCT_PER_H[land_use] * state.rate_factor * activity * dt_s / 3600.0
    last_round_day = state.last_round_day
    if day != last_round_day and hour >= round_hour(sensor.district):
        last_round_day = day
        missed = skip_rounds or rng.random() < MISSED_ROUND_PROBABILITY
        if not missed:
            fill = rng.uniform(0.0, 4.0)
    fill = min(OVERFLOW_CAP_PCT, fill)
    fire_until = state.fire_until
    if fire_until and epoch >= fire_until and not fire:
        fire_until = 0.0
    if fire and not fire_until:
        fire_until = epoch + 3600.0
    elif not fire_until and rng.random() < chance(FIRE_RATE_PER_H, dt_s):
        fire_until = epoch + rng.uniform(1800.0, 5400.0)
    ambient = 28.0 + 4.0 * (1.0 if 10.0 <= hour <= 16.0 else 0.0) + 1.5  # fermentation warmth
    temperature = ambient + (rng.random() - 0.5)
    if fire_until:
        temperature = rng.uniform(75.0, 240.0) if fire else rng.uniform(70.0, 180.0)
    capacity = sensor.capacity_l or 660.0
    metrics = {
        "fill_level": round(fill, 1),
        "temperature": round(temperature, 1),
        "weight_kg": round(min(fill, 100.0) / 100.0 * capacity * BULK_DENSITY_KG_PER_L, 1),
        "lid_open": 1.0 if 6.0 <= hour <= 21.0 and rng.random() < 0.03 else 0.0,
    }
    return metrics, WasteState(fill, last_round_day, fire_until, state.rate_factor)
