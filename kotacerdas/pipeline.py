"""The whole pipeline on one machine: stack, schema, registry, ingest, aggregator, simulator.

Used by ``kotacerdas run`` (the README's main job) and by the benchmark harness. Each
service is a child process with its own ops port; its counters are read from /metrics,
so what we print is what Prometheus would scrape.

Children run in sessions of their own, so a terminal's Ctrl-C reaches only us and we stop
them (SIGTERM, then SIGKILL after a grace period). Each is tracked by
``kotacerdas.shutdown``: a second signal to us kills them before we exit.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from kotacerdas import shutdown
from kotacerdas.errors import UserFacingError
from kotacerdas.stack.procs import free_port

# A service's graceful stop (drain, flush, commit) takes a second or two; past this it is
# killed (its unacknowledged work is redelivered on the next start).
STOP_GRACE_S = 20.0


@dataclass
class Child:
    name: str
    argv: list[str]
    log_path: Path
    ops_port: int | None = None
    proc: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log, shutdown.shielded():  # started = tracked
            self.proc = subprocess.Popen(
                self.argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            shutdown.track(self.proc.pid)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def get(self, path: str) -> tuple[int, str]:
        if self.ops_port is None:
            return 0, ""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.ops_port}{path}", timeout=2) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError as exc:
            return 0, str(exc)

    def metrics(self) -> dict[str, float]:
        """Sample values by name (with labels folded in as name{k=v})."""
        status, text = self.get("/metrics")
        if status != 200:
            return {}
        values: dict[str, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                key = f"{sample.name}{{{labels}}}" if labels else sample.name
                values[key] = sample.value
        return values

    def stop(self, grace_s: float = STOP_GRACE_S) -> int | None:
        with shutdown.shielded():
            self.terminate()
            return self.reap(time.monotonic() + grace_s)

    def terminate(self) -> None:
        """Ask it to stop (SIGTERM: a service drains and commits, the simulator drains)."""
        if self.running:
            assert self.proc is not None
            self.proc.send_signal(signal.SIGTERM)

    def reap(self, deadline: float) -> int | None:
        """Wait for it until ``deadline`` (monotonic), then SIGKILL it and its group."""
        if self.proc is None:
            return None
        try:
            code = self.proc.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            code = self.proc.wait()
        shutdown.untrack(self.proc.pid)
        return code

    def kill(self) -> None:
        """SIGKILL, no clean shutdown (the fault the soak injects)."""
        if self.proc is not None and self.running:
            self.proc.kill()
            self.proc.wait()
            shutdown.untrack(self.proc.pid)

    def tail(self, lines: int = 5) -> str:
        try:
            return " | ".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def kotacerdas_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "kotacerdas.cli", *args]


@dataclass
class Pipeline:
    """Ingest + aggregator processes against a running stack (env from stack.env)."""

    env: dict[str, str]
    log_dir: Path
    children: list[Child] = field(default_factory=list)

    def start_service(self, command: str, name: str | None = None, *args: str) -> Child:
        port = free_port()
        child = Child(
            name or command,
            kotacerdas_argv(command, "--ops-port", str(port), *args),
            self.log_dir / f"{name or command}.log",
            port,
        )
        return self.start_child(child)

    def start_simulator(self, *args: str) -> Child:
        child = Child(
            "simulate", kotacerdas_argv("simulate", "--quiet", *args), self.log_dir / "simulate.log"
        )
        return self.start_child(child)

    def start_child(self, child: Child, env: dict[str, str] | None = None) -> Child:
        """Start ``child`` (with our env, or ``env``) as one of ours: a signal during
        the start is held until it is on our list, so ``stop`` reaches it."""
        with shutdown.shielded():
            child.start(env or {**os.environ, **self.env})
            self.children.append(child)
        return child

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        pending = [c for c in self.children if c.ops_port is not None]
        while pending and time.monotonic() < deadline:
            for child in list(pending):
                if not child.running:
                    raise UserFacingError(f"{child.name} exited during start: {child.tail()}")
                if child.get("/readyz")[0] == 200:
                    pending.remove(child)
            time.sleep(0.2)
        if pending:
            names = ", ".join(f"{c.name} ({c.get('/readyz')[1].strip()})" for c in pending)
            raise UserFacingError(f"not ready after {timeout_s:.0f} s: {names}")

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """All children at once (newest first), each within the same ``grace_s``: stopping
        them one after another would add their shutdown times."""
        with shutdown.shielded():
            for child in reversed(self.children):
                child.terminate()
            deadline = time.monotonic() + grace_s
            for child in reversed(self.children):
                child.reap(deadline)
