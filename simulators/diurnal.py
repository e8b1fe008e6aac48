"""Shared shapes of the day: local clock, bumps, activity. Pure functions, no I/O."""

from __future__ import annotations

import math
from typing import Final

# UTC offsets of the two time zones the pilot cities use (no daylight saving in Indonesia).
TZ_OFFSET_S: Final = {
    "Asia/Jakarta": 7 * 3600,
    "Asia/Makassar": 8 * 3600,
    "Asia/Jayapura": 9 * 3600,
}


def local_hour(epoch: float, offset_s: int) -> float:
    """Hour of the local day, 0.0 ≤ h < 24."""
    return ((epoch + offset_s) % 86_400) / 3600.0


def local_weekday(epoch: float, offset_s: int) -> int:
    """Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday)."""
    return int(((epoch + offset_s) // 86_400 + 3) % 7)


def bump(hour: float, centre: float, width: float) -> float:
    """A Gaussian bump of height 1 centred on ``centre`` hours, wrapping around midnight."""
    d = abs(hour - centre)
    d = min(d, 24.0 - d)
    return math.exp(-0.5 * (d / width) ** 2)


def rush(hour: float, weekend: bool) -> float:
    """Traffic activity 0..~1.2: morning peak ~07:30, evening peak ~17:30, a midday plateau.

    Jakarta's commuter peaks (06:30–09:00 and 16:30–19:30) are the common pattern of the
    pilot cities; weekends have a later, flatter profile.
    """
    if weekend:
        return 0.12 + 0.45 * bump(hour, 11.0, 3.0) + 0.45 * bump(hour, 18.5, 2.0)
    return (
        0.10
        + 0.85 * bump(hour, 7.5, 1.2)
        + 0.80 * bump(hour, 17.5, 1.5)
        + 0.40 * bump(hour, 12.5, 2.5)
    )


def daylight(hour: float) -> float:
    """0 at night, 1 at solar noon (~12:00 local near the equator), sine between 06 and 18."""
    if 6.0 <= hour <= 18.0:
        return math.sin(math.pi * (hour - 6.0) / 12.0)
    return 0.0


def decay(dt_s: float, tau_s: float) -> float:
    """exp(−dt/τ): how much of a first-order state survives ``dt_s`` seconds."""
    return math.exp(-dt_s / tau_s)


def chance(rate_per_h: float, dt_s: float) -> float:
    """Probability that a Poisson event of ``rate_per_h`` happens within ``dt_s`` seconds."""
    return 1.0 - math.exp(-rate_per_h * dt_s / 3600.0)


def _table(fn: object) -> tuple[float, ...]:
    """fn(hour) sampled at every minute of the day (profiles are smooth at that scale)."""
    return tuple(fn(m / 60.0) for m in range(1440))  # type: ignore[operator]


# Per-minute tables: the physics looks shapes up instead of evaluating exponentials.
RUSH_WEEKDAY: Final = _table(lambda h: rush(h, False))
RUSH_WEEKEND: Final = _table(lambda h: rush(h, True))
NIGHT_INVERSION: Final = _table(lambda h: 1.0 + 0.35 * bump(h, 3.0, 2.5))
O3_SHAPE: Final = _table(lambda h: bump(h, 13.5, 2.2) * (0.4 + 0.6 * daylight(h)))
MORNING_PEAK: Final = _table(lambda h: bump(h, 7.5, 1.2))
DIURNAL_COS: Final = _table(lambda h: math.cos(2 * math.pi * (h - 14.5) / 24.0))


def minute_of_day(epoch: float, offset_s: int) -> int:
    return int((epoch + offset_s) % 86_400) // 60
