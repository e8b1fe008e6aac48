"""WHO 2021 guideline exceedances."""

from __future__ import annotations

import pytest

from cityscore import who
from cityscore.errors import InvalidConcentration, UnknownAveraging, UnknownPollutant


@pytest.mark.parametrize(
    ("pollutant", "averaging", "value", "expected"),
    [
        ("pm25", "24h", 40.0, ["IT3", "IT4", "AQG"]),
        ("pm25", "24h", 15.0, []),  # equal to the AQG meets it
        ("pm25", "24h", 15.01, ["AQG"]),
        ("pm25", "annual", 36.0, ["IT1", "IT2", "IT3", "IT4", "AQG"]),
        ("pm10", "24h", 46.0, ["AQG"]),
        ("o3", "8h", 130.0, ["IT2", "AQG"]),
        ("o3", "peak_season", 65.0, ["AQG"]),
        ("no2", "annual", 25.0, ["IT3", "AQG"]),
        ("so2", "24h", 45.0, ["AQG"]),
        ("co", "24h", 5000.0, ["AQG"]),  # µg/m³ in, levels published in mg/m³
        ("co", "24h", 7000.5, ["IT1", "AQG"]),
        ("no2", "1h", 201.0, ["AQG"]),
        ("co", "8h", 9000.0, []),
    ],
)
def test_exceedances(pollutant: str, averaging: str, value: float, expected: list[str]) -> None:
    assert who.exceedances(pollutant, averaging, value) == expected


def test_levels_and_periods() -> None:
    assert who.levels("so2", "24h") == {"IT1": 125.0, "IT2": 50.0, "AQG": 40.0}
    assert who.levels("co", "24h") == {"IT1": 7000.0, "AQG": 4000.0}
    assert who.averaging_periods("co") == ("24h", "8h", "1h")


def test_bad_input() -> None:
    with pytest.raises(UnknownPollutant):
        who.exceedances("hc", "24h", 1.0)
    with pytest.raises(UnknownAveraging, match="'8h'"):
        who.exceedances("pm25", "8h", 1.0)
    with pytest.raises(InvalidConcentration):
        who.exceedances("pm25", "24h", -1.0)
