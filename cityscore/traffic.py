"""Traffic indicators: V/C, level of service, speed ratio, congestion level.

- :func:`level_of_service` — PM 96/2015 by degree of saturation DS = V/C, bands half-open
  on the upper side: DS <= 0.20 A; 0.20 < DS <= 0.44 B; … ; DS > 1.00 F (E/F [U]).
- :func:`speed_level_of_service` — KM 14/2006, urban network, by average speed [C/U].
- :func:`congestion_level` — TomTom: extra travel time over free flow, percent [V].
"""

from __future__ import annotations

from typing import Final

from cityscore import _checks
from cityscore.errors import UnknownLevelOfService
from cityscore.tables import traffic as table

__all__ = [
    "congestion_level",
    "hourly_flow",
    "level_of_service",
    "los_rank",
    "speed_level_of_service",
    "speed_ratio",
    "vc_ratio",
]

SECONDS_PER_HOUR: Final[float] = 3600.0


def vc_ratio(flow_pcu_h: float, capacity_pcu_h: float) -> float:
    """Degree of saturation DS = V/C (flow and capacity in pcu/h, Indonesian *smp/jam*).

    Raises :class:`~cityscore.errors.InvalidValue` for a negative flow or a capacity
    that is not greater than zero.
    """
    flow = _checks.non_negative("flow_pcu_h", flow_pcu_h)
    capacity = _checks.positive("capacity_pcu_h", capacity_pcu_h)
    return flow / capacity


def level_of_service(vc_ratio: float) -> str:
    """LOS ``A``…``F`` from V/C per PM 96/2015 (upper bound of each band inclusive)."""
    ratio = _checks.non_negative("vc_ratio", vc_ratio)
    return next(los for upper, los, _status in table.VC_BANDS if ratio <= upper)


def los_rank(los: str) -> int:
    """0 for ``A`` … 5 for ``F``; raises for anything else."""
    try:
        return table.LEVELS.index(los)
    except ValueError:
        raise UnknownLevelOfService(los, table.LEVELS) from None


def speed_level_of_service(speed_kmh: float) -> str:
    """LOS from average travel speed on the urban network (KM 14/2006).

    A >= 80, B >= 40, C >= 30, D >= 25 km/h [C]; the regulation gives E "≈ 25" and
    F "≈ 15" km/h, so splitting E/F at 15 km/h is our reading [U].
    """
    speed = _checks.non_negative("speed_kmh", speed_kmh)
    return next(los for minimum, los in table.SPEED_BANDS_KMH if speed >= minimum)


def speed_ratio(speed_kmh: float, free_flow_kmh: float) -> float:
    """Observed speed as a share of free-flow speed (1.0 = free flow)."""
    speed = _checks.non_negative("speed_kmh", speed_kmh)
    free_flow = _checks.positive("free_flow_kmh", free_flow_kmh)
    return speed / free_flow


def congestion_level(speed_kmh: float, free_flow_kmh: float) -> float:
    """Percent extra travel time over free flow (TomTom Traffic Index definition).

    Over a fixed distance travel time is distance / speed, so
    ``(t − t_free) / t_free × 100 = (free_flow / speed − 1) × 100``. A 30-minute free-flow
    trip that takes 45 minutes is 50 %. Faster than free flow gives a negative value,
    returned as is. A speed of 0 has no finite travel time and raises
    :class:`~cityscore.errors.InvalidValue`; callers report standstill as gridlock.
    """
    speed = _checks.positive("speed_kmh", speed_kmh)
    free_flow = _checks.positive("free_flow_kmh", free_flow_kmh)
    return (free_flow / speed - 1.0) * _checks.PERCENT


def hourly_flow(count: float, interval_s: float) -> float:
    """Vehicles per hour from a count over ``interval_s`` seconds (a reading's interval)."""
    vehicles = _checks.non_negative("vehicle_count", count)
    seconds = _checks.positive("interval_s", interval_s)
    return vehicles * SECONDS_PER_HOUR / seconds
