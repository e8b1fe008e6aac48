"""Gas unit conversion at 25 °C and 1 atm: µg/m³ = ppb × M / 24.45 (STANDARDS §1.2 [C]).

Shared with ingest: both sides must use :data:`MOLAR_MASS_G_PER_MOL` and
:data:`MOLAR_VOLUME_L_PER_MOL` from here. Gases: ``no2 so2 o3 co hc`` (HC as methane [U]).
Particulate matter is already µg/m³ and has no ppb form.
"""

from __future__ import annotations

from typing import Final

from cityscore import _checks
from cityscore.errors import UnknownPollutant
from cityscore.tables import chemistry

__all__ = [
    "MOLAR_MASS_G_PER_MOL",
    "MOLAR_VOLUME_L_PER_MOL",
    "ppb_to_ugm3",
    "ppm_to_ugm3",
    "ugm3_to_ppb",
    "ugm3_to_ppm",
]

MOLAR_MASS_G_PER_MOL: Final = chemistry.MOLAR_MASS_G_PER_MOL
MOLAR_VOLUME_L_PER_MOL: Final = chemistry.MOLAR_VOLUME_L_PER_MOL


def _molar_mass(gas: str) -> float:
    try:
        return MOLAR_MASS_G_PER_MOL[gas]
    except KeyError:
        raise UnknownPollutant(gas, MOLAR_MASS_G_PER_MOL) from None


def ppb_to_ugm3(gas: str, ppb: float) -> float:
    """ppb (nmol/mol) -> µg/m³."""
    mass = _molar_mass(gas)
    return _checks.concentration(gas, ppb) * mass / MOLAR_VOLUME_L_PER_MOL


def ugm3_to_ppb(gas: str, ugm3: float) -> float:
    """µg/m³ -> ppb."""
    mass = _molar_mass(gas)
    return _checks.concentration(gas, ugm3) * MOLAR_VOLUME_L_PER_MOL / mass


def ppm_to_ugm3(gas: str, ppm: float) -> float:
    """ppm -> µg/m³ (1 ppm = 1 000 ppb)."""
    return ppb_to_ugm3(gas, _checks.concentration(gas, ppm) * chemistry.PPB_PER_PPM)


def ugm3_to_ppm(gas: str, ugm3: float) -> float:
    """µg/m³ -> ppm."""
    return ugm3_to_ppb(gas, ugm3) / chemistry.PPB_PER_PPM
