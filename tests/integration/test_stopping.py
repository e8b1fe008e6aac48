"""SIGTERM and SIGINT stop `kotacerdas run` and `kotacerdas simulate` within seconds, and
nothing they started is left running (checked by PID and start time in /proc)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kota_testing.processes import Proc, alive, descendants, wait_for

from kotacerdas.stack.manager import LocalStack

# Seconds from the signal until the command and all its children are gone. A service's
# graceful stop takes a second or two; the rest is headroom for a loaded 2-core machine.
STOP_WITHIN_S = 15.0


@pytest.fixture
def stack_once(db_backend: str, request: pytest.FixtureRequest):
    """The session's stack, on one backend only: these tests are about processes, not
    the database (skipped before the second backend's stack would be started for them)."""
    chosen = os.environ.get("KOTA_TEST_DB_BACKENDS", "postgres,timescaledb")
    reused = os.environ.get("KOTA_TEST_REUSE_STACK")  # one backend only, whichever it is
    if db_backend != "postgres" and "postgres" in chosen and not reused:
        pytest.skip("process shutdown does not depend on the database backend")
    return request.getfixturevalue("stack")


def on_the_test_stack(stack, env: dict[str, str]) -> dict[str, str]:
    """`LocalStack(StackSettings())` inside the command finds the session's stack: same
    state folder, same ports, so `up` reuses its running services."""
    s = stack.local.settings
    return {
        **os.environ,
        **env,
        "KOTA_STATE_DIR": str(stack.state),
        "KOTA_STACK_MQTT_PORT": str(s.mqtt_port),
        "KOTA_STACK_KAFKA_PORT": str(s.kafka_port),
        "KOTA_STACK_KAFKA_CONTROLLER_PORT": str(s.kafka_controller_port),
        "KOTA_STACK_PG_PORT": str(s.pg_port),
        "KOTA_STACK_KAFKA_PARTITIONS": str(s.kafka_partitions),
        "KOTA_DB_BACKEND": stack.local.db_backend(),
    }


class Command:
    """A kotacerdas command whose output is collected line by line as it comes."""

    def __init__(self, argv: list[str], env: dict[str, str], background: bool = False) -> None:
        command = [sys.executable, "-m", "kotacerdas.cli", *argv]
        if background:  # as `cmd &` in a script: SIGINT ignored from the start
            command = ["sh", "-c", 'trap "" INT; exec "$@"', "sh", *command]
        self.proc = subprocess.Popen(
            command,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [
            threading.Thread(target=lambda s=s, to=to: to.extend(s), daemon=True)
            for s, to in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))
        ]
        for reader in self._readers:
            reader.start()

    def stop(self, sig: int) -> tuple[int, float]:
        """Send ``sig``; the exit status and the seconds it took to exit."""
        began = time.monotonic()
        self.proc.send_signal(sig)
        code = self.proc.wait(60)
        took = time.monotonic() - began
        for reader in self._readers:
            reader.join(10)
        return code, took

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def command() -> Iterator[list[Command]]:
    started: list[Command] = []
    yield started
    for cmd in started:
        cmd.close()


def children(root: int, *names: str) -> list[Proc]:
    """The processes below ``root``, once each of ``names`` is among their command lines."""
    found: list[Proc] = []

    def all_there() -> bool:
        found[:] = descendants(root)
        return all(any(f"kotacerdas.cli {n}" in p.cmdline for p in found) for n in names)

    wait_for(all_there, 120, f"{', '.join(names)} started below PID {root}")
    return found


def test_run_stops_on_sigterm_with_every_child_gone(stack_once, request, command):
    stack, topics = stack_once, request.getfixturevalue("topics")
    services_before = LocalStack(stack.local.settings).status()
    run = Command(
        ["run", "--duration", "10m", "--rate", "20", "--cities", "banyuwangi", "--faults="],
        on_the_test_stack(stack, topics),
    )
    command.append(run)
    procs = children(run.proc.pid, "ingest", "aggregate", "simulate")

    code, took = run.stop(signal.SIGTERM)

    print(f"kotacerdas run: gone {took:.1f} s after SIGTERM")
    assert code == 0, run.stderr[-3000:]
    assert took < STOP_WITHIN_S, run.stderr[-3000:]
    left = [p for p in procs if alive(p)]
    assert left == [], left  # reaped by the run before it exited: no waiting needed
    # It reused the session's stack (same services, same PIDs) instead of starting one.
    for name in ("mosquitto", "postgresql", "kafka"):
        assert re.search(rf"{name}( \(\w+\))? already running", run.stderr), run.stderr
    services_after = LocalStack(stack.local.settings).status()
    assert [(s.name, s.pid) for s in services_after] == [(s.name, s.pid) for s in services_before]
    assert "SIGTERM: stopping (a second signal forces)" in run.stderr
    assert "stopping simulator, ingest and aggregator" in run.stderr


