"""Traffic counter physics: pure functions of (sensor, time, state, rng).

Demand follows the hour and the road class; speed falls as V/C rises by the BPR form
v = v_ff / (1 + α (V/C)^β) with α = 1.0, β = 4 — the urban-arterial calibration that gives
half the free-flow speed at capacity, close to MKJI 1997's speed–flow curves at DS = 1 [U].
Incidents take half a segment's capacity for 20–60 min. Counts are pcu-equivalents (emp = 1),
so count / capacity is the Indonesian degree of saturation DS (PM 96/2015, STANDARDS.md §4.1).
"""

from __future__ import annotations

import random
from typing import Final, NamedTuple

from kotacerdas.registry import Sensor
from simulators.diurnal import RUSH_WEEKDAY, RUSH_WEEKEND, chance, local_weekday, minute_of_day

BPR_ALPHA: Final = 1.0
BPR_BETA: Final = 4
# Peak-hour demand as a share of capacity by road class [U]: arterials run near capacity.
CLASS_DEMAND: Final = {
    "arteri_primer": 0.95,
    "arteri_sekunder": 0.9,
    "kolektor_primer": 0.75,
    "kolektor_sekunder": 0.75,
    "lokal": 0.55,
}
# How saturated each city's network gets at peak, relative to Jakarta [U].
CITY_DEMAND: Final = {"jakarta": 1.05, "makassar": 0.85, "banyuwangi": 0.6, "sumedang": 0.65}
INCIDENT_RATE_PER_H: Final = 0.004
INCIDENT_CAPACITY_LEFT: Final = 0.5
EFFECTIVE_VEHICLE_LENGTH_M: Final = 5.5  # vehicle + detector zone, for occupancy


class TrafficState(NamedTuple):
    incident_until: float = 0.0  # epoch seconds; 0 = no incident


def speed_for(free_flow_kmh: float, vc: float) -> float:
    """BPR speed for a volume/capacity ratio ``vc``."""
    return free_flow_kmh / (1.0 + BPR_ALPHA * vc**BPR_BETA)


def traffic_step(
    sensor: Sensor,
    epoch: float,
    dt_s: float,
    state: TrafficState,
    rng: random.Random,
    *,
    offset_s: int,
    surge: float = 0.0,
) -> tuple[dict[str, float], TrafficState]:
    """One rolling count over the sensor's nominal interval, ending at ``epoch``.

    ``surge`` (0..1) adds demand for the ``rush_gridlock`` scenario (V/C well above 1).
    """
    assert sensor.capacity_pcu_h and sensor.free_flow_kmh and sensor.lanes
    minute = minute_of_day(epoch, offset_s)
    weekend = local_weekday(epoch, offset_s) >= 5
    capacity = sensor.capacity_pcu_h
    incident_until = state.incident_until
    if incident_until and epoch >= incident_until:
        incident_until = 0.0
    if not incident_until and rng.random() < chance(INCIDENT_RATE_PER_H, dt_s):
        incident_until = epoch + rng.uniform(1200.0, 3600.0)
    if incident_until:
        capacity *= INCIDENT_CAPACITY_LEFT
    share = CLASS_DEMAND.get(sensor.road_class or "lokal", 0.6) * CITY_DEMAND.get(sensor.city, 0.7)
    demand = sensor.capacity_pcu_h * share * (RUSH_WEEKEND if weekend else RUSH_WEEKDAY)[minute]
    demand *= 1.0 + 0.2 * (rng.random() - 0.5)
    demand += sensor.capacity_pcu_h * 1.1 * surge  # gridlock: V/C > 1 at any hour
    vc = demand / capacity
    speed = speed_for(sensor.free_flow_kmh, vc) * (0.95 + 0.1 * rng.random())
    count = round(demand * sensor.interval_s / 3600.0)
    density = demand / max(speed, 1.0) / sensor.lanes  # pcu per km per lane
    occupancy = min(95.0, density * EFFECTIVE_VEHICLE_LENGTH_M / 10.0)
    speeding_share = 0.2 * max(0.0, 1.0 - vc) ** 2
    metrics = {
        "vehicle_count": float(count),
        "avg_speed_kmh": round(speed, 1),
        "occupancy": round(occupancy, 1),
        "speeding_count": float(min(count, round(count * speeding_share))),
    }
    return metrics, TrafficState(incident_until)
