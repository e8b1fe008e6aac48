"""cityscore.maturity: the rubric is data, levels follow it, partial evidence is capped."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import cityscore
from cityscore import maturity, who
from cityscore.maturity import Evidence, InvalidRubric, evaluate, parse_rubric

RUBRICS = Path(cityscore.__file__).parent / "rubrics"
DEFAULT = RUBRICS / "kotacerdas-default.yaml"
PROPERTY = settings(database=None, deadline=None, max_examples=200)


def default_document() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))


def small_rubric(**changes: Any) -> dict[str, Any]:
    """A two-criterion rubric whose numbers are easy to follow."""
    doc: dict[str, Any] = {
        "id": "test", "version": "1", "status": "ours", "title_id": "uji", "title_en": "test",
        "note_id": "catatan", "note_en": "note",
        "levels": [{"code": f"M{i}", "name_id": f"id{i}", "name_en": f"en{i}"} for i in range(1, 6)],
        "quality": {"ok": 0.9, "partial": 0.5},
        "uptime_caps": [{"min": 0.9, "max_level": "M5"}, {"min": 0.5, "max_level": "M3"},
                        {"min": 0.0, "max_level": "M2"}],
        "coverage_caps": [{"min": 1.0, "max_level": "M5"}, {"min": 0.0, "max_level": "M3"}],
        "aggregate": "mean",
        "dimensions": [{
            "code": "env", "name_id": "Lingkungan", "name_en": "Environment",
            "criteria": [
                {"indicator": "up", "better": "higher",
                 "thresholds": {"M2": 10, "M3": 20, "M4": 30, "M5": 40}},
                {"indicator": "down", "better": "lower",
                 "thresholds": {"M2": 40, "M3": 30, "M4": 20, "M5": 10}},
            ],
        }],
    }  # fmt: skip
    doc.update(changes)
    return doc


def level_of(rubric: maturity.Rubric, evidence: dict[str, Evidence]) -> str | None:
    rank = evaluate(rubric, evidence)[0].rank
    return rubric.level(rank).code if rank is not None else None


# --- the shipped default rubric ------------------------------------------------------


def test_default_rubric_is_ours_and_says_the_official_cut_offs_are_not_public() -> None:
    rubric = parse_rubric(default_document())
    assert rubric.status == "ours"
    assert "not public" in rubric.note_en and "tidak dipublikasikan" in rubric.note_id
    assert [lv.code for lv in rubric.levels] == ["M1", "M2", "M3", "M4", "M5"]
    assert rubric.levels[0].name_id.startswith("Pratama")
    assert rubric.levels[-1].name_id.startswith("Paripurna")  # STANDARDS §6.1


def test_default_rubric_covers_the_four_dimensions_of_the_issue() -> None:
    codes = {d.code for d in parse_rubric(default_document()).dimensions}
    assert codes == {
        "smart_environment",
        "smart_living_mobility",
        "safety_order",
        "digital_service",
    }


def test_every_default_criterion_names_an_indicator_the_export_publishes() -> None:
    from kotacerdas.export import supplement

    known = set(supplement.codes())
    for dim in parse_rubric(default_document()).dimensions:
        for criterion in dim.criteria:
            assert criterion.indicator in known, criterion.indicator


def test_pm_cut_offs_are_the_who_2021_annual_interim_targets() -> None:
    rubric = parse_rubric(default_document())
    by_code = {c.indicator: c for d in rubric.dimensions for c in d.criteria}
    for pollutant, code in (("pm25", "iso37120_8_1"), ("pm10", "iso37120_8_2")):
        targets = who.levels(pollutant, "annual")
        expected = [targets["IT1"], targets["IT2"], targets["IT3"], targets["IT4"]]
        assert [t for _, t in by_code[code].thresholds] == expected


# --- evaluation -----------------------------------------------------------------------


def test_a_value_on_a_threshold_meets_it_in_both_directions() -> None:
    rubric = parse_rubric(small_rubric())
    assert level_of(rubric, {"up": Evidence(30.0), "down": Evidence(20.0)}) == "M4"


def test_evidence_below_every_threshold_is_still_the_lowest_level_not_nothing() -> None:
    rubric = parse_rubric(small_rubric())
    assert level_of(rubric, {"up": Evidence(0.0), "down": Evidence(99.0)}) == "M1"


def test_mean_aggregate_rounds_down_so_a_level_is_never_overstated() -> None:
    rubric = parse_rubric(small_rubric())
    # up → M5 (rank 5), down → M2 (rank 2): mean 3.5 → M3
    assert level_of(rubric, {"up": Evidence(45.0), "down": Evidence(39.0)}) == "M3"


def test_min_aggregate_takes_the_weakest_criterion() -> None:
    rubric = parse_rubric(small_rubric(aggregate="min"))
    assert level_of(rubric, {"up": Evidence(45.0), "down": Evidence(39.0)}) == "M2"


def test_sixty_percent_uptime_caps_the_evidence_at_m3() -> None:
    rubric = parse_rubric(small_rubric())
    result = evaluate(rubric, {"up": Evidence(45.0, uptime=0.6), "down": Evidence(5.0, 0.95)})[0]
    up, down = result.criteria
    assert (up.threshold_rank, up.cap_rank, up.rank) == (5, 3, 3)
    assert (down.threshold_rank, down.rank) == (5, 5)
    assert rubric.level(result.rank or 0).code == "M4"  # (3 + 5) // 2


def test_uptime_none_means_no_sensor_cap() -> None:
    rubric = parse_rubric(small_rubric())
    result = evaluate(rubric, {"up": Evidence(45.0, uptime=None), "down": Evidence(5.0)})[0]
    assert result.criteria[0].cap_rank is None and result.rank == 5


def test_no_evidence_gives_no_level_never_zero() -> None:
    rubric = parse_rubric(small_rubric())
    result = evaluate(rubric, {"up": Evidence(None, uptime=0.0)})[0]
    assert result.rank is None and result.evidence_share == 0.0
    assert all(c.rank is None for c in result.criteria)


def test_missing_criteria_cap_the_dimension_by_evidence_share() -> None:
    rubric = parse_rubric(small_rubric())
    result = evaluate(rubric, {"up": Evidence(45.0)})[0]
    assert result.evidence_share == 0.5
    assert (result.uncapped_rank, result.rank, result.coverage_cap_rank) == (5, 3, 3)


@PROPERTY
@given(a=st.floats(0, 100), b=st.floats(0, 100))
def test_a_better_value_never_gives_a_lower_level(a: float, b: float) -> None:
    rubric = parse_rubric(small_rubric())
    low, high = sorted((a, b))
    assert level_of(rubric, {"up": Evidence(low), "down": Evidence(50.0)}) <= level_of(  # type: ignore[operator]
        rubric, {"up": Evidence(high), "down": Evidence(50.0)}
    )
    assert level_of(rubric, {"down": Evidence(high), "up": Evidence(0.0)}) <= level_of(  # type: ignore[operator]
        rubric, {"down": Evidence(low), "up": Evidence(0.0)}
    )


def test_quality_flags_follow_the_rubric_bands() -> None:
    rubric = parse_rubric(small_rubric())
    assert [rubric.quality_flag(u) for u in (1.0, 0.9, 0.6, 0.5, 0.49)] == [
        "ok", "ok", "partial", "partial", "low",
    ]  # fmt: skip


# --- validation -----------------------------------------------------------------------


def _broken(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(small_rubric())
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("levels",), KeyError, "levels: is missing"),
        (("aggregate",), "median", "aggregate"),
        (("quality", "partial"), 0.95, "partial must not be above ok"),
        (("uptime_caps",), [{"min": 0.5, "max_level": "M3"}], "needs an entry with min: 0"),
        (("uptime_caps", 0, "max_level"), "M9", "unknown level 'M9'"),
        (("dimensions", 0, "criteria", 0, "better"), "more", "better"),
        (("dimensions", 0, "criteria", 0, "thresholds"), {"M2": 30, "M3": 20}, "must tighten"),
        (("dimensions", 0, "criteria", 0, "thresholds"), {"M1": 1, "M2": 2}, "need levels above M1"),
        (("dimensions", 0, "criteria", 1, "indicator"), "", "non-empty text"),
    ],
)  # fmt: skip
def test_a_broken_rubric_is_refused_with_the_key_named(
    path: tuple[Any, ...], value: Any, message: str
) -> None:
    with pytest.raises(InvalidRubric, match=message):
        parse_rubric(_broken(path, value))


def test_invalid_rubric_is_a_cityscore_error_with_a_reason_code() -> None:
    with pytest.raises(cityscore.errors.CityscoreError) as caught:
        parse_rubric({"id": "x"})
    assert caught.value.reason == "invalid_rubric"
