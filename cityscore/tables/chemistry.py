"""Gas conversion constants: µg/m³ = ppb × M / V_m at 25 °C and 1 atm (STANDARDS §1.2 [C]).

The ingest team converts sensor ppb/ppm with the same constants; keep one copy here.
"""

from __future__ import annotations

from typing import Final

from cityscore.tables.source import Source

MOLAR_VOLUME_SOURCE: Final = Source(
    title="Molar volume of an ideal gas at 25 °C, 1 atm: 24.45 L/mol (STANDARDS §1.2)",
    urls=("https://123dok.com/id/docs/pengertian-dan-paraeter-ispu.12268587",),
    status="C",
)

MOLAR_MASS_SOURCE: Final = Source(
    title="Molar masses from IUPAC standard atomic weights (figures fixed by issue 4 so "
    "ingest and cityscore agree)",
    urls=("https://iupac.qmul.ac.uk/AtWt/",),
    status="C",
    note="HC is counted as methane (CH4) [U]: the ISPU regulation does not say which "
    "hydrocarbon its µg/m³ refer to",
)

#: L/mol at 25 °C and 1 atm.
MOLAR_VOLUME_L_PER_MOL: Final[float] = 24.45

#: g/mol, keyed by our canonical pollutant codes.
MOLAR_MASS_G_PER_MOL: Final[dict[str, float]] = {
    "no2": 46.0055,
    "so2": 64.066,
    "o3": 47.997,
    "co": 28.010,
    "hc": 16.04,
}

PPB_PER_PPM: Final[float] = 1000.0
