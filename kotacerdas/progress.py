"""Progress of long work: a rich bar on a terminal, a plain line at least every 10 s in a log.

A rich live display draws nothing while its console is not a terminal (CI, ``| tee``,
``> log``), so a ten-minute run there was silent until its end. :class:`LineProgress`
answers the same calls (``add_task``, ``update``, ``console``) with lines: one when a task
starts and one when it reaches its total, and every ``every_s``, from its own thread, the
state of the newest task (the commands run their steps one after another), so a step that
reports nothing for minutes still shows it is alive.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

# A log line at least this often: often enough to tell "slow" from "stuck", rare enough
# that a ten-minute run stays readable (60 lines).
PLAIN_EVERY_S: Final = 10.0


@dataclass
class Cadence:
    """When a periodic line is due: at start + every_s, + 2 every_s, … A check that comes
    late (a loop turn took longer than planned) still prints, once, and the next line
    keeps to the grid, so a slow turn never makes the line skip a period."""

    every_s: float
    next_at: float

    @classmethod
    def starting(cls, now: float, every_s: float = PLAIN_EVERY_S) -> Cadence:
        return cls(every_s, now + every_s)

    def due(self, now: float) -> bool:
        if now < self.next_at:
            return False
        missed = (now - self.next_at) // self.every_s
        self.next_at += (missed + 1) * self.every_s
        return True


@dataclass
class _Task:
    description: str
    total: float | None
    started: float
    completed: float = 0.0
    status: str = ""

    @property
    def finished(self) -> bool:
        return self.total is not None and self.completed >= self.total

    def line(self, now: float) -> str:
        share = f" {min(self.completed / self.total, 1.0):4.0%}" if self.total else ""
        status = f"  {self.status}" if self.status else ""
        return f"{self.description}: {now - self.started:5.0f} s{share}{status}"


class LineProgress:
    """The calls of ``rich.progress.Progress`` the commands make, as plain lines."""

    def __init__(
        self,
        console: Any,
        every_s: float = PLAIN_EVERY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console
        self.every_s, self.clock = every_s, clock
        self.tasks: dict[int, _Task] = {}
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._ticker = threading.Thread(target=self._tick_until_halted, daemon=True)

    def __enter__(self) -> LineProgress:
        self._ticker.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._halt.set()
        self._ticker.join()

    def add_task(self, description: str, total: float | None = None, **fields: Any) -> int:
        with self._lock:
            task_id = len(self.tasks)
            task = _Task(description, total, self.clock(), status=str(fields.get("status", "")))
            self.tasks[task_id] = task
            self._print(task.line(task.started))
        return task_id

    def update(
        self,
        task_id: int,
        *,
        completed: float | None = None,
        advance: float | None = None,
        **fields: Any,
    ) -> None:
        with self._lock:
            task = self.tasks[task_id]
            was_finished = task.finished
            if completed is not None:
                task.completed = completed
            if advance is not None:
                task.completed += advance
            if "status" in fields:
                task.status = str(fields["status"])
            if task.finished and not was_finished:
                self._print(task.line(self.clock()))

    def tick(self) -> None:
        """The newest task's line (the ticker calls this every ``every_s``)."""
        with self._lock:
            if self.tasks:
                self._print(self.tasks[len(self.tasks) - 1].line(self.clock()))

    def _tick_until_halted(self) -> None:
        while not self._halt.wait(self.every_s):
            self.tick()

    def _print(self, line: str) -> None:
        self.console.print(f"  {line}", highlight=False, markup=False)


def progress_display(console: Any, *columns: Any) -> Any:
    """A rich bar with ``columns`` when ``console`` is a terminal, else :class:`LineProgress`."""
    if console.is_terminal:
        from rich.progress import Progress

        return Progress(*columns, console=console, transient=False)
    return LineProgress(console)
