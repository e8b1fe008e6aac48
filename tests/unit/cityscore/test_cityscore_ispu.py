"""ISPU (Permen LHK P.14/2020): every breakpoint, published examples, properties, errors."""

from __future__ import annotations

import math

import pytest
from cityscore_support import PROPERTY
from hypothesis import given
from hypothesis import strategies as st

from cityscore import ispu
from cityscore.errors import (
    CityscoreError,
    InvalidConcentration,
    InvalidValue,
    MissingInput,
    UnknownPollutant,
)
from cityscore.tables import ispu as table

BOUNDARIES = [
    (pollutant, row, table.BREAKPOINTS_UGM3[pollutant][row], table.INDEX_ROWS[row])
    for pollutant in table.POLLUTANTS
    for row in range(len(table.INDEX_ROWS))
]
SEGMENTS = [
    (pollutant, row) for pollutant in table.POLLUTANTS for row in range(len(table.INDEX_ROWS) - 1)
]


@pytest.mark.parametrize(("pollutant", "row", "concentration", "expected"), BOUNDARIES)
def test_value_at_every_breakpoint_is_the_row_index(
    pollutant: str, row: int, concentration: float, expected: float
) -> None:
    assert ispu.sub_index(pollutant, concentration) == pytest.approx(expected, abs=1e-9)
    assert not ispu.beyond_table(pollutant, concentration)


@pytest.mark.parametrize(("pollutant", "row"), SEGMENTS)
def test_just_inside_each_band(pollutant: str, row: int) -> None:
    xs, ys = table.BREAKPOINTS_UGM3[pollutant], table.INDEX_ROWS
    width = xs[row + 1] - xs[row]
    for fraction in (1e-6, 0.5, 1 - 1e-6):
        x = xs[row] + fraction * width
        expected = ys[row] + fraction * (ys[row + 1] - ys[row])
        got = ispu.sub_index(pollutant, x)
        assert got == pytest.approx(expected, rel=1e-9)
        assert ys[row] < got < ys[row + 1]


def test_pm25_hand_computed_from_the_formula() -> None:
    # I = (Ia - Ib)/(Xa - Xb) * (Xx - Xb) + Ib on the 50/100 row:
    # (100 - 50)/(55.4 - 15.5) * (35 - 15.5) + 50
    assert ispu.sub_index("pm25", 35.0) == pytest.approx(50 / 39.9 * 19.5 + 50)
    assert ispu.sub_index("co", 10_000) == pytest.approx(100 + 100 / 7000 * 2000)


# Published worked example: ozone ISPU computed with I = ((Ia-Ib)/(Xa-Xb))(Xx-Xb)+Ib in
# "Penentuan Konsentrasi Total Gas Ozon yang Terjerap dalam …", Tabel 6,
# https://text-id.123dok.com/document/nq7r8vvvy-penentuan-konsentrasi-total-gas-ozon-yang-terjerap-dalam.html
# (rows up to ISPU 300; its rows above 800 µg/m³ used the 1997 table's 400 row).
OZONE_THESIS_TABEL_6 = [
    (7.1824, 2.9927, "baik"),
    (23.1165, 9.6319, "baik"),
    (58.8339, 24.5141, "baik"),
    (71.2591, 29.6913, "baik"),
    (88.5784, 36.9077, "baik"),
    (93.8117, 39.0882, "baik"),
    (137.2394, 57.4954, "sedang"),
    (147.5649, 61.9847, "sedang"),
    (245.9809, 106.6551, "tidak_sehat"),
    (459.9747, 214.9937, "sangat_tidak_sehat"),
    (538.5058, 234.6265, "sangat_tidak_sehat"),
    (595.1889, 248.7972, "sangat_tidak_sehat"),
    (604.4610, 251.1153, "sangat_tidak_sehat"),
]


@pytest.mark.parametrize(("ugm3", "published", "published_category"), OZONE_THESIS_TABEL_6)
def test_published_ozone_examples(ugm3: float, published: float, published_category: str) -> None:
    result = ispu.index({"o3": ugm3})
    assert result.value == pytest.approx(published, abs=5e-4)
    assert result.category == published_category


def test_klhk_palu_report_ispu_56_is_sedang() -> None:
    # Stasiun KLHK Palu Panca Bhakti, 25 Aug 2023: "ISPU … 56 dengan parameter kritis
    # PM2.5", status sedang (https://likein.id/story/menghitung-kualitas-udara-kota-palu-
    # dengan-ispu-amankah-31610). PM2.5 20.288 µg/m³ is the 24-h mean that gives 56.
    result = ispu.index({"pm25": 20.288, "pm10": 30.0})
    assert result.display == "56"
    assert (result.critical, result.category, result.colour) == ("pm25", "sedang", "biru")


