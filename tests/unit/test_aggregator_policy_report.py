"""The aggregator warns once per failing TimescaleDB policy kind and error (migration 012:
it does the chunk work itself, so a failing scheduler costs no data, but the operator
must know)."""

from __future__ import annotations

import logging

from aggregator.service import AggregatorService

BROKEN = 'cannot drop portal "" while it is being set up'


def test_each_failing_policy_kind_and_error_is_reported_once(caplog) -> None:
    reported: set[tuple[str, str | None]] = set()
    first = [
        (1009, "policy_compression", "air_reading", BROKEN),
        (1010, "policy_compression", "traffic_reading", BROKEN),
        (1012, "policy_retention", "air_reading", BROKEN),
    ]
    with caplog.at_level(logging.WARNING):
        AggregatorService._report_failed_policies(first, reported)
        # an hour later: the same failures, and one with a new error
        AggregatorService._report_failed_policies(
            [*first, (1011, "policy_compression", "waste_reading", None)], reported
        )
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3
    assert "policy_compression job 1009 on air_reading failed: " + BROKEN in warnings[0]
    assert "policy_retention job 1012" in warnings[1]
    assert warnings[2].startswith("TimescaleDB policy_compression job 1011 on waste_reading")
    assert "no message" in warnings[2] and "no data is affected" in warnings[2]


def test_nothing_failed_nothing_said(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        AggregatorService._report_failed_policies([], set())
    assert not caplog.records
