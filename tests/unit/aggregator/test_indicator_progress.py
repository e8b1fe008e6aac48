"""The indicator job's clock: a domain whose rollups are in flight holds its city back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aggregator.indicators.progress import city_progress

T = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
M = timedelta(minutes=1)


def test_a_domain_still_rolling_up_holds_the_city_back_to_what_it_shows():
    # air committed this rollup cycle; traffic's minutes since T - 8 min are still pending
    seen = {"air": T, "traffic": T - 8 * M, "waste": T - 2 * M}
    pending = {"air": T + M, "traffic": T - 7 * M}  # the earliest minute in flight
    assert city_progress(seen, pending) == T - 8 * M


def test_a_sensor_behind_the_others_of_its_domain_holds_the_city_before_its_minutes():
    # air shows T (its other stations); one station's minutes from T - 15 min are being
    # rolled up now (its partition was held back): complete only before them
    assert city_progress({"air": T, "waste": T}, {"air": T - 15 * M}) == T - 16 * M


def test_a_quiet_domain_holds_nothing_back():
    # nothing in flight: its sensors are quiet (or dark), not late; an old late minute
    # is not in flight (newest_per_city leaves out minutes older than their sensor's own
    # progress), so it is not in ``pending`` at all
    seen = {"air": T, "traffic": T - 40 * M}
    assert city_progress(seen, {}) == T


def test_a_domain_pending_before_anything_of_it_was_shown_waits_for_it():
    assert city_progress({"air": T}, {"traffic": T}) is None
    assert city_progress({}, {"air": T}) is None