def test_palu_report_ispu_16_is_baik() -> None:
    # "ISPU di angka 16 dengan parameter kritis PM10 … kategori baik" (terassulawesi.com,
    # 3 May 2024).
    assert ispu.category(16) == "baik"
    assert ispu.index({"pm10": 16.0, "pm25": 1.0}).critical == "pm10"


@pytest.mark.parametrize(
    ("value", "code", "colour"),
    [
        (0, "baik", "hijau"), (50, "baik", "hijau"), (50.0001, "sedang", "biru"),
        (100, "sedang", "biru"), (100.0001, "tidak_sehat", "kuning"),
        (200, "tidak_sehat", "kuning"), (200.0001, "sangat_tidak_sehat", "merah"),
        (300, "sangat_tidak_sehat", "merah"), (300.0001, "berbahaya", "hitam"),
        (500, "berbahaya", "hitam"),
    ],
)  # fmt: skip
def test_category_boundaries(value: float, code: str, colour: str) -> None:
    assert ispu.category(value) == code
    assert ispu.colour(value) == colour


def test_beyond_table_is_capped_at_500_and_flagged() -> None:
    assert ispu.sub_index("pm25", 500.0) == 500.0
    assert not ispu.beyond_table("pm25", 500.0)
    assert ispu.sub_index("pm25", 900.0) == 500.0
    assert ispu.beyond_table("pm25", 900.0)
    result = ispu.index({"pm25": 900.0, "pm10": 40.0})
    assert result.beyond_table and result.value == 500.0 and result.display == "> 500"
    assert result.category == "berbahaya"


def test_index_takes_the_maximum_and_names_the_critical_parameter() -> None:
    result = ispu.index({"pm10": 150.0, "pm25": 15.5, "co": 4000.0})
    assert result.value == 100.0 and result.critical == "pm10"
    assert dict(result.sub_indices) == {"pm10": 100.0, "pm25": 50.0, "co": 50.0}


def test_ties_go_to_the_parameter_listed_first_in_the_regulation() -> None:
    assert ispu.index({"hc": 45.0, "pm25": 15.5}).critical == "pm25"
    assert ispu.index({"pm25": 15.5, "pm10": 50.0}).critical == "pm10"


def test_display_rounds_halves_up() -> None:
    # PM10 151 µg/m³ -> 100.5, shown as 101 (Python's round() would give 100).
    result = ispu.index({"pm10": 151.0})
    assert result.value == 100.5 and result.display == "101"


@pytest.mark.parametrize(
    ("value", "problem"),
    [(-1.0, "negative"), (math.nan, "not finite"), (math.inf, "not finite")],
)
def test_bad_concentration_raises_typed_error_naming_it(value: float, problem: str) -> None:
    with pytest.raises(InvalidConcentration) as caught:
        ispu.sub_index("pm25", value)
    assert "pm25" in str(caught.value) and problem in str(caught.value)
    assert repr(value) in str(caught.value)
    assert caught.value.reason == "invalid_concentration"
    assert isinstance(caught.value, CityscoreError) and isinstance(caught.value, ValueError)


def test_unknown_pollutant_raises_naming_it() -> None:
    with pytest.raises(UnknownPollutant, match="'pm1'"):
        ispu.sub_index("pm1", 10.0)
    with pytest.raises(UnknownPollutant, match="'temperature'"):
        ispu.index({"pm25": 10.0, "temperature": 30.0})


def test_empty_index_and_bad_category_inputs() -> None:
    with pytest.raises(MissingInput):
        ispu.index({})
    with pytest.raises(InvalidValue, match="negative"):
        ispu.category(-0.5)
    with pytest.raises(InvalidValue, match="not finite"):
        ispu.category(math.nan)


concentrations = st.floats(min_value=0, max_value=5e4, allow_nan=False)


@PROPERTY
@given(st.sampled_from(table.POLLUTANTS), concentrations, concentrations)
def test_sub_index_is_monotone_in_concentration(pollutant: str, a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert ispu.sub_index(pollutant, low) <= ispu.sub_index(pollutant, high)


@PROPERTY
@given(st.dictionaries(st.sampled_from(table.POLLUTANTS), concentrations, min_size=1))
def test_index_category_is_consistent_with_value(values: dict[str, float]) -> None:
    result = ispu.index(values)
    assert result.category == ispu.category(result.value)
    assert 0 <= result.value <= table.INDEX_CAP
    assert result.value == max(result.sub_indices.values())
    assert result.sub_indices[result.critical] == result.value
