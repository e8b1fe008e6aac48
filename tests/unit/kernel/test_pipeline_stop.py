"""Pipeline children stop together, and a second signal kills them (small real processes)."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from kota_testing.processes import Proc, alive, descendants, wait_for

from kotacerdas import shutdown
from kotacerdas.pipeline import Child, Pipeline
from kotacerdas.shutdown import Shutdown, stop_on_signals

# A child that says when it is ready; "stubborn" ignores SIGTERM (a hung shutdown).
SLEEPER = (
    "import signal, sys, time\n"
    "if sys.argv[1] == 'stubborn': signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\n"
    "time.sleep(120)\n"
)


def sleeper(tmp_path: Path, name: str) -> Child:
    return Child(name, [sys.executable, "-c", SLEEPER, name], tmp_path / f"{name}.log")


def ready(child: Child) -> bool:
    return child.log_path.exists() and "ready" in child.log_path.read_text()


def test_stop_ends_every_child_within_one_grace_period_and_kills_a_stubborn_one(tmp_path):
    guard = Shutdown()
    with stop_on_signals(guard):
        pipeline = Pipeline({}, tmp_path)
        polite = pipeline.start_child(sleeper(tmp_path, "polite"))
        stubborn = [pipeline.start_child(sleeper(tmp_path, "stubborn")) for _ in range(2)]
        assert set(guard.children) == {c.proc.pid for c in (polite, *stubborn)}
        for child in (polite, *stubborn):
            wait_for(lambda c=child: ready(c), 30, f"{child.name} ready")
        began = time.monotonic()
        pipeline.stop(grace_s=1.0)
        took = time.monotonic() - began
    assert not any(c.running for c in (polite, *stubborn))
    assert stubborn[0].proc.returncode == -signal.SIGKILL
    # one shared grace period, not one per stubborn child
    assert 1.0 <= took < 1.9, took
    assert guard.children == {}  # reaped, so untracked


PARENT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from kotacerdas.pipeline import Child, Pipeline
    from kotacerdas.shutdown import stop_on_signals

    logs = Path(sys.argv[1])
    argv = [sys.executable, "-c", sys.argv[2], "stubborn"]
    with stop_on_signals():
        pipeline = Pipeline({}, logs)
        pipeline.start_child(Child("stubborn", argv, logs / "stubborn.log"))
        try:
            time.sleep(120)
        except KeyboardInterrupt:
            print("stopping", flush=True)
            pipeline.stop(grace_s=120)  # the child ignores SIGTERM: this would hang
    """
)


def test_a_second_sigterm_kills_the_children_and_exits_at_once(tmp_path):
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path), SLEEPER],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        log = tmp_path / "stubborn.log"
        wait_for(lambda: log.exists() and "ready" in log.read_text(), 30, "child ready")
        children: list[Proc] = descendants(parent.pid)
        assert len(children) == 1
        parent.send_signal(signal.SIGTERM)
        assert parent.stdout is not None
        assert parent.stdout.readline().strip() == "stopping"
        began = time.monotonic()
        parent.send_signal(signal.SIGTERM)
        code = parent.wait(10)
        took = time.monotonic() - began
        stderr = parent.stderr.read() if parent.stderr else ""
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    assert code == 128 + signal.SIGTERM, stderr
    assert "SIGTERM again: killing 1 child process(es), exiting now" in stderr
    assert took < 5, took
    wait_for(lambda: not any(alive(p) for p in children), 5, "the child is gone")


def test_without_the_guard_children_start_and_stop_the_same(tmp_path):
    assert shutdown.active() is None
    pipeline = Pipeline({}, tmp_path)
    child = pipeline.start_child(sleeper(tmp_path, "polite"))
    pipeline.stop(grace_s=5)
    assert child.proc.returncode == -signal.SIGTERM


def test_the_demo_without_duration_gets_a_plan_the_simulator_accepts():
    """`kotacerdas run` with no --duration asks the simulator for OPEN_ENDED at the
    default rate; 24 h was refused by the planner and the demo died at once."""
    from kotacerdas.pipeline_cli import OPEN_ENDED, parse_duration, register
    from kotacerdas.registry import load_registry
    from simulators.planner import make_spec
    from simulators.settings import SimulatorSettings

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(["run"])
    sensors = list(load_registry().sensors.values())
    spec = make_spec(
        sensors,
        seed=args.seed,
        rate=args.rate,
        duration_s=parse_duration(OPEN_ENDED),
        max_span_s=SimulatorSettings().max_span_s,
        wall_start=time.time(),
    )
    assert spec is not None