def test_bench_stops_on_sigint_even_when_started_as_a_background_job(
    stack_once, command, tmp_path: Path
):
    stack = stack_once
    report = tmp_path / "pipeline"
    argv = ["bench", "--use-local-stack", "--rate", "100", "--duration", "10m"]
    argv += ["--no-floors", "--no-peer", "--report", str(report)]
    bench = Command(argv, on_the_test_stack(stack, {}), background=True)
    command.append(bench)
    procs = children(bench.proc.pid, "ingest", "aggregate", "simulate")

    code, took = bench.stop(signal.SIGINT)

    print(f"kotacerdas bench: gone {took:.1f} s after SIGINT")
    assert code == 130, bench.stderr[-3000:]
    assert took < STOP_WITHIN_S, bench.stderr[-3000:]
    assert [p for p in procs if alive(p)] == []
    assert not report.with_suffix(".json").exists()  # an interrupted run reports nothing


@pytest.mark.parametrize(
    ("sig", "processes"), [(signal.SIGTERM, 1), (signal.SIGINT, 2)], ids=["sigterm", "sigint-2"]
)
def test_simulate_stops_on_a_signal_and_still_writes_its_truth(
    stack_once, command, tmp_path: Path, sig: int, processes: int
):
    stack = stack_once
    truth = tmp_path / "truth.jsonl"
    sim = Command(
        [
            "simulate",
            "--cities",
            "banyuwangi",
            "--rate",
            "100",
            "--duration",
            "10m",
            "--processes",
            str(processes),
            "--truth",
            str(truth),
        ],
        {**os.environ, **stack.env},
    )
    command.append(sim)
    wait_for(lambda: re.search(r"sent [1-9]", sim.stderr) is not None, 60, "the simulator sending")
    procs = descendants(sim.proc.pid)
    assert len(procs) == (processes if processes > 1 else 0)  # the worker processes

    code, took = sim.stop(sig)

    print(f"kotacerdas simulate ({processes} process(es)): gone {took:.1f} s after {sig!r}")
    assert code == 130, sim.stderr[-3000:]
    assert took < STOP_WITHIN_S, sim.stderr[-3000:]
    assert [p for p in procs if alive(p)] == []
    records = [json.loads(line) for line in truth.read_text().splitlines()]
    summary = records[-1]
    assert summary["kind"] == "summary" and summary["interrupted"] is True
    sent = sum(1 for r in records if r["kind"] == "message")
    assert 0 < sent == summary["sent"] == summary["acked"]
    assert "interrupted" in sim.stderr


# `bench --max --duration 15s`: services starting (a few seconds), 15 s of publishing, the
# drain, then reading every record back for the report (about 25 s in all here). Before it
# stopped at its duration it published a plan of rate × duration = 3 000 000 messages:
# ten minutes at the 5 000/s one simulator reaches on this machine.
BENCH_D_S = 15
BENCH_OVERHEAD_S = 90  # start, reading back and the report, with room for a loaded machine


def test_bench_max_publishes_for_its_duration_then_drains_and_reports(stack_once, tmp_path: Path):
    stack = stack_once
    report = tmp_path / "pipeline"
    argv = ["bench", "--use-local-stack", "--max", "--duration", f"{BENCH_D_S}s"]
    argv += ["--no-floors", "--no-peer", "--report", str(report)]
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "kotacerdas.cli", *argv],
        env=on_the_test_stack(stack, {}),
        capture_output=True,
        text=True,
        timeout=600,
    )
    took = time.monotonic() - began
    print(f"kotacerdas bench --max --duration {BENCH_D_S}s: {took:.0f} s")
    assert done.returncode == 0, done.stderr[-3000:]
    run = json.loads(report.with_suffix(".json").read_text())["pipeline"]
    assert run["drain_s"] is not None
    assert took < BENCH_D_S + run["drain_s"] + BENCH_OVERHEAD_S, done.stderr[-3000:]
    # It published for about D, not until a plan of rate × D messages ran out.
    publish_end_s = run["window_s"][1]
    assert BENCH_D_S - 2 <= publish_end_s <= BENCH_D_S + 5, run["window_s"]
    assert run["sent"] > 0 and run["valid"] > 0 and run["stored"] == run["valid"]
    assert run["rates"]["sent"] > 0 and run["rates"]["stored"] > 0
    # Not a terminal: a progress line at least every 10 s instead of a silent bar.
    lines = [line for line in done.stderr.splitlines() if line.strip().startswith("pipeline max:")]
    assert len(lines) >= BENCH_D_S // 10, done.stderr[-3000:]
