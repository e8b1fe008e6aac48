"""US EPA AQI, 2024 breakpoints: every band, truncation, published examples, rules."""

from __future__ import annotations

import math

import pytest
from cityscore_support import PROPERTY
from hypothesis import given
from hypothesis import strategies as st

from cityscore import aqi
from cityscore.errors import (
    InvalidConcentration,
    InvalidValue,
    MissingInput,
    OutsideTableRange,
    UnknownPollutant,
)
from cityscore.tables import aqi as table


def _half_up(x: float) -> int:
    return math.floor(x + 0.5)


BANDS = [(key, i) for key, spec in table.TABLES.items() for i in range(len(spec.bands))]


@pytest.mark.parametrize(("key", "i"), BANDS)
def test_value_at_both_ends_of_every_band(key: str, i: int) -> None:
    band = table.TABLES[key].bands[i]
    assert aqi.sub_index(key, band.c_lo) == band.i_lo
    assert aqi.sub_index(key, band.c_hi) == band.i_hi


@pytest.mark.parametrize(("key", "i"), BANDS)
def test_one_truncation_step_inside_every_band(key: str, i: int) -> None:
    spec = table.TABLES[key]
    band, step = spec.bands[i], 10.0**-spec.decimals
    slope = (band.i_hi - band.i_lo) / (band.c_hi - band.c_lo)
    assert aqi.sub_index(key, band.c_lo + step) == _half_up(band.i_lo + slope * step)
    assert aqi.sub_index(key, band.c_hi - step) == _half_up(band.i_hi - slope * step)


GAPS = [(key, i) for key, i in BANDS if i + 1 < len(table.TABLES[key].bands)]


@pytest.mark.parametrize(("key", "i"), GAPS)
def test_values_in_the_gap_truncate_into_the_lower_band(key: str, i: int) -> None:
    spec = table.TABLES[key]
    band = spec.bands[i]
    # e.g. PM2.5 9.05 -> 9.0 -> AQI 50, never an interpolation inside the 9.0|9.1 gap
    assert aqi.sub_index(key, band.c_hi + 0.5 * 10.0**-spec.decimals) == band.i_hi


@pytest.mark.parametrize(
    ("key", "raw", "truncated"),
    [
        ("o3_8h", 0.0874125, 0.087), ("o3_8h", 0.07853, 0.078), ("pm25", 35.99, 35.9),
        ("pm25", 2.9, 2.9), ("pm10", 154.99, 154), ("co", 8.49, 8.4),
        ("so2", 75.9, 75), ("no2", 100.999, 100), ("pm25", 0.29, 0.2),
    ],
)  # fmt: skip
def test_truncation_per_standards_2_2(key: str, raw: float, truncated: float) -> None:
    assert aqi.truncate(key, raw) == truncated


def test_truncation_is_immune_to_binary_representation_noise() -> None:
    # 0.29 * 100 == 28.999999999999996 in binary floating point; 0.29 ppm O3 must
    # still truncate to 0.290, not 0.289.
    assert aqi.truncate("o3_1h", 0.29) == 0.29
    assert aqi.truncate("pm25", 12.3) == 12.3


# EPA/NESCAUM classroom example (CIESE "What's Your AQI?",
# http://www.ciese.org/curriculum/airproj/whataqi/): 8-h O3 0.0874125 ppm is truncated
# to 0.087 and, with the then-current row 0.085–0.104 ppm -> 101–150, gives AQI 106;
# O3 0.077 ppm, PM2.5 54.4 µg/m³, CO 8.4 ppm give AQI 128 with PM2.5 responsible.
# Those figures use the 1999 breakpoints (EPA-454/R-99-010,
# https://nepis.epa.gov/Exe/ZyPURL.cgi?Dockey=0000371D.txt), installed here so the
# published numbers test our truncation, equation and rounding.
LEGACY_1999 = {
    "o3_8h": table.PollutantTable("ppm", 3, (
        table.Band(0.000, 0.064, 0, 50), table.Band(0.065, 0.084, 51, 100),
        table.Band(0.085, 0.104, 101, 150), table.Band(0.105, 0.124, 151, 200),
        table.Band(0.125, 0.374, 201, 300),
    )),
    "pm25": table.PollutantTable("ug/m3", 1, (
        table.Band(0.0, 15.4, 0, 50), table.Band(15.5, 40.4, 51, 100),
        table.Band(40.5, 65.4, 101, 150), table.Band(65.5, 150.4, 151, 200),
    )),
}  # fmt: skip


def test_published_classroom_examples_with_their_1999_rows() -> None:
    assert aqi.sub_index_on(LEGACY_1999["o3_8h"], 0.0874125) == 106
    subs = {
        "o3_8h": aqi.sub_index_on(LEGACY_1999["o3_8h"], 0.077),
        "pm25": aqi.sub_index_on(LEGACY_1999["pm25"], 54.4),
        "co": aqi.sub_index("co", 8.4),  # the CO rows did not change
    }
    assert max(subs.values()) == 128 and max(subs, key=lambda k: subs[k]) == "pm25"


def test_same_inputs_with_2024_breakpoints_hand_computed() -> None:
    # O3 101 + 49/0.014*0.006 = 122.0; PM2.5 101 + 49/19.9*18.9 = 147.5; CO 51 + 10*3.9 = 90
    result = aqi.index({"o3_8h": 0.077, "pm25": 54.4, "co": 8.4})
    assert dict(result.sub_indices) == {"o3_8h": 122, "pm25": 148, "co": 90}
    assert (result.value, result.critical, result.category) == (148, "pm25", "usg")
    assert result.colour == "#FF7E00"
    # PM2.5 35.9: 101 + 49/19.9*0.4 = 101.98 -> 102; the 2024 Good ceiling is 9.0
    assert aqi.sub_index("pm25", 35.9) == 102
    assert aqi.sub_index("pm25", 9.0) == 50 and aqi.sub_index("pm25", 12.0) == 56


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (0, "good"), (50, "good"), (51, "moderate"), (100, "moderate"), (101, "usg"),
        (150, "usg"), (151, "unhealthy"), (200, "unhealthy"), (201, "very_unhealthy"),
        (300, "very_unhealthy"), (301, "hazardous"), (500, "hazardous"), (999, "hazardous"),
    ],
)  # fmt: skip
def test_category_boundaries(value: int, code: str) -> None:
    assert aqi.category(value) == code


