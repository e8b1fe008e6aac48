"""When a simulation stops: its plan's end, --max's wall-clock duration, or a halt."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from sim_support import fleet, registry

from kotacerdas.cli import build_parser
from kotacerdas.errors import UserFacingError
from simulators.cli import config_from_args
from simulators.config import SimulationConfig
from simulators.planner import MAX_PLAN_RATE, make_spec, max_plan_rate
from simulators.runner import WorkerResult, _send_all
from simulators.status import StatusLine
from simulators.truth import TruthWriter

CITIES = ("jakarta", "makassar", "banyuwangi", "sumedang")
SPAN = 6 * 86_400


@pytest.mark.parametrize("duration_s", [15, 600, 3600, 86_400])
def test_the_max_plan_rate_is_one_make_spec_accepts(duration_s):
    sensors = fleet(CITIES)
    rate = max_plan_rate(sensors, duration_s, SPAN)
    assert 0 < rate <= MAX_PLAN_RATE
    make_spec(sensors, seed=7, rate=rate, duration_s=duration_s, max_span_s=SPAN, wall_start=0)
    if duration_s == 15:
        assert rate == MAX_PLAN_RATE


def parse(*argv: str):
    return config_from_args(build_parser().parse_args(["simulate", *argv]))


def test_max_publishes_as_fast_as_it_can_for_the_duration(monkeypatch):
    monkeypatch.setenv("KOTA_SENSOR_SECRET", "s3cret")
    config = parse("--max", "--duration", "15s")
    assert config.max_rate and config.duration_s == 15 and config.rate == MAX_PLAN_RATE
    assert not parse("--duration", "15s").max_rate
    with pytest.raises(UserFacingError, match="--rate and --max exclude each other"):
        parse("--max", "--rate", "100")


class FakePublisher:
    """Takes every publish at once, except for ``pause_s`` after each one."""

    def __init__(self, pause_s: float = 0.0, on_publish=None) -> None:
        self.acked = 0
        self.sent = 0
        self.pause_s, self.on_publish = pause_s, on_publish

    def publish(self, sensor_id: str, topic: str, payload: bytes) -> None:
        self.sent += 1
        self.acked += 1
        if self.on_publish:
            self.on_publish(self.sent)
        if self.pause_s:
            time.sleep(self.pause_s)

    def pump(self, timeout: float) -> None:
        return None


def send(
    config: SimulationConfig, publisher: FakePublisher, halt=None
) -> tuple[WorkerResult, float]:
    sensors = fleet(CITIES)
    spec = make_spec(
        sensors,
        seed=7,
        rate=config.rate,
        duration_s=config.duration_s,
        max_span_s=SPAN,
        wall_start=time.time(),
    )
    result = WorkerResult()
    began = time.monotonic()
    _send_all(
        0,
        config,
        spec,
        sensors,
        registry(),
        config.rate,
        publisher,  # type: ignore[arg-type]
        TruthWriter(None),
        None,
        StatusLine(quiet=True),
        result,
        halt,
    )
    return result, time.monotonic() - began


def test_max_stops_sending_when_the_duration_has_passed_not_when_the_plan_ends():
    # The plan holds rate × duration = 100 000 messages; at a few thousand a second (the
    # publisher's pause) the run must end after its 0.5 s, far from the plan's end.
    config = SimulationConfig(cities=CITIES, rate=MAX_PLAN_RATE, duration_s=0.5, max_rate=True)
    result, took = send(config, FakePublisher(pause_s=0.0002))
    assert 0.5 <= took < 2.0, took
    assert 0 < result.sent < 0.5 * MAX_PLAN_RATE
    assert not result.interrupted


def test_a_raised_halt_flag_stops_the_sender_within_a_check_interval():
    halt = SimpleNamespace(value=0)

    def raise_at(n: int) -> None:
        if n == 100:
            halt.value = 1

    config = SimulationConfig(cities=CITIES, rate=MAX_PLAN_RATE, duration_s=60, max_rate=True)
    result, took = send(config, FakePublisher(pause_s=0.0002, on_publish=raise_at), halt)
    assert result.interrupted and 100 <= result.sent < 5000
    assert took < 2.0, took
