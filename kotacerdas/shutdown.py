"""How a command stops: SIGTERM takes the Ctrl-C path, a second signal forces.

``timeout``, systemd, Kubernetes and CI runners stop a process with SIGTERM, whose default
action ends Python on the spot. The children a command started run in sessions of their
own (so that a terminal's Ctrl-C reaches only the parent, which stops them in order), so
they were left running for minutes. Inside :func:`stop_on_signals`, which
``kotacerdas.cli.main`` puts around every command:

1. the first SIGINT or SIGTERM raises ``KeyboardInterrupt`` in the main thread: the path
   every command already takes on Ctrl-C (stop the children gracefully, keep what was
   done); the command exits 128 + the signal number unless it ends otherwise;
2. a second signal forces, after saying so: every tracked child (:func:`track`) is sent
   SIGKILL, its process group with it, and the process exits at once (``os._exit``: a
   wedged ``finally`` or a non-daemon thread cannot hold it up).

Steps that must not be cut in half (start a child and track it; stop children) run
:func:`shielded`: a first signal that arrives there is held and raised when they end.

A signal's disposition belongs to the whole process, so the active :class:`Shutdown` is a
module variable, set only while ``stop_on_signals`` runs; outside it :func:`track` and
:func:`shielded` do nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final, NoReturn

STOP_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)


def _interrupt(_signum: int) -> None:
    raise KeyboardInterrupt


def _kill(pid: int, group: bool) -> None:
    """SIGKILL a child, and the process group it leads; one that is gone already is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if group:
            try:
                os.killpg(pid, signal.SIGKILL)
                return
            except ProcessLookupError:
                pass  # it leads no group (any more): the process alone
        os.kill(pid, signal.SIGKILL)


def _say(line: str) -> None:
    # os.write, not print: a handler runs between two bytecodes of the main thread, which
    # may be inside a write to the same buffered stream (print would raise "reentrant call").
    with contextlib.suppress(OSError):
        os.write(2, f"kotacerdas: {line}\n".encode())


def _exit(code: int) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed or a broken pipe
            stream.flush()
    os._exit(code)


@dataclass
class Shutdown:
    """What this process does on SIGINT/SIGTERM; the side effects are injected (tests)."""

    first: Callable[[int], None] = _interrupt
    kill: Callable[[int, bool], None] = _kill
    exit: Callable[[int], NoReturn] = _exit
    say: Callable[[str], None] = _say
    received: list[int] = field(default_factory=list)
    children: dict[int, bool] = field(default_factory=dict)  # pid -> leads its own group
    _shields: int = 0
    _held: int | None = None

    @property
    def exit_code(self) -> int:
        """128 + the first signal, as a shell reports a process that signal ended."""
        return 128 + (self.received[0] if self.received else signal.SIGINT)

    def track(self, pid: int, group: bool = True) -> None:
        self.children[pid] = group

    def untrack(self, pid: int) -> None:
        """After the child is reaped: its PID may be reused by someone else's process."""
        self.children.pop(pid, None)

    def handle(self, signum: int, _frame: object = None) -> None:
        self.received.append(signum)
        if len(self.received) > 1:
            self.force(signum)
        name = signal.Signals(signum).name
        if self._shields:
            self._held = signum
            self.say(f"{name}: stopping after this step (a second signal forces)")
            return
        self.say(f"{name}: stopping (a second signal forces)")
        self.first(signum)

    def force(self, signum: int) -> NoReturn:
        name = signal.Signals(signum).name
        self.say(f"{name} again: killing {len(self.children)} child process(es), exiting now")
        for pid, group in list(self.children.items()):
            self.kill(pid, group)
        self.exit(128 + signum)

    @contextlib.contextmanager
    def shielded(self) -> Iterator[None]:
        self._shields += 1
        try:
            yield
        finally:
            self._shields -= 1
        if not self._shields and self._held is not None:
            held, self._held = self._held, None
            self.first(held)


_active: Shutdown | None = None


@contextlib.contextmanager
def stop_on_signals(shutdown: Shutdown | None = None) -> Iterator[Shutdown]:
    """Install ``shutdown`` for SIGINT and SIGTERM (main thread only), restore on exit.

    SIGINT is installed even when it was ignored at start (a background job of a
    non-interactive shell inherits SIGINT ignored, and Python then keeps ignoring it):
    `kill -INT` must stop a command however it was started."""
    global _active
    shutdown = shutdown or Shutdown()
    if threading.current_thread() is not threading.main_thread():
        yield shutdown  # signals are delivered to the main thread only
        return
    previous = {sig: signal.signal(sig, shutdown.handle) for sig in STOP_SIGNALS}
    outer, _active = _active, shutdown
    try:
        yield shutdown
    finally:
        _active = outer
        for sig, handler in previous.items():
            # None: the handler was not set from Python; the default is the honest guess
            signal.signal(sig, signal.SIG_DFL if handler is None else handler)


def active() -> Shutdown | None:
    return _active


def track(pid: int, group: bool = True) -> None:
    """Kill ``pid`` (and its process group when ``group``) if a second signal forces."""
    if _active is not None:
        _active.track(pid, group)


def untrack(pid: int) -> None:
    if _active is not None:
        _active.untrack(pid)


def shielded() -> contextlib.AbstractContextManager[None]:
    """Hold a first signal until the block ends (a second one still forces)."""
    return _active.shielded() if _active is not None else contextlib.nullcontext()