def test_category_needs_a_non_negative_integer() -> None:
    for bad in (50.5, -1, True):
        with pytest.raises(InvalidValue):
            aqi.category(bad)  # type: ignore[arg-type]


def test_beyond_the_aqi_is_capped_and_flagged() -> None:
    assert aqi.sub_index("pm25", 325.4) == 500 and not aqi.beyond_index("pm25", 325.4)
    assert aqi.sub_index("pm25", 325.45) == 500 and not aqi.beyond_index("pm25", 325.45)
    assert aqi.sub_index("pm25", 325.5) == 500 and aqi.beyond_index("pm25", 325.5)
    result = aqi.index({"pm25": 800.0, "pm10": 20})
    assert result.beyond_index and result.value == 500 and result.display == "Beyond the AQI"
    # 51 + 49/26.3*10.9 = 71.3
    assert aqi.index({"pm25": 20.0}).display == "71"


def test_8h_ozone_above_0_200_uses_the_1h_table() -> None:
    with pytest.raises(OutsideTableRange, match="o3_1h"):
        aqi.sub_index("o3_8h", 0.201)
    with pytest.raises(MissingInput, match="o3_1h"):
        aqi.index({"o3_8h": 0.25})
    # 1-h 0.300 ppm: 201 + 99/0.199*0.095 = 248.3
    result = aqi.index({"o3_8h": 0.25, "o3_1h": 0.3})
    assert (result.value, result.critical) == (248, "o3_1h")
    assert "o3_8h" not in result.sub_indices


def test_both_ozone_values_report_the_higher() -> None:
    result = aqi.index({"o3_8h": 0.090, "o3_1h": 0.170})
    assert dict(result.sub_indices) == {"o3_8h": 161, "o3_1h": 157}
    assert result.critical == "o3_8h"


def test_1h_ozone_below_its_table_is_skipped_by_index() -> None:
    with pytest.raises(OutsideTableRange):
        aqi.sub_index("o3_1h", 0.124)
    assert dict(aqi.index({"o3_8h": 0.05, "o3_1h": 0.1}).sub_indices) == {"o3_8h": 46}
    with pytest.raises(MissingInput):
        aqi.index({"o3_1h": 0.1})


def test_so2_at_or_above_305_ppb_uses_24h_values() -> None:
    assert aqi.sub_index("so2", 304) == 200
    with pytest.raises(OutsideTableRange, match="so2_24h"):
        aqi.sub_index("so2", 305)
    with pytest.raises(MissingInput, match="so2_24h"):
        aqi.index({"so2": 400})
    # 24-h 400 ppb: 201 + 99/299*95 = 232.5 -> 232 (truncated 400, halves up on 232.45)
    assert aqi.index({"so2": 400, "so2_24h": 400}).value == 232
    # 24-h below its table: the 1-h table's top, 200 (our reading [U])
    result = aqi.index({"so2": 400, "so2_24h": 200})
    assert (result.value, result.critical) == (200, "so2_24h")
    with pytest.raises(OutsideTableRange):
        aqi.sub_index("so2_24h", 304)


def test_bad_input_raises_typed_errors() -> None:
    with pytest.raises(UnknownPollutant, match="'o3'"):
        aqi.sub_index("o3", 0.05)
    with pytest.raises(UnknownPollutant, match="'hc'"):
        aqi.index({"pm25": 5.0, "hc": 1.0})
    with pytest.raises(InvalidConcentration, match="negative"):
        aqi.sub_index("pm10", -3)
    with pytest.raises(InvalidConcentration, match="nan"):
        aqi.sub_index("no2", math.nan)
    with pytest.raises(MissingInput):
        aqi.index({})


def _concentration(key: str) -> st.SearchStrategy[float]:
    bands = table.TABLES[key].bands
    top = bands[-1].c_hi * (1.0 if key in table.HANDOFF_ABOVE_TOP else 1.5)
    return st.floats(min_value=bands[0].c_lo, max_value=top, allow_nan=False)


FULL_KEYS = [k for k in table.POLLUTANTS if k not in table.PARTIAL_FROM_BELOW]


@PROPERTY
@given(st.data(), st.sampled_from(list(table.POLLUTANTS)))
def test_sub_index_is_monotone_and_truncation_idempotent(data: st.DataObject, key: str) -> None:
    a = data.draw(_concentration(key))
    b = data.draw(_concentration(key))
    low, high = sorted((a, b))
    assert aqi.sub_index(key, low) <= aqi.sub_index(key, high)
    assert aqi.sub_index(key, a) == aqi.sub_index(key, aqi.truncate(key, a))


@PROPERTY
@given(st.data(), st.lists(st.sampled_from(FULL_KEYS), min_size=1, unique=True))
def test_index_category_is_consistent_with_value(data: st.DataObject, keys: list[str]) -> None:
    result = aqi.index({key: data.draw(_concentration(key)) for key in keys})
    assert result.category == aqi.category(result.value)
    assert 0 <= result.value <= table.AQI_CAP
    assert result.value == result.sub_indices[result.critical] == max(result.sub_indices.values())
