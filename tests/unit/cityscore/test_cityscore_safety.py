"""Safety helpers and the KepMenLH 48/1996 noise functions."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from cityscore_support import PROPERTY, los_series
from hypothesis import given
from hypothesis import strategies as st

from cityscore import noise, safety
from cityscore.errors import InvalidValue, UnknownLevelOfService, UnknownZone


def test_bin_fire_risk_threshold_and_jump() -> None:
    assert not safety.bin_fire_risk(59.9)
    assert safety.bin_fire_risk(60.0)
    assert safety.bin_fire_risk(45.0, baseline_c=25.0)  # +20 °C over its own baseline
    assert not safety.bin_fire_risk(44.9, baseline_c=25.0)
    with pytest.raises(InvalidValue, match="temperature_c"):
        safety.bin_fire_risk(math.nan)


def test_gridlock_needs_los_f_sustained_15_minutes() -> None:
    assert safety.gridlock(los_series("CDFFFF"))  # F from 10 to 25 min: 15 min
    assert not safety.gridlock(los_series("CDDFFF"))  # 10 min
    assert not safety.gridlock(los_series("FFFFFC"))  # over now
    assert not safety.gridlock([])
    assert safety.los_f_duration(los_series("FFF", step=timedelta(minutes=1))) == timedelta(
        minutes=2
    )
    shuffled = list(reversed(los_series("CDFFFF")))
    assert safety.gridlock(shuffled)
    assert safety.gridlock(los_series("FFF"), min_duration=timedelta(minutes=10))


def test_gridlock_rejects_unknown_letters() -> None:
    with pytest.raises(UnknownLevelOfService, match="'X'"):
        safety.gridlock(los_series("FFXF"))


def test_speeding_share() -> None:
    assert safety.speeding_share(5, 100) == 0.05
    assert safety.speeding_share(0, 0) is None
    with pytest.raises(InvalidValue, match="exceeds vehicle_count"):
        safety.speeding_share(11, 10)
    with pytest.raises(InvalidValue, match="negative"):
        safety.speeding_share(-1, 10)


def test_night_noise_against_zone_limits() -> None:
    assert not safety.night_noise(55.0)  # residential limit 55 dB(A) met
    assert safety.night_noise(55.1)
    assert not safety.night_noise(69.0, zone="industri")
    assert safety.night_noise(50.5, zone="ruang_terbuka_hijau")
    with pytest.raises(UnknownZone, match="'bandar_udara'"):
        safety.night_noise(60.0, zone="bandar_udara")


def test_hazardous_air_is_category_berbahaya() -> None:
    assert not safety.hazardous_air(300.0)
    assert safety.hazardous_air(300.5)
    assert safety.hazardous_air(500.0)


def test_day_night_level_formula() -> None:
    # L_SM = 10 log10((16·10^(0.1·L_S) + 8·10^(0.1·(L_M+5))) / 24)
    expected = 10 * math.log10((16 * 10**5.5 + 8 * 10**5.0) / 24)
    assert noise.day_night_level(55.0, 45.0) == pytest.approx(expected)
    # equal day and night levels: the night penalty raises L_SM by 10log10((16+8·10^0.5)/24)
    assert noise.day_night_level(60.0, 60.0) == pytest.approx(
        60 + 10 * math.log10((16 + 8 * 10**0.5) / 24)
    )


def test_decree_test_has_3_db_tolerance() -> None:
    assert noise.limit() == 55.0
    assert not noise.exceeds_limit(58.0)
    assert noise.exceeds_limit(58.01)


@PROPERTY
@given(st.floats(20, 120), st.floats(20, 120))
def test_day_night_level_is_bounded_by_its_inputs(day: float, night: float) -> None:
    level = noise.day_night_level(day, night)
    assert min(day, night + 5) - 1e-9 <= level <= max(day, night + 5) + 1e-9
