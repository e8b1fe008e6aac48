"""Metric names and units: every alias and unit a payload may use, converted to canonical.

Canonical units are those of ``kotacerdas.contract.METRICS`` (DESIGN.md, "The contract").
Three unit vocabularies are read:

* SenML unit names, IANA "SenML Units" registry (RFC 8428 §12.1, extended by RFC 8798):
  https://www.iana.org/assignments/senml/senml.txt — ``Cel``, ``K``, ``%RH``, ``%``, ``/``,
  ``count``, ``km/h``, ``m/s``, ``kg``, ``g``, ``ug/m3``, ``ppm``, ``dB``, ``Bspl``.
  A few spellings devices send that are *not* registered are accepted and marked so below
  (``ppb``, ``mg/m3``, ``dBA``, ``1``); the native format also accepts our canonical symbols.
* UN/CEFACT Recommendation 20 common codes, the ``unitCode`` of NGSI (Smart Data Models,
  https://unece.org/trade/uncefact/cl-recommendations): ``GQ`` µg/m³, ``GP`` mg/m³,
  ``59`` ppm, ``61`` ppb, ``CEL`` °C, ``KEL`` K, ``FAH`` °F, ``P1`` %, ``C62`` one,
  ``KMH`` km/h, ``MTS`` m/s, ``KGM`` kg, ``GRM`` g, ``TNE`` t, ``2N`` dB.
* Gas mixing ratios: µg/m³ = ppb × M / 24.45 at 25 °C and 1 atm (STANDARDS.md §1.2), with
  the molar masses of ``cityscore.units`` so ingest and the indicators agree.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Final

from cityscore.units import MOLAR_MASS_G_PER_MOL, ppb_to_ugm3
from kotacerdas.contract import METRICS, Domain

__all__ = [
    "CANONICAL_UNIT_IDS",
    "IDENTITY",
    "NGSI_UNIT_CODES",
    "SENML_UNITS",
    "Converter",
    "canonical_metric",
    "converter",
    "metric_for_unit",
]

Converter = Callable[[float], float]

# --- unit identities ---------------------------------------------------------------------
# One id per physical unit; the three vocabularies below map their spellings onto these.
UG_M3, MG_M3, PPM, PPB = "ug/m3", "mg/m3", "ppm", "ppb"
CEL, KEL, FAH = "Cel", "K", "degF"
PERCENT, RATIO = "%", "/"  # RATIO: a plain number of unit one (a 0–1 fraction, a flag)
COUNT = "count"
KMH, MPS = "km/h", "m/s"
DB, BSPL = "dB", "Bspl"
KG, GRAM, TONNE = "kg", "g", "t"

#: SenML unit name -> unit id. Registered names unless the comment says otherwise.
SENML_UNITS: Final[Mapping[str, str]] = {
    "ug/m3": UG_M3,  # RFC 8798
    "mg/m3": MG_M3,  # not registered; common on gas sensors
    "ppm": PPM,  # RFC 8798
    "ppb": PPB,  # not registered; common on NO2/O3/SO2 sensors
    "Cel": CEL,
    "K": KEL,
    "%RH": PERCENT,
    "%": PERCENT,
    "/": RATIO,
    "1": RATIO,  # not registered; "/" is the registered spelling of unit one
    "count": COUNT,
    "km/h": KMH,  # RFC 8798
    "m/s": MPS,
    "kg": KG,
    "g": GRAM,  # registered, marked NOT RECOMMENDED for producers ("*")
    "dB": DB,
    "dBA": DB,  # not registered; A-weighting is how street noise is always reported
    "Bspl": BSPL,  # registered, "*": bel (sound pressure level)
}

#: UN/CEFACT Rec. 20 code -> unit id (NGSI ``unitCode``).
NGSI_UNIT_CODES: Final[Mapping[str, str]] = {
    "GQ": UG_M3,
    "GP": MG_M3,
    "59": PPM,
    "61": PPB,
    "CEL": CEL,
    "KEL": KEL,
    "FAH": FAH,
    "P1": PERCENT,
    "C62": RATIO,
    "KMH": KMH,
    "MTS": MPS,
    "KGM": KG,
    "GRM": GRAM,
    "TNE": TONNE,
    "2N": DB,
}

#: Canonical symbols of ``contract.METRICS`` (and their ASCII spellings) -> unit id.
CANONICAL_UNIT_IDS: Final[Mapping[str, str]] = {
    "µg/m³": UG_M3,
    "µg/m3": UG_M3,
    "ug/m³": UG_M3,
    "mg/m³": MG_M3,
    "°C": CEL,
    "dB(A)": DB,
    "vehicles": COUNT,
    "0/1": RATIO,
}


def _scale(factor: float) -> Converter:
    return lambda x: x * factor


def _identity(x: float) -> float:
    return x


#: The converter of a value already in canonical units (callers may skip calling it).
IDENTITY: Final[Converter] = _identity


def _gas(gas: str, ppb_per_unit: float) -> Converter:
    def convert(x: float) -> float:
        # cityscore refuses negative concentrations; a negative reading must instead reach
        # the range check (out_of_range), so it passes through unconverted.
        return ppb_to_ugm3(gas, x * ppb_per_unit) if x >= 0 else x

    return convert


_MASS_CONC: Final[dict[str, Converter]] = {UG_M3: _identity, MG_M3: _scale(1_000.0)}
_TEMPERATURE: Final[dict[str, Converter]] = {
    CEL: _identity,
    KEL: lambda x: x - 273.15,
    FAH: lambda x: (x - 32.0) * 5.0 / 9.0,
}
_SHARE: Final[dict[str, Converter]] = {PERCENT: _identity, RATIO: _scale(100.0)}
_COUNT: Final[dict[str, Converter]] = {COUNT: _identity, RATIO: _identity}


def _conversions() -> dict[str, dict[str, Converter]]:
    table: dict[str, dict[str, Converter]] = {
        "pm25": _MASS_CONC,
        "pm10": _MASS_CONC,
        "temperature": _TEMPERATURE,
        "humidity": _SHARE,
        "noise": {DB: _identity, BSPL: _scale(10.0)},
        "vehicle_count": _COUNT,
        "speeding_count": _COUNT,
        "avg_speed_kmh": {KMH: _identity, MPS: _scale(3.6)},
        "occupancy": _SHARE,
        "fill_level": _SHARE,
        "weight_kg": {KG: _identity, GRAM: _scale(0.001), TONNE: _scale(1_000.0)},
        "lid_open": {RATIO: _identity, COUNT: _identity},
    }
    for gas in ("no2", "so2", "o3", "co", "hc"):
        table[gas] = dict(_MASS_CONC)
        if gas in MOLAR_MASS_G_PER_MOL:
            table[gas][PPB] = _gas(gas, 1.0)
            table[gas][PPM] = _gas(gas, 1_000.0)
    return table


_CONVERSIONS: Final = _conversions()
if {m for specs in METRICS.values() for m in specs} != set(_CONVERSIONS):
    # Fail at import, not on the first message: a metric added to the contract needs units.
    raise RuntimeError("ingest.formats.units: every canonical metric needs a conversion table")


def converter(metric: str, unit_id: str) -> Converter | None:
    """The function taking ``metric`` from ``unit_id`` to canonical units, None if none does."""
    return _CONVERSIONS[metric].get(unit_id)


# --- metric names --------------------------------------------------------------------------
# Aliases are matched after folding: lower case, and "_", "-", ".", " " removed, so
# "PM2.5", "pm2_5" and "pm-2.5" are all "pm25".
_ALIASES: Final[dict[Domain, dict[str, str]]] = {
    "air": {
        "pm25": "pm25",
        "pm10": "pm10",
        "no2": "no2",
        "so2": "so2",
        "o3": "o3",
        "ozone": "o3",
        "co": "co",
        "hc": "hc",
        "temperature": "temperature",
        "temp": "temperature",
        "humidity": "humidity",
        "hum": "humidity",
        "rh": "humidity",
        "relativehumidity": "humidity",
        "noise": "noise",
        "laeq": "noise",
        "soundlevel": "noise",
    },
    "traffic": {
        "vehiclecount": "vehicle_count",
        "vehicles": "vehicle_count",
        "count": "vehicle_count",
        "intensity": "vehicle_count",
        "avgspeedkmh": "avg_speed_kmh",
        "avgspeed": "avg_speed_kmh",
        "speed": "avg_speed_kmh",
        "averagevehiclespeed": "avg_speed_kmh",
        "occupancy": "occupancy",
        "speedingcount": "speeding_count",
        "speeding": "speeding_count",
    },
    "waste": {
        "filllevel": "fill_level",
        "fill": "fill_level",
        "fillinglevel": "fill_level",
        "temperature": "temperature",
        "temp": "temperature",
        "weightkg": "weight_kg",
        "weight": "weight_kg",
        "cargoweight": "weight_kg",
        "lidopen": "lid_open",
        "lid": "lid_open",
    },
}
_FOLD: Final = str.maketrans("", "", "_-. ")


@lru_cache(maxsize=8_192)
def canonical_metric(domain: Domain, name: str) -> str | None:
    """The canonical metric ``name`` stands for in ``domain`` (aliases folded), or None.

    Cached: devices repeat the same few names in every message."""
    return _ALIASES[domain].get(name.lower().translate(_FOLD))


def _unit_identified() -> dict[Domain, dict[str, str]]:
    # A unit identifies a metric when exactly one metric of the domain converts from it.
    # Dimensionless units (one, count) identify nothing: a 0/1 flag and a share look alike.
    table: dict[Domain, dict[str, str]] = {}
    for domain, specs in METRICS.items():
        owners: dict[str, list[str]] = {}
        for metric in specs:
            for unit_id in _CONVERSIONS[metric]:
                if unit_id not in (RATIO, COUNT):
                    owners.setdefault(unit_id, []).append(metric)
        table[domain] = {u: ms[0] for u, ms in owners.items() if len(ms) == 1}
    return table


_BY_UNIT: Final = _unit_identified()


def metric_for_unit(domain: Domain, unit_id: str) -> str | None:
    """The one metric of ``domain`` measured in ``unit_id`` (``%RH`` → humidity), or None.

    SenML identifies a measurement by its unit when the record has no name of its own
    (RFC 8428 §5.1.3: one device's ``%RH``, ``lon``, ``lat`` records share a name).
    """
    return _BY_UNIT[domain].get(unit_id)
