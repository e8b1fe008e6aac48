"""µg/m³ <-> ppb/ppm at 25 °C, 1 atm."""

from __future__ import annotations

import pytest
from cityscore_support import PROPERTY
from hypothesis import given
from hypothesis import strategies as st

from cityscore import units
from cityscore.errors import InvalidConcentration, UnknownPollutant


def test_formula_from_standards_1_2() -> None:
    # µg/m³ = ppb × M / 24.45
    assert units.ppb_to_ugm3("no2", 100.0) == pytest.approx(100 * 46.0055 / 24.45)
    assert units.ppm_to_ugm3("co", 1.0) == pytest.approx(1000 * 28.010 / 24.45)
    # ISPU CO "Baik" ceiling 4 000 µg/m³ is about 3.49 ppm
    assert units.ugm3_to_ppm("co", 4000.0) == pytest.approx(3.4916, abs=1e-4)
    assert units.ugm3_to_ppb("so2", 52.0) == pytest.approx(52 * 24.45 / 64.066)


def test_constants_are_exported_for_ingest() -> None:
    assert units.MOLAR_MASS_G_PER_MOL["o3"] == 47.997
    assert units.MOLAR_VOLUME_L_PER_MOL == 24.45


def test_bad_input() -> None:
    with pytest.raises(UnknownPollutant, match="'pm25'"):
        units.ppb_to_ugm3("pm25", 1.0)
    with pytest.raises(InvalidConcentration):
        units.ugm3_to_ppb("no2", -1.0)


@PROPERTY
@given(st.sampled_from(sorted(units.MOLAR_MASS_G_PER_MOL)), st.floats(0, 1e6))
def test_round_trip(gas: str, ppb: float) -> None:
    assert units.ugm3_to_ppb(gas, units.ppb_to_ugm3(gas, ppb)) == pytest.approx(ppb, abs=1e-9)
    assert units.ugm3_to_ppm(gas, units.ppm_to_ugm3(gas, ppb)) == pytest.approx(ppb, abs=1e-9)
