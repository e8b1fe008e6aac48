"""The rate controller (pure part): ±5 % of the target when the sender keeps up."""

from __future__ import annotations

import pytest

from simulators.pacer import Pacer


def _simulate(rate: float, seconds: float, send_cost_s: float) -> float:
    """Drive the pacer with a fake clock; each send costs ``send_cost_s``."""
    pacer, now, sent = Pacer(rate), 0.0, 0
    while now < seconds:
        if pacer.take(now):
            sent += 1
            now += send_cost_s
        else:
            now += max(pacer.wait_s(now), 1e-6)
    return sent / seconds


@pytest.mark.parametrize("rate", [10.0, 500.0, 5_000.0, 15_000.0, 50_000.0])
def test_rate_is_held_within_five_percent(rate: float) -> None:
    assert _simulate(rate, 5.0, send_cost_s=0.2 / rate) == pytest.approx(rate, rel=0.05)


def test_a_slow_sender_gets_what_it_can_and_no_flood_afterwards() -> None:
    pacer, sent = Pacer(1000.0), 0
    now = 0.0
    assert pacer.take(now)
    now = 10.0  # a 10 s stall (broker backpressure)
    while pacer.take(now):
        sent += 1
    assert sent <= pacer.burst  # the debt is not replayed as a burst


def test_wait_is_the_time_to_the_next_token() -> None:
    pacer = Pacer(100.0)
    assert pacer.take(0.0)
    assert pacer.wait_s(0.0) == pytest.approx(0.01)
    assert not pacer.take(0.005)
    assert pacer.take(0.0101)
