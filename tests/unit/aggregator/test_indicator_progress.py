"""The indicator job's clock: a domain whose rollups are in flight holds its city back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aggregator.indicators.progress import city_progress

T = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
M = timedelta(minutes=1)


def test_a_domain_still_rolling_up_holds_the_city_back_to_what_it_shows():
    # air committed this rollup cycle; traffic's minutes since T - 8 min are still pending
    seen = {"air": T, "traffic": T - 8 * M, "waste": T - 2 * M}
    pending = {"air": T + M, "traffic": T}
    assert city_progress(seen, pending) == T - 8 * M


def test_a_quiet_domain_holds_nothing_back():
    # nothing newer pending: its sensors are quiet (or dark), not late
    seen = {"air": T, "traffic": T - 40 * M}
    assert city_progress(seen, {"traffic": T - 50 * M}) == T  # an old late minute
    assert city_progress(seen, {}) == T


def test_a_domain_pending_before_anything_of_it_was_shown_waits_for_it():
    assert city_progress({"air": T}, {"traffic": T}) is None
    assert city_progress({}, {"air": T}) is None
