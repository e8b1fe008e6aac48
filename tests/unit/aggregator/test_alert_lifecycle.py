"""Alert episodes with hysteresis and minimum duration, and their reconciliation."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from aggregator.alerts.lifecycle import Existing, Point, episodes, reconcile
from aggregator.alerts.rules import Rule, load_rules

T0 = datetime(2026, 11, 28, tzinfo=UTC)
W = timedelta(minutes=5)
RULE = Rule(
    rule="xx",
    kind="x",
    indicator="ispu",
    scope="district",
    severity="warning",
    open_at=200,
    close_below=150,
    min_duration_s=900,
    message="m",
)


def series(*values: float) -> list[Point]:
    return [Point(T0 + i * W, v) for i, v in enumerate(values)]


def test_opens_only_after_the_minimum_duration():
    assert episodes(series(250, 250), RULE, W) == []  # 10 min < 15 min
    [e] = episodes(series(100, 250, 250, 250), RULE, W)
    assert e.opened_at == T0 + W and e.closed_at is None and e.peak == 250


def test_hysteresis_keeps_an_alert_open_between_the_thresholds():
    values = (250, 250, 250, 190, 160, 210, 190, 140)
    [e] = episodes(series(*values), RULE, W)
    assert e.closed_at == T0 + 7 * W  # first window below 150
    assert e.peak == 250


@given(st.lists(st.floats(100, 300), min_size=1, max_size=60))
def test_no_flapping_around_one_threshold(values):
    """Between two opens, the value always fell below close_below first."""
    found = episodes(series(*values), RULE, W)
    for before, after in itertools.pairwise(found):
        assert before.closed_at is not None and before.closed_at <= after.opened_at
        index = int((before.closed_at - T0) / W)
        assert values[index] < RULE.close_below


def test_a_gap_in_the_data_restarts_the_minimum_duration():
    points = [Point(T0, 250), Point(T0 + W, 250), Point(T0 + 4 * W, 250)]
    assert episodes(points, RULE, W) == []


def test_reconcile_opens_updates_and_closes():
    [e] = episodes(series(250, 250, 250, 300), RULE, W)
    assert [a.kind for a in reconcile([e], [])] == ["open"]
    stored = Existing(7, e.opened_at, None, peak=250)
    [update] = reconcile([e], [stored])
    assert update.kind == "update" and update.alert_id == 7
    [closed] = episodes(series(250, 250, 250, 100), RULE, W)
    [close] = reconcile([closed], [stored])
    assert (close.kind, close.alert_id, close.reason) == ("close", 7, "cleared")


def test_late_data_that_removes_the_condition_revises_the_alert():
    stored = Existing(9, T0, None, peak=250)
    [action] = reconcile(episodes(series(120, 120, 120), RULE, W), [stored])
    assert (action.kind, action.alert_id, action.reason) == ("close", 9, "revised")


def test_a_closed_alert_late_data_no_longer_supports_is_withdrawn():
    stored = Existing(4, T0 + W, T0 + 2 * W, peak=250)
    [action] = reconcile(episodes(series(120, 120, 120), RULE, W), [stored], since=T0)
    assert (action.kind, action.alert_id, action.reason) == ("close", 4, "revised")
    # one that began before the series is not judged on the part the series shows
    assert reconcile([], [Existing(5, T0 - W, T0 + W, peak=250)], since=T0) == []


def test_an_alert_open_before_the_series_stays_matched():
    [e] = episodes(series(180, 190), RULE, W, open_since=T0 - 10 * W)
    assert e.opened_at == T0 - 10 * W and e.closed_at is None
    assert reconcile([e], [Existing(3, T0 - 10 * W, None, peak=260)]) == []


def test_final_windows_that_show_an_earlier_start_move_the_alert_start_back():
    [e] = episodes(series(250, 250, 250, 250, 250), RULE, W)
    [action] = reconcile([e], [Existing(5, T0 + 3 * W, None, peak=250)])
    assert (action.kind, action.alert_id, action.opened_at) == ("update", 5, T0)


def test_an_alert_start_never_moves_later():
    [e] = episodes(series(100, 250, 250, 250), RULE, W)
    assert reconcile([e], [Existing(5, T0, None, peak=250)]) == []


def test_the_shipped_rules_load():
    rules = load_rules()
    assert {r.rule for r in rules.rules} >= {
        "hazardous_air",
        "bin_fire",
        "gridlock",
        "silent_sensor",
    }
    assert all(r.close_below <= r.open_at for r in rules.rules)
