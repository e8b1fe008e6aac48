"""Run `kotacerdas ingest` / `kotacerdas aggregate` as real processes for a test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from kotacerdas.stack.procs import free_port


class ServiceProcess:
    """One service process with its own ops port; stopped by PID, never by name."""

    def __init__(self, command: str, env: dict[str, str], log_dir: Path, *args: str) -> None:
        self.command = command
        self.ops_port = free_port()
        self.env = {**os.environ, **env}
        self.args = args
        self.log_path = log_dir / f"{command}-{self.ops_port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, wait_ready: bool = True, timeout_s: float = 60) -> ServiceProcess:
        argv = [
            sys.executable,
            "-m",
            "kotacerdas.cli",
            self.command,
            "--ops-port",
            str(self.ops_port),
            *self.args,
        ]
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        if wait_ready:
            self.wait_ready(timeout_s)
        return self

    def probe(self, path: str = "/readyz") -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.ops_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()
        except OSError as exc:
            return 0, str(exc)

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.command} exited: {self.tail()}")
            if self.probe()[0] == 200:
                return
            time.sleep(0.2)
        raise TimeoutError(
            f"{self.command} not ready after {timeout_s} s: {self.probe()} {self.tail()}"
        )

    def metric(self, name: str, labels: str = "") -> float:
        """A counter/gauge value from /metrics (0 if absent)."""
        _, text = self.probe("/metrics")
        total = 0.0
        for line in text.splitlines():
            if (
                line.startswith(name)
                and (not labels or labels in line)
                and not line.startswith("#")
            ):
                key = line.split(" ")[0]
                if key.split("{")[0] in (name, f"{name}_total"):
                    total += float(line.rsplit(" ", 1)[1])
        return total

    def stop(self, timeout_s: float = 20) -> int:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def run_cli(
    env: dict[str, str], *args: str, timeout_s: float = 180
) -> subprocess.CompletedProcess[str]:
    """One `kotacerdas` command to its end, in the test's environment, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "kotacerdas.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
