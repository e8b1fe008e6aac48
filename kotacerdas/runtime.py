"""Run a long-lived service until SIGINT/SIGTERM, then let it shut down gracefully."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger("kota.runtime")
_failed: list[str] = []  # background tasks that died: the service exits 1


def watch(work: Coroutine[Any, Any, Any], name: str, stop: asyncio.Event) -> asyncio.Task[Any]:
    """Run ``work`` as a background task that, if it dies, stops the whole service,
    loudly, instead of leaving it up and "ready" with a part missing (the supervisor
    restarts it; unacknowledged work is redelivered)."""

    def done(finished: asyncio.Task[Any]) -> None:
        if finished.cancelled() or (exc := finished.exception()) is None:
            return
        _failed.append(finished.get_name())
        log.critical(
            f"{finished.get_name()} failed, stopping the service: {exc!r}",
            exc_info=exc,
            extra={"event": "task_failed"},
        )
        stop.set()

    task = asyncio.create_task(work, name=name)
    task.add_done_callback(done)
    return task


def run_service(main: Callable[[asyncio.Event], Awaitable[None]]) -> int:
    """Run ``main(stop)``; the first SIGINT/SIGTERM sets ``stop``, a second one aborts.
    Exit status 1 if a watched background task failed."""

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def on_signal() -> None:
            if stop.is_set():
                raise SystemExit(130)
            stop.set()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal)
        await main(stop)

    asyncio.run(runner())
    return 1 if _failed else 0
