"""US EPA AQI (2024 breakpoints), EPA native units, pure scalar functions.

Steps (STANDARDS §2.2 [V]): truncate the concentration to the pollutant's resolution,
find the band, interpolate ``Ip = (I_Hi − I_Lo)/(BP_Hi − BP_Lo) × (Cp − BP_Lo) + I_Lo``,
round to the nearest integer (halves up). Overall AQI = max sub-index.

Keys and units: ``pm25``, ``pm10`` µg/m³ (24-h or NowCast); ``o3_8h``, ``o3_1h``, ``co``
(8-h) ppm; ``so2`` (1-h), ``so2_24h``, ``no2`` (1-h) ppb. Convert our canonical µg/m³ with
:mod:`cityscore.units` first.

Averaging-period rules (STANDARDS §2.1):

- 8-h O3 above 0.200 ppm has no 8-h row: :func:`sub_index` raises
  :class:`~cityscore.errors.OutsideTableRange`; :func:`index` uses ``o3_1h`` instead and
  raises :class:`~cityscore.errors.MissingInput` if it is absent. When both O3 keys
  define a value, the higher is reported. 1-h O3 below 0.125 ppm defines no AQI and is
  skipped by :func:`index`.
- 1-h SO2 at or above 305 ppb: the AQI comes from ``so2_24h``. If the 24-h value is
  below 305 ppb the SO2 sub-index is 200, the top of the 1-h table (our reading [U]).
- Beyond the AQI: concentrations above a table's top row give 500 (capped) and
  ``beyond_index=True``; reports say "Beyond the AQI" rather than an invented number.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from cityscore import _checks
from cityscore.errors import InvalidValue, MissingInput, OutsideTableRange, UnknownPollutant
from cityscore.nowcast import nowcast
from cityscore.tables import aqi as table

__all__ = [
    "AqiResult",
    "beyond_index",
    "category",
    "colour",
    "index",
    "nowcast",
    "sub_index",
    "sub_index_on",
    "truncate",
]

#: Added (in resolution steps) before truncating ``c × 10^d``: absorbs binary noise such
#: as 0.29 × 100 = 28.999999999999996 while moving genuine values by at most 1e-6 of a
#: step. Plain float arithmetic so the numpy path gives bit-identical results.
TRUNCATION_GUARD_STEPS: Final[float] = 1e-6


@dataclass(frozen=True, slots=True)
class AqiResult:
    """Overall AQI for one place and averaging window."""

    value: int
    critical: str
    """EPA key of the responsible pollutant (ties: TAD table order)."""
    category: str
    """``good moderate usg unhealthy very_unhealthy hazardous``."""
    colour: str
    """Hex colour from the TAD (e.g. ``#00E400``)."""
    beyond_index: bool
    """True when a concentration is above its table ("Beyond the AQI"; value capped)."""
    sub_indices: Mapping[str, int] = field(hash=False)

    @property
    def display(self) -> str:
        """The integer, or ``"Beyond the AQI"`` when a value was capped."""
        return "Beyond the AQI" if self.beyond_index else str(self.value)


@dataclass(frozen=True, slots=True)
class _Scaled:
    """A breakpoint table with its band limits in integer truncation steps, so band
    membership is decided exactly, never by comparing binary floats."""

    name: str
    spec: table.PollutantTable
    scale: int
    first_lo: int
    his: tuple[int, ...]

    @classmethod
    def of(cls, name: str, spec: table.PollutantTable) -> _Scaled:
        scale = 10**spec.decimals
        his = tuple(round(band.c_hi * scale) for band in spec.bands)
        return cls(name, spec, scale, round(spec.bands[0].c_lo * scale), his)

    def steps(self, concentration: float) -> int:
        value = _checks.concentration(self.name, concentration)
        return math.floor(value * self.scale + TRUNCATION_GUARD_STEPS)

    def above(self, steps: int) -> bool:
        return steps > self.his[-1]

    def below(self, steps: int) -> bool:
        return steps < self.first_lo

    def interpolate(self, steps: int) -> int:
        """EPA equation on the band holding ``steps`` (caller checked the range)."""
        band = self.spec.bands[bisect_left(self.his, steps)]
        c = steps / self.scale
        raw = (band.i_hi - band.i_lo) / (band.c_hi - band.c_lo) * (c - band.c_lo) + band.i_lo
        return _checks.round_half_up(raw)


_SCALED: Final[dict[str, _Scaled]] = {k: _Scaled.of(k, v) for k, v in table.TABLES.items()}
#: Inverse of HANDOFF_ABOVE_TOP: o3_1h <- o3_8h, so2_24h <- so2.
_HANDOFF_SOURCE: Final[dict[str, str]] = {v: k for k, v in table.HANDOFF_ABOVE_TOP.items()}


def _scaled(pollutant: str) -> _Scaled:
    try:
        return _SCALED[pollutant]
    except KeyError:
        raise UnknownPollutant(pollutant, table.POLLUTANTS) from None


def truncate(pollutant: str, concentration: float) -> float:
    """EPA truncation: O3 0.001 ppm, PM2.5 0.1 µg/m³, PM10 1 µg/m³, CO 0.1 ppm, SO2/NO2 1 ppb."""
    scaled = _scaled(pollutant)
    return scaled.steps(concentration) / scaled.scale


def _sub_index(scaled: _Scaled, concentration: float, handoff: str | None) -> int:
    steps = scaled.steps(concentration)
    bands = scaled.spec.bands
    if scaled.below(steps):
        raise OutsideTableRange(
            scaled.name,
            steps / scaled.scale,
            f"the {scaled.name} table starts at {bands[0].c_lo} (AQI {bands[0].i_lo})",
        )
    if scaled.above(steps):
        if handoff is not None:
            raise OutsideTableRange(
                scaled.name,
                steps / scaled.scale,
                f"above {bands[-1].c_hi} EPA reports from {handoff}; pass {handoff}",
            )
        return table.AQI_CAP
    return scaled.interpolate(steps)


def sub_index(pollutant: str, concentration: float) -> int:
    """AQI sub-index (integer) of one pollutant in EPA native units; 500 beyond the table.

    Raises :class:`~cityscore.errors.OutsideTableRange` below a partial table (1-h O3,
    24-h SO2) and above a table that hands over (8-h O3, 1-h SO2); see the module notes.
    """
    scaled = _scaled(pollutant)
    return _sub_index(scaled, concentration, table.HANDOFF_ABOVE_TOP.get(pollutant))


def sub_index_on(spec: table.PollutantTable, concentration: float, name: str = "c") -> int:
    """The same truncation, equation and rounding on any EPA-style table.

    For historical tables (e.g. checking the agencies' worked examples, which predate
    the 2024 breakpoints); values above ``spec`` are capped at 500.
    """
    return _sub_index(_Scaled.of(name, spec), concentration, None)


def beyond_index(pollutant: str, concentration: float) -> bool:
    """True when the truncated concentration is above a capped table's top row."""
    scaled = _scaled(pollutant)
    return scaled.above(scaled.steps(concentration)) and pollutant not in table.HANDOFF_ABOVE_TOP


def _row(aqi: int) -> tuple[int, str, str, str]:
    if isinstance(aqi, bool) or not isinstance(aqi, int):
        raise InvalidValue("aqi", aqi, "must be an integer (sub_index and index round)")
    if aqi < 0:
        raise InvalidValue("aqi", aqi, "is negative")
    return next(row for row in table.CATEGORIES if aqi <= row[0])


def category(aqi: int) -> str:
    """``good`` 0–50 · ``moderate`` 51–100 · ``usg`` 101–150 · ``unhealthy`` 151–200 ·
    ``very_unhealthy`` 201–300 · ``hazardous`` 301 and above."""
    return _row(aqi)[1]


def colour(aqi: int) -> str:
    """Hex colour of the AQI category (TAD Table 2)."""
    return _row(aqi)[3]


def _applicable(concentrations: Mapping[str, float]) -> tuple[dict[str, int], bool]:
    """Sub-indices after the O3 and SO2 averaging-period rules, and the beyond flag."""
    steps = {
        key: _SCALED[key].steps(concentrations[key])
        for key in table.POLLUTANTS
        if key in concentrations
    }
    subs: dict[str, int] = {}
    beyond = False
    for key, n in steps.items():
        scaled = _SCALED[key]
        if scaled.above(n):
            handoff = table.HANDOFF_ABOVE_TOP.get(key)
            if handoff is None:
                subs[key], beyond = table.AQI_CAP, True
            elif handoff not in steps:
                raise MissingInput(handoff, f"{key} = {concentrations[key]!r} is above its table")
            continue
        if scaled.below(n):
            # A partial table below its first row defines no AQI — unless its source was
            # above its own table (1-h SO2 >= 305 ppb, 24-h SO2 < 305): then the source
            # table's top AQI (200 for SO2), our reading [U].
            source = _HANDOFF_SOURCE.get(key)
            if source in steps and _SCALED[source].above(steps[source]):
                subs[key] = _SCALED[source].spec.bands[-1].i_hi
            continue
        subs[key] = scaled.interpolate(n)
    return subs, beyond


def index(concentrations: Mapping[str, float]) -> AqiResult:
    """Overall AQI: maximum sub-index after the averaging-period rules (module docstring)."""
    unknown = [name for name in concentrations if name not in table.TABLES]
    if unknown:
        raise UnknownPollutant(unknown[0], table.POLLUTANTS)
    subs, beyond = _applicable(concentrations)
    if not subs:
        raise MissingInput("concentrations", "no pollutant given defines an AQI at these values")
    critical = max(subs, key=lambda key: subs[key])
    row = _row(subs[critical])
    return AqiResult(
        value=subs[critical],
        critical=critical,
        category=row[1],
        colour=row[3],
        beyond_index=beyond,
        sub_indices=MappingProxyType(subs),
    )
