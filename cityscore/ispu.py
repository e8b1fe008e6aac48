"""ISPU — Indonesia's air pollution index (Permen LHK P.14/2020), pure scalar functions.

Formula (STANDARDS §1.3 [V])::

    I = (Ia - Ib) / (Xa - Xb) * (Xx - Xb) + Ib

on the continuous breakpoint table in :mod:`cityscore.tables.ispu`. The reported ISPU is
the maximum sub-index; that parameter is the *parameter kritis*.

Averaging [U] (STANDARDS §1.2): the transcribed Lampiran headers say "24 Jam" for every
parameter and KLHK's portal uses the rolling 24-h mean, so **callers pass the averaged
concentration** (24-h rolling mean) in µg/m³; this module does not average. Confirm the
averaging against the original PDF before publishing official figures.

Beyond the table: a concentration above the top (">300") row gets sub-index 500 — the
value implementations and OpenAQ map that row to — and ``beyond_table=True``; reports then
show ``"> 500"`` (:attr:`IndexResult.display`) instead of a number the table cannot give.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from cityscore import _checks
from cityscore.errors import InvalidValue, MissingInput, UnknownPollutant
from cityscore.tables import ispu as table

__all__ = [
    "IndexResult",
    "beyond_table",
    "category",
    "colour",
    "index",
    "sub_index",
]


@dataclass(frozen=True, slots=True)
class IndexResult:
    """Overall ISPU for one place and averaging window."""

    value: float
    """Maximum sub-index (float; round half up only for display [U])."""
    critical: str
    """The *parameter kritis*: pollutant code that set ``value`` (ties: table order)."""
    category: str
    """``baik`` · ``sedang`` · ``tidak_sehat`` · ``sangat_tidak_sehat`` · ``berbahaya``."""
    colour: str
    """Colour name from the regulation (``hijau`` … ``hitam``); it defines no hex codes."""
    beyond_table: bool
    """True when any concentration is above the top row (value capped at 500)."""
    sub_indices: Mapping[str, float] = field(hash=False)
    """Sub-index per pollutant that was given, in table order."""

    @property
    def display(self) -> str:
        """Integer as KLHK displays it, or ``"> 500"`` beyond the table."""
        if self.beyond_table:
            return f"> {_checks.round_half_up(table.INDEX_CAP)}"
        return str(_checks.round_half_up(self.value))


def _breakpoints(pollutant: str) -> tuple[float, ...]:
    try:
        return table.BREAKPOINTS_UGM3[pollutant]
    except KeyError:
        raise UnknownPollutant(pollutant, table.POLLUTANTS) from None


def sub_index(pollutant: str, concentration: float) -> float:
    """ISPU sub-index of one pollutant.

    ``pollutant`` is one of ``pm10 pm25 so2 co o3 no2 hc``; ``concentration`` is the
    averaged concentration in µg/m³ (CO too: 4 000 µg/m³ = 4 mg/m³). Above the top row
    the result is capped at 500 (see :func:`beyond_table`).

    Raises :class:`~cityscore.errors.UnknownPollutant` and
    :class:`~cityscore.errors.InvalidConcentration` (negative, NaN, infinite).
    """
    xs = _breakpoints(pollutant)
    x = _checks.concentration(pollutant, concentration)
    if x >= xs[-1]:
        return table.INDEX_CAP
    k = bisect_right(xs, x) - 1  # xs[k] <= x < xs[k + 1]
    ib, ia = table.INDEX_ROWS[k], table.INDEX_ROWS[k + 1]
    xb, xa = xs[k], xs[k + 1]
    return (ia - ib) / (xa - xb) * (x - xb) + ib


def beyond_table(pollutant: str, concentration: float) -> bool:
    """True when ``concentration`` (µg/m³) is above the table's top row."""
    xs = _breakpoints(pollutant)
    return _checks.concentration(pollutant, concentration) > xs[-1]


def _band(index_value: float) -> tuple[float, str, str, str]:
    value = _checks.finite("ispu", index_value)
    if value < 0.0:
        raise InvalidValue("ispu", index_value, "is negative")
    return next(row for row in table.CATEGORIES if value <= row[0])


def category(index: float) -> str:
    """Category code of an ISPU value (float bands of STANDARDS §1.1: <=50 ``baik`` …)."""
    return _band(index)[1]


def colour(index: float) -> str:
    """Regulation colour name of an ISPU value (``hijau biru kuning merah hitam``)."""
    return _band(index)[3]


def index(concentrations: Mapping[str, float]) -> IndexResult:
    """Overall ISPU: maximum sub-index over the pollutants given (µg/m³, averaged).

    Every key must be a known pollutant (filter non-pollutant metrics first); at least
    one is required. Missing pollutants are simply not considered — the caller reports
    coverage (see :mod:`cityscore.live`).
    """
    unknown = [name for name in concentrations if name not in table.BREAKPOINTS_UGM3]
    if unknown:
        raise UnknownPollutant(unknown[0], table.POLLUTANTS)
    if not concentrations:
        raise MissingInput("concentrations", "ISPU needs at least one pollutant")
    subs: dict[str, float] = {}
    beyond = False
    for p in table.POLLUTANTS:
        if p in concentrations:
            subs[p] = sub_index(p, concentrations[p])  # validates before the comparison below
            beyond = beyond or concentrations[p] > table.BREAKPOINTS_UGM3[p][-1]
    critical = max(subs, key=lambda p: subs[p])  # max() keeps the first of equal keys
    value = subs[critical]
    band = _band(value)
    return IndexResult(
        value=value,
        critical=critical,
        category=band[1],
        colour=band[3],
        beyond_table=beyond,
        sub_indices=MappingProxyType(subs),
    )
