"""WHO Global Air Quality Guidelines 2021: interim targets IT1–IT4 and the AQG level.

STANDARDS.md §3. Values as published: µg/m³ except CO in mg/m³ (``UNITS`` says which).
"""

from __future__ import annotations

from typing import Final

from cityscore.tables.source import Source

SOURCE_2021: Final = Source(
    title="WHO global air quality guidelines 2021, ISBN 9789240034228 (STANDARDS §3)",
    urls=(
        "https://www.airclim.org/who-air-quality-guidelines",
        "https://en.wikipedia.org/wiki/Air_quality_guideline",
    ),
    status="V",
    note="airclim prints SO2 AQG as 50 (typo); WHO/Wikipedia give 40",
)

SOURCE_CARRIED_OVER: Final = Source(
    title="Short-term guidelines carried over from earlier WHO editions (STANDARDS §3)",
    urls=("https://chmi.cz/files/portal/docs/uoco/isko/grafroc/13groc/gr13e/tab/tabI3_GB.html",),
    status="U",
    note="WHO 2021 may list CO 1-h as 35 mg/m3 (and 15-min 100 mg/m3); we keep WHO 2000's 30",
)

LEVEL_NAMES: Final[tuple[str, ...]] = ("IT1", "IT2", "IT3", "IT4", "AQG")

#: Published unit per pollutant; CO is the only one the WHO table gives in mg/m³.
UNITS: Final[dict[str, str]] = {
    "pm25": "ug/m3",
    "pm10": "ug/m3",
    "o3": "ug/m3",
    "no2": "ug/m3",
    "so2": "ug/m3",
    "co": "mg/m3",
}

#: µg per mg, to compare CO given in our canonical µg/m³ with the WHO mg/m³ levels.
UG_PER_MG: Final[float] = 1000.0

#: (pollutant, averaging) -> levels in LEVEL_NAMES order; None where WHO sets none.
LEVELS: Final[dict[tuple[str, str], tuple[float | None, ...]]] = {
    ("pm25", "annual"): (35.0, 25.0, 15.0, 10.0, 5.0),
    ("pm25", "24h"): (75.0, 50.0, 37.5, 25.0, 15.0),
    ("pm10", "annual"): (70.0, 50.0, 30.0, 20.0, 15.0),
    ("pm10", "24h"): (150.0, 100.0, 75.0, 50.0, 45.0),
    ("o3", "peak_season"): (100.0, 70.0, None, None, 60.0),
    ("o3", "8h"): (160.0, 120.0, None, None, 100.0),
    ("no2", "annual"): (40.0, 30.0, 20.0, None, 10.0),
    ("no2", "24h"): (120.0, 50.0, None, None, 25.0),
    ("so2", "24h"): (125.0, 50.0, None, None, 40.0),
    ("co", "24h"): (7.0, None, None, None, 4.0),
}

#: Guideline-only levels kept from earlier editions [U] (SOURCE_CARRIED_OVER).
CARRIED_OVER_AQG: Final[dict[tuple[str, str], float]] = {
    ("no2", "1h"): 200.0,
    ("so2", "10min"): 500.0,
    ("co", "8h"): 10.0,
    ("co", "1h"): 30.0,
}
