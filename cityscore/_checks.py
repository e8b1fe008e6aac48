"""Input checks and rounding shared by the indicator modules (pure, no numpy)."""

from __future__ import annotations

import math
from typing import Final

from cityscore.errors import InvalidConcentration, InvalidValue

#: Percent per unit fraction.
PERCENT: Final[float] = 100.0


def finite(name: str, value: float) -> float:
    """Return ``value`` as float, or raise if it is NaN/±inf or not a number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidValue(name, value, "is not a number")
    if not math.isfinite(value):
        raise InvalidValue(name, value, "is not finite (NaN or infinite)")
    return float(value)


def non_negative(name: str, value: float) -> float:
    """Finite and >= 0."""
    checked = finite(name, value)
    if checked < 0.0:
        raise InvalidValue(name, value, "is negative")
    return checked


def positive(name: str, value: float) -> float:
    """Finite and > 0."""
    checked = finite(name, value)
    if checked <= 0.0:
        raise InvalidValue(name, value, "must be greater than zero")
    return checked


def share(name: str, value: float) -> float:
    """A fraction in [0, 1]."""
    checked = finite(name, value)
    if not 0.0 <= checked <= 1.0:
        raise InvalidValue(name, value, "must be a share between 0 and 1")
    return checked


def concentration(pollutant: str, value: float) -> float:
    """A concentration: finite and >= 0, else :class:`InvalidConcentration`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidConcentration(pollutant, value, "is not a number")
    if not math.isfinite(value):
        raise InvalidConcentration(pollutant, value, "is not finite (NaN or infinite)")
    if value < 0.0:
        raise InvalidConcentration(pollutant, value, "is negative")
    return float(value)


def round_half_up(value: float) -> int:
    """Round to the nearest integer, halves up (EPA and KLHK display rounding).

    Python's ``round`` rounds halves to even (``round(100.5) == 100``), which is not what
    the agencies publish.
    """
    return math.floor(value + 0.5)
