"""Environmental noise against KepMenLH 48/1996 (baku tingkat kebisingan) [C].

The decree sets one limit per zone, in dB(A), and compares it with the day–night level
L_SM (Lampiran II) with a +3 dB(A) tolerance::

    L_SM = 10 log10( (16 · 10^(0.1 L_S) + 8 · 10^(0.1 (L_M + 5))) / 24 )

L_S is the daytime Leq (06.00–22.00), L_M the night Leq (22.00–06.00) with a 5 dB
night penalty.
"""

from __future__ import annotations

import math
from typing import Final

from cityscore import _checks
from cityscore.errors import UnknownZone
from cityscore.tables import noise as table

__all__ = [
    "day_night_level",
    "energy_mean",
    "exceeds_limit",
    "is_night",
    "limit",
    "night_exceeds_limit",
]

_DECIBEL_SCALE: Final[float] = 10.0  # dB = 10 log10(energy ratio), by definition


def limit(zone: str = table.DEFAULT_ZONE) -> float:
    """Baku tingkat kebisingan of ``zone`` in dB(A) (e.g. residential 55)."""
    try:
        return table.LIMITS_DBA[zone]
    except KeyError:
        raise UnknownZone(zone, table.LIMITS_DBA) from None


def day_night_level(day_leq_dba: float, night_leq_dba: float) -> float:
    """L_SM from the day (L_S) and night (L_M) Leq, Lampiran II formula [C]."""
    day = _checks.finite("day_leq_dba", day_leq_dba)
    night = _checks.finite("night_leq_dba", night_leq_dba)
    energy = (
        table.DAY_HOURS * 10 ** (day / _DECIBEL_SCALE)
        + table.NIGHT_HOURS * 10 ** ((night + table.NIGHT_PENALTY_DB) / _DECIBEL_SCALE)
    ) / (table.DAY_HOURS + table.NIGHT_HOURS)
    return _DECIBEL_SCALE * math.log10(energy)


def exceeds_limit(day_night_dba: float, zone: str = table.DEFAULT_ZONE) -> bool:
    """The decree's test: L_SM above the zone limit plus the 3 dB(A) tolerance."""
    level = _checks.finite("day_night_dba", day_night_dba)
    return level > limit(zone) + table.TOLERANCE_DB


def night_exceeds_limit(night_leq_dba: float, zone: str = table.DEFAULT_ZONE) -> bool:
    """Screening for night alerts: night Leq strictly above the zone limit.

    The decree itself judges L_SM (above); comparing the night Leq directly with the
    zone limit, without tolerance, is **our** stricter screening rule [U] so operators
    hear about night disturbance the same night rather than after a 24-h L_SM.
    """
    level = _checks.finite("night_leq_dba", night_leq_dba)
    return level > limit(zone)


#: Night is 22.00–06.00 local time in the decree (L_M), day 06.00–22.00 (L_S).
NIGHT_START_HOUR: Final[int] = 22
NIGHT_END_HOUR: Final[int] = 6


def is_night(local_hour: int) -> bool:
    """Whether an hour starting at ``local_hour`` (0–23) is in the decree's night."""
    if not 0 <= local_hour <= 23:
        raise ValueError(f"local_hour must be 0–23, got {local_hour}")
    return local_hour >= NIGHT_START_HOUR or local_hour < NIGHT_END_HOUR


def energy_mean(levels_dba: list[float]) -> float:
    """Leq of several equal-length periods: the mean of their sound energies, in dB(A).

    Decibels are logarithmic: the arithmetic mean of 50 and 70 dB understates the
    exposure (60 dB); the energy mean is 67 dB.
    """
    if not levels_dba:
        raise ValueError("energy_mean needs at least one level")
    energies = [10 ** (_checks.finite("level", level) / _DECIBEL_SCALE) for level in levels_dba]
    return _DECIBEL_SCALE * math.log10(sum(energies) / len(energies))
