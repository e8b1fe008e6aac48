"""The assessment document of a synthetic city: values, honesty about gaps, maturity."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_export_support import build_inputs, denominators

from kotacerdas.export.assessment import assess, indicator_map
from kotacerdas.export.datafiles import load_denominators, load_rubric

AIR_CODES = ("iso37122_8_2", "iso37120_8_1", "iso37120_8_2", "kc_hours_above_who_aqg_pm25",
             "kc_ispu_category_distribution", "iso37120_8_x_noise")  # fmt: skip
TRAFFIC_CODES = ("kc_los_distribution", "kc_congestion_level", "iso37122_19_1",
                 "u4ssc_ec_ict_t_2c")  # fmt: skip


def document(**kwargs):
    return assess(build_inputs(**kwargs), load_rubric(), load_denominators())


def dimension(doc, code):
    return next(d for d in doc["maturity"]["dimensions"] if d["code"] == code)


def test_full_data_gives_the_figures_stated_by_hand() -> None:
    found = indicator_map(document())
    assert found["iso37122_8_2"]["value"] == pytest.approx(2 / 100.0)
    assert found["iso37120_8_1"]["value"] == pytest.approx(21.5)  # mean of 10 + local hour
    # 4 rush hours a day at V/C 1.1 (Jl. Satu) and 2.2 (Jl. Dua) → LOS F; the rest B or D
    los = found["kc_los_distribution"]
    assert los["breakdown"]["F"] == pytest.approx(100 * 4 / 24)
    assert los["value"] == pytest.approx(100 * 20 / 24)
    # congestion: (50/20-1), (50/45-1) on Jl. Satu ×2, (40/20-1), (40/45-1) on Jl. Dua
    expected = (2 * (4 * 150.0 + 20 * 100 / 9) + (4 * 100.0 + 20 * -100 / 9)) / (3 * 24)
    assert found["kc_congestion_level"]["value"] == pytest.approx(expected)
    assert found["kc_alert_count"]["value"] == 3
    assert found["kc_alert_response_time"]["value"] == pytest.approx(60.0)  # median(30, 90)
    assert found["kc_data_uptime"]["value"] == pytest.approx(100.0)
    assert all(found[c]["quality"] == "ok" for c in AIR_CODES + TRAFFIC_CODES[:2])


def test_hours_above_who_use_the_24h_rolling_mean() -> None:
    """The daily pattern averages 21.5 µg/m³ over any 24 h: every station-hour is above 15."""
    found = indicator_map(document())["kc_hours_above_who_aqg_pm25"]
    hours = 2 * 31 * 24
    assert (found["numerator"], found["denominator"], found["value"]) == (hours, hours, 100.0)


def test_overflow_events_are_runs_of_full_hours() -> None:
    found = indicator_map(document())["kc_overflow_events"]
    assert found["numerator"] > 0
    assert found["details"]["overflow_hours"] > found["numerator"]  # runs, not hours
    assert found["value"] == pytest.approx(found["numerator"] / 2 * 100)


def test_sixty_percent_uptime_is_flagged_next_to_the_value_and_caps_maturity() -> None:
    doc = document(air_fraction=0.6)
    found = indicator_map(doc)
    for code in AIR_CODES:
        assert found[code]["uptime"] == pytest.approx(0.6)
        assert found[code]["quality"] == "partial"
    criteria = {c["indicator"]: c for c in dimension(doc, "smart_environment")["criteria"]}
    assert criteria["iso37122_8_2"]["threshold_level"] == "M3"
    pm25 = criteria["iso37120_8_1"]
    assert pm25["threshold_level"] == "M3" and pm25["uptime_cap"] == "M3"
    for code in ("iso37122_8_2", "iso37120_8_1", "iso37120_8_2", "kc_green_city_index"):
        assert criteria[code]["uptime"] == pytest.approx(0.6)  # the index's weakest domain
        assert criteria[code]["level"] in ("M1", "M2", "M3"), code


def test_a_city_without_sensors_of_a_kind_gets_no_evidence_never_zero() -> None:
    doc = document(domains=("waste",))
    found = indicator_map(doc)
    for code in AIR_CODES + TRAFFIC_CODES:
        assert found[code]["value"] is None, code
        assert found[code]["quality"] == "no_evidence", code
    assert dimension(doc, "smart_living_mobility")["level"] is None
    assert doc["summary"]["maturity"]["smart_living_mobility"] is None
    assert found["kc_overflow_events"]["value"] is not None
    mobility = next(
        c for c in doc["indices"]["green_city"]["components"] if c["name"] == "mobility"
    )
    assert mobility["raw"] is None and mobility["effective_weight"] == 0.0


def test_without_a_sourced_denominator_the_ratio_is_not_guessed() -> None:
    found = indicator_map(document())
    for code in ("iso37122_16_1", "iso37122_19_1", "u4ssc_ec_ict_t_2c"):
        assert found[code]["value"] is None
        assert found[code]["quality"] == "no_denominator"
        assert found[code]["numerator"] is not None  # what the sensors do show


def test_sourced_denominators_give_the_iso_ratios(tmp_path: Path) -> None:
    inventory = denominators(
        tmp_path, waste_containers=10, public_bins=40, street_km=50, major_street_km=10
    )
    found = indicator_map(assess(build_inputs(), load_rubric(), inventory))
    assert found["iso37122_16_1"]["value"] == pytest.approx(20.0)
    assert found["iso37122_16_x_sensor_bins"]["value"] == pytest.approx(5.0)
    # Jl. Satu (3 km, both directions counted once) + Jl. Dua (2 km) of 50 km
    assert found["iso37122_19_1"]["value"] == pytest.approx(10.0)
    assert found["u4ssc_ec_ict_t_2c"]["value"] == pytest.approx(30.0)  # only Jl. Satu is major
    assert found["iso37122_19_1"]["details"]["denominator_source"] == "test fixture"


def test_the_report_names_the_rubric_and_version_that_made_the_levels() -> None:
    doc = document()
    rubric = doc["maturity"]["rubric"]
    assert (rubric["id"], rubric["status"]) == ("kotacerdas-default", "ours")
    assert rubric["version"] and len(rubric["sha256"]) == 64
    assert doc["provenance"]["rubric"]["version"] == rubric["version"]


def test_every_indicator_carries_its_lineage() -> None:
    for row in document()["indicators"]:
        prov = row["provenance"]
        assert prov["views"] and all(v.startswith("v_") for v in prov["views"])
        assert prov["window_start"] == "2026-09-30T16:00:00+00:00"  # local midnight WITA
        assert prov["sensors"] == len(prov["sensor_ids"])


def test_the_same_inputs_give_the_same_document() -> None:
    assert document() == document()


def test_indices_come_from_cityscore_composite_with_components() -> None:
    doc = document()
    green, safety = doc["indices"]["green_city"], doc["indices"]["safety"]
    assert green["coverage"] == 1.0
    total = sum(c["contribution"] for c in green["components"])
    assert green["value"] == pytest.approx(total, abs=1e-5)
    assert green["live"] == {"mean": 60.0, "coverage_mean": 0.8, "rows": 1, "view": "v_indicator"}
    gridlock = next(c for c in safety["components"] if c["name"] == "gridlock")
    assert gridlock["raw"] == pytest.approx(4 / 24, abs=1e-6)  # published to 6 decimals
