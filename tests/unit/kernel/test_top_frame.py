"""What a `kotacerdas top` cell says: coverage below the floor and a partial or missing
ISPU are said in words, never shown as a bare number."""

from __future__ import annotations

from kotacerdas.top_frame import MIN_COMPOSITE_COVERAGE, Ispu, index_text, ispu_text


def test_a_composite_below_the_coverage_floor_is_not_enough_data():
    assert index_text(100.0, 0.07) == "kurang data / not enough data (7%)"
    assert index_text(100.0, None) == "kurang data / not enough data (?)"
    assert index_text(58.0, MIN_COMPOSITE_COVERAGE) == "58 (50%)"
    assert index_text(None, 0.0) == "—"


def test_an_ispu_from_fewer_than_24_hours_is_marked_partial():
    assert ispu_text(Ispu("sedang", 62.4, hours=24))[0] == "Sedang / Moderate 62"
    assert ispu_text(Ispu("sedang", 62.4))[0] == "Sedang / Moderate 62"  # hours not given
    text, style = ispu_text(Ispu("baik", 31.0, hours=3))
    assert text == "Baik / Good 31 (sebagian / partial 3/24 h)" and style == "bold green"


def test_a_missing_ispu_says_what_it_waits_for():
    waiting = Ispu(computed=True, stations=42, silent=42, hours_seen=30)
    assert ispu_text(waiting)[0] == "— menunggu / waiting: 0/42 stations reporting, 24/24 h seen"
    first = Ispu(stations=2, hours_seen=0)
    assert ispu_text(first)[0] == "— menunggu / waiting: the first window, 0/24 h seen"
    assert ispu_text(Ispu(computed=True))[0] == "— tanpa stasiun / no air station"
