"""US EPA Air Quality Index, 2024 revision (PM2.5 NAAQS rule, effective 6 May 2024).

STANDARDS.md §2. Bands are closed intervals ``[c_lo, c_hi] -> [i_lo, i_hi]`` in EPA native
units; the gaps between bands (9.0 | 9.1) are exactly one truncation step, so a truncated
concentration always lands in one band.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cityscore.tables.source import Source

BREAKPOINT_SOURCE: Final = Source(
    title="EPA AQI breakpoints, 2024 (TAD EPA-454/B-24-002 Table 6; STANDARDS §2.1)",
    urls=(
        "https://nepis.epa.gov/Exe/ZyPURL.cgi?Dockey=P101AP0Q.txt",
        "https://forum.airnowtech.org/t/the-aqi-equation-2024-valid-beginning-may-6th-2024/453",
    ),
    status="C",
    note="cross-checked in several public 2024-revision implementations",
)

EQUATION_SOURCE: Final = Source(
    title="EPA AQI equation, truncation and rounding (STANDARDS §2.2)",
    urls=("https://forum.airnowtech.org/t/the-aqi-equation-2024-valid-beginning-may-6th-2024/453",),
    status="V",
)

CATEGORY_SOURCE: Final = Source(
    title="EPA AQI categories and colours (TAD Table 1/2; STANDARDS §2.3)",
    urls=(
        "https://decorahnow.com/air-quality/",
        "https://nepis.epa.gov/Exe/ZyPURL.cgi?Dockey=P101AP0Q.txt",
    ),
    status="V",
)

NOWCAST_SOURCE: Final = Source(
    title="EPA PM NowCast fact sheet and worked example (STANDARDS §2.4)",
    urls=(
        "https://nepis.epa.gov/Exe/ZyPURL.cgi?Dockey=P100X0J6.txt",
        "https://cdn.slideserve.com/brina/computing-the-nowcast",
        "https://en.everybodywiki.com/Nowcast_(Air_Quality_Index)",
    ),
    status="V",
    note="completeness wording differs between sources [C]; see cityscore.aqi.nowcast",
)


@dataclass(frozen=True, slots=True)
class Band:
    """One row of the breakpoint table: concentration ``[c_lo, c_hi]`` -> AQI ``[i_lo, i_hi]``."""

    c_lo: float
    c_hi: float
    i_lo: int
    i_hi: int


@dataclass(frozen=True, slots=True)
class PollutantTable:
    """Bands of one pollutant/averaging period, its unit and its truncation decimals."""

    unit: str
    decimals: int
    bands: tuple[Band, ...]


def _bands(*rows: tuple[float, float, int, int]) -> tuple[Band, ...]:
    return tuple(Band(*row) for row in rows)


#: Breakpoints per EPA key. Truncation decimals from STANDARDS §2.2: O3 0.001 ppm,
#: PM2.5 0.1 µg/m³, PM10 1 µg/m³, CO 0.1 ppm, SO2 1 ppb, NO2 1 ppb.
TABLES: Final[dict[str, PollutantTable]] = {
    "o3_8h": PollutantTable(
        "ppm",
        3,
        _bands(
            (0.000, 0.054, 0, 50),
            (0.055, 0.070, 51, 100),
            (0.071, 0.085, 101, 150),
            (0.086, 0.105, 151, 200),
            (0.106, 0.200, 201, 300),
        ),
    ),
    # 1-h O3 defines only AQI >= 101 (the TAD leaves the lower rows blank).
    "o3_1h": PollutantTable(
        "ppm",
        3,
        _bands(
            (0.125, 0.164, 101, 150),
            (0.165, 0.204, 151, 200),
            (0.205, 0.404, 201, 300),
            (0.405, 0.604, 301, 500),
        ),
    ),
    "pm25": PollutantTable(
        "ug/m3",
        1,
        _bands(
            (0.0, 9.0, 0, 50),
            (9.1, 35.4, 51, 100),
            (35.5, 55.4, 101, 150),
            (55.5, 125.4, 151, 200),
            (125.5, 225.4, 201, 300),
            (225.5, 325.4, 301, 500),
        ),
    ),
    "pm10": PollutantTable(
        "ug/m3",
        0,
        _bands(
            (0, 54, 0, 50),
            (55, 154, 51, 100),
            (155, 254, 101, 150),
            (255, 354, 151, 200),
            (355, 424, 201, 300),
            (425, 604, 301, 500),
        ),
    ),
    "co": PollutantTable(
        "ppm",
        1,
        _bands(
            (0.0, 4.4, 0, 50),
            (4.5, 9.4, 51, 100),
            (9.5, 12.4, 101, 150),
            (12.5, 15.4, 151, 200),
            (15.5, 30.4, 201, 300),
            (30.5, 50.4, 301, 500),
        ),
    ),
    # 1-h SO2 defines AQI only up to 200; at >= 305 ppb the 24-h table applies.
    "so2": PollutantTable(
        "ppb",
        0,
        _bands(
            (0, 35, 0, 50),
            (36, 75, 51, 100),
            (76, 185, 101, 150),
            (186, 304, 151, 200),
        ),
    ),
    "so2_24h": PollutantTable(
        "ppb",
        0,
        _bands(
            (305, 604, 201, 300),
            (605, 1004, 301, 500),
        ),
    ),
    "no2": PollutantTable(
        "ppb",
        0,
        _bands(
            (0, 53, 0, 50),
            (54, 100, 51, 100),
            (101, 360, 101, 150),
            (361, 649, 151, 200),
            (650, 1249, 201, 300),
            (1250, 2049, 301, 500),
        ),
    ),
}

#: EPA keys in the TAD table's column order; ties for the critical pollutant go to the
#: one listed first.
POLLUTANTS: Final[tuple[str, ...]] = tuple(TABLES)

#: Values above the top row are "Beyond the AQI" (STANDARDS §2.1): capped here, flagged.
AQI_CAP: Final[int] = 500

#: Tables whose top row hands over to another averaging period instead of being capped:
#: 8-h O3 above 0.200 ppm -> 1-h O3; 1-h SO2 above 304 ppb -> 24-h SO2 (STANDARDS §2.1).
HANDOFF_ABOVE_TOP: Final[dict[str, str]] = {"o3_8h": "o3_1h", "so2": "so2_24h"}
#: Tables that define only the upper AQI rows; below their first row they give no AQI.
PARTIAL_FROM_BELOW: Final[frozenset[str]] = frozenset({"o3_1h", "so2_24h"})

#: (upper bound inclusive, code, name, hex colour) — STANDARDS §2.3.
CATEGORIES: Final[tuple[tuple[int, str, str, str], ...]] = (
    (50, "good", "Good", "#00E400"),
    (100, "moderate", "Moderate", "#FFFF00"),
    (150, "usg", "Unhealthy for Sensitive Groups", "#FF7E00"),
    (200, "unhealthy", "Unhealthy", "#FF0000"),
    (300, "very_unhealthy", "Very Unhealthy", "#8F3F97"),
    (2**31 - 1, "hazardous", "Hazardous", "#7E0023"),
)

CATEGORY_CODES: Final[tuple[str, ...]] = tuple(row[1] for row in CATEGORIES)

#: NowCast uses the last 12 hourly values (STANDARDS §2.4 step 1).
NOWCAST_HOURS: Final[int] = 12
#: PM weight floor, ≈ a 3-hour average (STANDARDS §2.4 step 3).
NOWCAST_PM_WEIGHT_FLOOR: Final[float] = 0.5
