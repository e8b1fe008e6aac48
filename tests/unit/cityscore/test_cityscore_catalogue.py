"""The ISO 37122 / 37120 indicator catalogue used by the exporter."""

from __future__ import annotations

import dataclasses
import typing

import pytest

from cityscore import catalogue
from cityscore.errors import UnknownIndicator

REQUIRED = {
    "iso37122_8_2", "iso37122_16_1", "iso37122_16_x_sensor_bins", "iso37122_19_1",
    "iso37120_8_1", "iso37120_8_2", "iso37120_8_x_no2", "iso37120_8_x_so2", "iso37120_8_x_o3",
    "iso37120_8_x_noise", "u4ssc_ec_ict_t_2c", "kc_hours_above_who_aqg_pm25",
    "kc_ispu_category_distribution", "kc_los_distribution", "kc_congestion_level",
    "kc_overflow_events", "kc_alert_count", "kc_alert_response_time",
}  # fmt: skip


def test_required_indicators_present_and_codes_unique() -> None:
    codes = [indicator.code for indicator in catalogue.INDICATORS]
    assert len(codes) == len(set(codes))
    assert set(codes) >= REQUIRED


@pytest.mark.parametrize("indicator", catalogue.INDICATORS, ids=lambda i: i.code)
def test_every_entry_is_complete(indicator: catalogue.Indicator) -> None:
    for entry in dataclasses.fields(indicator):
        assert getattr(indicator, entry.name), entry.name
    assert indicator.dimension in typing.get_args(catalogue.Dimension)
    assert indicator.required_inputs
    if indicator.standard.startswith("ISO"):
        assert indicator.clause_status == "U"  # STANDARDS §5: clause numbers unverified
    if indicator.code.startswith("kc_"):
        assert (indicator.standard, indicator.clause_status) == ("kotacerdas", "ours")


def test_u4ssc_formula_is_the_verified_one() -> None:
    kpi = catalogue.by_code("u4ssc_ec_ict_t_2c")
    assert kpi.clause == "EC:ICT:T:2C" and kpi.clause_status == "V"
    assert "major streets monitored by ICT" in kpi.numerator
    assert "itu.int" in kpi.source


def test_entries_are_frozen_and_lookup_fails_typed() -> None:
    entry = catalogue.by_code("iso37122_8_2")
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.code = "x"  # type: ignore[misc]
    with pytest.raises(UnknownIndicator, match="'iso99'"):
        catalogue.by_code("iso99")
