"""WHO Global Air Quality Guidelines 2021: which levels a value exceeds (STANDARDS §3).

``value`` is in our canonical µg/m³ for every pollutant, CO included; the CO levels are
published in mg/m³ and converted here. "Exceeds" means strictly above the level: a value
equal to the AQG meets the guideline.

Averaging keys: ``annual``, ``24h``, ``8h``, ``peak_season`` (2021 table [V]) and the
carried-over short-term guidelines ``1h`` (NO2, CO), ``10min`` (SO2), ``8h`` (CO) [U].
Note the 24-h and 8-h levels are defined as 99th percentiles (3–4 exceedance days per
year); this function compares one value, the caller decides what that value is.
"""

from __future__ import annotations

from cityscore import _checks
from cityscore.errors import UnknownAveraging, UnknownPollutant
from cityscore.tables import who as table

__all__ = ["averaging_periods", "exceedances", "levels"]


def _pollutants() -> tuple[str, ...]:
    return tuple(table.UNITS)


def averaging_periods(pollutant: str) -> tuple[str, ...]:
    """Averaging keys WHO defines for ``pollutant`` (2021 table first, then carried over)."""
    if pollutant not in table.UNITS:
        raise UnknownPollutant(pollutant, _pollutants())
    keys = [avg for (p, avg) in table.LEVELS if p == pollutant]
    keys += [avg for (p, avg) in table.CARRIED_OVER_AQG if p == pollutant and avg not in keys]
    return tuple(keys)


def levels(pollutant: str, averaging: str) -> dict[str, float]:
    """Defined levels in µg/m³ as ``{"IT1": …, "AQG": …}`` (undefined ones left out)."""
    periods = averaging_periods(pollutant)
    if averaging not in periods:
        raise UnknownAveraging(averaging, periods)
    factor = table.UG_PER_MG if table.UNITS[pollutant] == "mg/m3" else 1.0
    row = table.LEVELS.get((pollutant, averaging))
    if row is None:
        return {"AQG": table.CARRIED_OVER_AQG[(pollutant, averaging)] * factor}
    return {
        name: level * factor
        for name, level in zip(table.LEVEL_NAMES, row, strict=True)
        if level is not None
    }


def exceedances(pollutant: str, averaging: str, value: float) -> list[str]:
    """Names of the WHO 2021 levels (``IT1``…``IT4``, ``AQG``) that ``value`` exceeds.

    Ordered from the loosest (IT1) to the strictest (AQG); empty when the value meets
    the AQG. Example: PM2.5 24-h 40 µg/m³ → ``["IT3", "IT4", "AQG"]``.
    """
    checked = _checks.concentration(pollutant, value)
    return [name for name, level in levels(pollutant, averaging).items() if checked > level]
