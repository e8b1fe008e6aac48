"""Run a long-lived service until SIGINT/SIGTERM, then let it shut down gracefully."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from kotacerdas.shutdown import STOP_SIGNALS, Shutdown

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
    """Run ``main(stop)``; the first SIGINT/SIGTERM sets ``stop``, a second one forces
    (``kotacerdas.shutdown``: exit at once, without waiting for a graceful stop that
    hangs). Exit status 1 if a watched background task failed."""

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        # The loop's own handlers (not signal.signal): the callback runs as a loop
        # callback, where setting an asyncio.Event is safe.
        shutdown = Shutdown(
            first=lambda _signum: stop.set(),
            say=lambda line: log.warning(line, extra={"event": "signal"}),
        )
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, shutdown.handle, sig)
        await main(stop)

    asyncio.run(runner())
    return 1 if _failed else 0
