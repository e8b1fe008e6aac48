"""kotacerdas.shutdown: SIGTERM takes the Ctrl-C path, a second signal forces."""

from __future__ import annotations

import asyncio
import functools
import signal

import pytest

from kotacerdas import runtime, shutdown
from kotacerdas.shutdown import Shutdown, stop_on_signals


class Exited(BaseException):
    """What the fake ``exit`` raises instead of ending the test process."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def fake_exit(code: int):
    raise Exited(code)


def make() -> tuple[Shutdown, list[tuple[int, bool]], list[str]]:
    killed: list[tuple[int, bool]] = []
    said: list[str] = []
    guard = Shutdown(
        kill=lambda pid, group: killed.append((pid, group)), exit=fake_exit, say=said.append
    )
    return guard, killed, said


def test_the_first_signal_is_a_keyboard_interrupt_and_says_a_second_one_forces():
    guard, killed, said = make()
    with pytest.raises(KeyboardInterrupt):
        guard.handle(signal.SIGTERM)
    assert killed == [] and said == ["SIGTERM: stopping (a second signal forces)"]
    assert guard.exit_code == 128 + signal.SIGTERM


def test_the_second_signal_kills_every_tracked_child_then_exits_with_its_number():
    guard, killed, said = make()
    guard.track(101)
    guard.track(102, group=False)
    guard.track(103)
    guard.untrack(103)  # reaped: its PID may belong to someone else by now
    with pytest.raises(KeyboardInterrupt):
        guard.handle(signal.SIGINT)
    with pytest.raises(Exited) as exited:
        guard.handle(signal.SIGINT)
    assert exited.value.code == 130
    assert killed == [(101, True), (102, False)]
    assert "killing 2 child process(es)" in said[-1]


def test_a_first_signal_inside_a_shield_is_held_until_the_outermost_shield_ends():
    guard, _, said = make()
    steps = []
    with pytest.raises(KeyboardInterrupt), guard.shielded():
        with guard.shielded():
            guard.handle(signal.SIGTERM)
            steps.append("inner step finished")
        steps.append("outer step finished")
    assert steps == ["inner step finished", "outer step finished"]
    assert "stopping after this step" in said[0]


def test_a_second_signal_forces_even_inside_a_shield():
    guard, killed, _ = make()
    guard.track(7)
    with pytest.raises(Exited), guard.shielded():
        guard.handle(signal.SIGTERM)
        guard.handle(signal.SIGTERM)
    assert killed == [(7, True)]


def test_without_a_signal_a_shield_changes_nothing():
    guard, _, said = make()
    with guard.shielded():
        pass
    assert said == [] and guard.received == []


def test_stop_on_signals_turns_a_real_sigterm_into_keyboard_interrupt_and_restores():
    before = {sig: signal.getsignal(sig) for sig in shutdown.STOP_SIGNALS}
    guard, _, _ = make()
    with pytest.raises(KeyboardInterrupt), stop_on_signals(guard) as active:
        assert shutdown.active() is active is guard
        signal.raise_signal(signal.SIGTERM)
    assert guard.received == [signal.SIGTERM]
    assert shutdown.active() is None
    assert {sig: signal.getsignal(sig) for sig in shutdown.STOP_SIGNALS} == before


def test_sigint_is_handled_even_when_the_process_started_with_it_ignored():
    # A background job of a non-interactive shell starts with SIGINT ignored.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        guard, _, _ = make()
        with pytest.raises(KeyboardInterrupt), stop_on_signals(guard):
            signal.raise_signal(signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_track_and_shielded_do_nothing_outside_stop_on_signals():
    shutdown.track(12345)
    shutdown.untrack(12345)
    with shutdown.shielded():
        pass
    assert shutdown.active() is None


def test_a_service_stops_on_the_first_signal_and_is_forced_out_by_the_second(monkeypatch):
    # run_service: the first signal sets `stop` (the service shuts down gracefully)...
    async def graceful(stop: asyncio.Event) -> None:
        asyncio.get_running_loop().call_soon(signal.raise_signal, signal.SIGTERM)
        await asyncio.wait_for(stop.wait(), 10)

    assert runtime.run_service(graceful) == 0

    # ...a second one forces, even while the graceful shutdown hangs.
    monkeypatch.setattr(runtime, "Shutdown", functools.partial(Shutdown, exit=_exit_now))

    async def hangs(stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        loop.call_soon(signal.raise_signal, signal.SIGTERM)
        await asyncio.wait_for(stop.wait(), 10)
        loop.call_soon(signal.raise_signal, signal.SIGTERM)
        await asyncio.sleep(10)  # a shutdown step that never ends

    with pytest.raises(SystemExit) as exited:
        runtime.run_service(hangs)
    assert exited.value.code == 128 + signal.SIGTERM


def _exit_now(code: int):
    # SystemExit propagates out of the event loop (the real one is os._exit).
    raise SystemExit(code)
