"""Start, find and stop the stack's own processes, by PID file, never by name."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from kotacerdas.errors import UserFacingError


class ServiceError(UserFacingError):
    """A stack service could not be started or stopped; the message names the cause."""


def read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def is_alive(pid: int, expect_in_cmdline: str) -> bool:
    """True if ``pid`` runs and is still our process (its command line names ``expect``).

    Checking the command line keeps us from signalling an unrelated process that
    inherited a recycled PID after a reboot or crash.
    """
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text(errors="replace")
    if ") Z" in stat:  # a zombie is dead, only not yet reaped
        return False
    return expect_in_cmdline in cmdline


def spawn(
    argv: Sequence[str],
    log_file: Path,
    pid_file: Path,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
) -> int:
    """Start ``argv`` detached (own session), output to ``log_file``; record its PID.

    ``cwd`` "/" for a service that drops to its own user, which may not be allowed to
    enter the current folder."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        try:
            proc = subprocess.Popen(
                list(argv),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
                cwd=cwd,
            )
        except OSError as exc:
            raise ServiceError(f"cannot start {argv[0]}: {exc.strerror}") from None
    pid_file.write_text(f"{proc.pid}\n")
    return proc.pid


def stop_pid(pid: int, expect: str, grace_s: float = 15.0, crash: bool = False) -> bool:
    """SIGTERM, wait up to ``grace_s``, then SIGKILL. Returns True if it had to kill.

    ``crash`` sends SIGKILL at once (fault tests: no clean shutdown at all).
    """
    if not is_alive(pid, expect):
        return False
    os.kill(pid, signal.SIGKILL if crash else signal.SIGTERM)
    if wait_until(lambda: not is_alive(pid, expect), grace_s):
        _reap(pid)
        return False
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not is_alive(pid, expect), 5.0)
    _reap(pid)
    return True


def has_exited(pid: int) -> bool:
    """True once ``pid`` is gone; reaps it if it is our child (so it is not a zombie)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == pid
    except ChildProcessError:  # not our child: look in /proc
        return not Path(f"/proc/{pid}").exists()


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):  # not our child: init reaps it
        os.waitpid(pid, os.WNOHANG)


def wait_until(predicate: Callable[[], bool], timeout_s: float, step_s: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step_s)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_accepts(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """An ephemeral port the kernel says is free right now (for test stacks)."""
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` distinct free ports: all are held while they are chosen (picked one at a
    time and released, the kernel may hand the same port out twice)."""
    with contextlib.ExitStack() as held:
        ports = []
        for _ in range(count):
            sock = held.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind((host, 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text[-lines:] if line.strip())
