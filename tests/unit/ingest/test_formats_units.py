"""Unit conversion tables and metric aliases."""

from __future__ import annotations

import pytest

from cityscore.units import ppb_to_ugm3
from ingest.formats import units
from kotacerdas.contract import METRICS, Domain


@pytest.mark.parametrize("gas", ["no2", "so2", "o3", "co"])
def test_gas_conversion_is_cityscores(gas: str) -> None:
    ppb = units.converter(gas, units.PPB)
    ppm = units.converter(gas, units.PPM)
    assert ppb is not None and ppm is not None
    assert ppb(50.0) == ppb_to_ugm3(gas, 50.0)
    assert ppm(0.05) == pytest.approx(ppb_to_ugm3(gas, 50.0))


def test_no2_ppb_matches_standards_formula() -> None:
    # STANDARDS.md §1.2: µg/m³ = ppb × M / 24.45; NO2 M = 46.0055 g/mol.
    convert = units.converter("no2", units.PPB)
    assert convert is not None
    assert convert(100.0) == pytest.approx(188.16, abs=0.01)


def test_particulates_have_no_mixing_ratio() -> None:
    assert units.converter("pm25", units.PPB) is None
    assert units.converter("pm10", units.PPM) is None


@pytest.mark.parametrize(
    ("code", "unit_id"),
    [
        ("GQ", units.UG_M3),
        ("GP", units.MG_M3),
        ("59", units.PPM),
        ("61", units.PPB),
        ("CEL", units.CEL),
        ("P1", units.PERCENT),
        ("KMH", units.KMH),
        ("KGM", units.KG),
    ],
)
def test_un_cefact_codes(code: str, unit_id: str) -> None:
    assert units.NGSI_UNIT_CODES[code] == unit_id


def test_every_canonical_unit_symbol_converts_its_own_metric() -> None:
    for specs in METRICS.values():
        for metric, spec in specs.items():
            unit_id = units.CANONICAL_UNIT_IDS.get(spec.unit) or units.SENML_UNITS.get(spec.unit)
            assert unit_id is not None, spec.unit
            convert = units.converter(metric, unit_id)
            assert convert is not None and convert(1.0) == 1.0, (metric, spec.unit)


@pytest.mark.parametrize(
    ("domain", "name", "metric"),
    [
        ("air", "PM2.5", "pm25"),
        ("air", "pm2_5", "pm25"),
        ("air", "pm-2.5", "pm25"),
        ("air", "NO2", "no2"),
        ("air", "temp", "temperature"),
        ("air", "RH", "humidity"),
        ("traffic", "vehicle_count", "vehicle_count"),
        ("traffic", "averageVehicleSpeed", "avg_speed_kmh"),
        ("waste", "fillingLevel", "fill_level"),
        ("waste", "lid", "lid_open"),
        ("air", "vehicle_count", None),
        ("air", "voltage", None),
    ],
)
def test_aliases(domain: Domain, name: str, metric: str | None) -> None:
    assert units.canonical_metric(domain, name) == metric


def test_unit_identifies_a_metric_only_when_unique() -> None:
    assert units.metric_for_unit("air", units.CEL) == "temperature"
    assert units.metric_for_unit("air", units.UG_M3) is None  # six pollutants share it
    assert units.metric_for_unit("waste", units.RATIO) is None  # dimensionless: a flag or a share
    assert units.metric_for_unit("traffic", units.COUNT) is None
