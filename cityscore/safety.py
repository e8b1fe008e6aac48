"""Safety and order helpers for the aggregator and the alert jobs (DESIGN goal 2).

Each returns a plain value; alert hysteresis (open/close) belongs to the alert job.
Thresholds marked *ours* live in :mod:`cityscore.tables.policy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from cityscore import _checks, ispu, noise, traffic
from cityscore.errors import InvalidSeries, InvalidValue
from cityscore.tables import ispu as ispu_table
from cityscore.tables import noise as noise_table
from cityscore.tables import policy

__all__ = [
    "GRIDLOCK_MIN_DURATION",
    "bin_fire_risk",
    "gridlock",
    "hazardous_air",
    "los_f_duration",
    "night_noise",
    "speeding_share",
]

GRIDLOCK_MIN_DURATION = timedelta(minutes=policy.GRIDLOCK_MIN_MINUTES)
HAZARDOUS_CATEGORY = ispu_table.CATEGORY_CODES[-1]  # "berbahaya"


def bin_fire_risk(temperature_c: float, baseline_c: float | None = None) -> bool:
    """Fire risk in a bin (ours): at or above 60 °C, or 20 °C or more above its baseline.

    The absolute threshold catches smouldering waste anywhere; the jump catches a fire
    starting in a bin whose normal temperature is low (night, shade). ``baseline_c`` is
    the bin's own typical temperature (e.g. its rolling median), if known.
    """
    temperature = _checks.finite("temperature_c", temperature_c)
    if temperature >= policy.BIN_FIRE_TEMPERATURE_C:
        return True
    if baseline_c is None:
        return False
    return temperature - _checks.finite("baseline_c", baseline_c) >= policy.BIN_FIRE_JUMP_C


def los_f_duration(samples: Sequence[tuple[datetime, str]]) -> timedelta:
    """How long the current run of LOS F has lasted, up to the newest sample.

    ``samples`` are ``(time, LOS)`` observations of one segment in any order. The run is
    measured from its first F to the newest sample (conservative: we do not assume the
    state lasts past the last observation). ``timedelta(0)`` if the newest is not F.
    """
    ordered = sorted(samples, key=lambda sample: sample[0])
    for _, los in ordered:
        traffic.los_rank(los)  # an unknown letter raises rather than breaking the run
    if not ordered or ordered[-1][1] != policy.GRIDLOCK_LEVEL:
        return timedelta(0)
    start = ordered[-1][0]
    for ts, los in reversed(ordered):
        if los != policy.GRIDLOCK_LEVEL:
            break
        start = ts
    return ordered[-1][0] - start


def gridlock(
    samples: Sequence[tuple[datetime, str]], min_duration: timedelta = GRIDLOCK_MIN_DURATION
) -> bool:
    """Gridlock (ours): LOS F sustained for at least ``min_duration`` (15 min) until now."""
    if min_duration < timedelta(0):
        raise InvalidSeries("min_duration", f"must not be negative, got {min_duration!r}")
    return bool(samples) and los_f_duration(samples) >= min_duration


def speeding_share(speeding_count: float, vehicle_count: float) -> float | None:
    """Share (0–1) of vehicles over the limit; None when no vehicle passed."""
    speeding = _checks.non_negative("speeding_count", speeding_count)
    vehicles = _checks.non_negative("vehicle_count", vehicle_count)
    if speeding > vehicles:
        raise InvalidValue(
            "speeding_count", speeding_count, f"exceeds vehicle_count {vehicle_count!r}"
        )
    return speeding / vehicles if vehicles else None


def night_noise(night_leq_dba: float, zone: str = noise_table.DEFAULT_ZONE) -> bool:
    """Night Leq (22.00–06.00) above the KepMenLH 48/1996 zone limit (residential 55 dB(A)).

    Screening rule, see :func:`cityscore.noise.night_exceeds_limit` [U].
    """
    return noise.night_exceeds_limit(night_leq_dba, zone)


def hazardous_air(ispu_value: float) -> bool:
    """ISPU in the *berbahaya* category (> 300, STANDARDS §1.1 float bands)."""
    return ispu.category(ispu_value) == HAZARDOUS_CATEGORY
