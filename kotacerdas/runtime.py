"""Run a long-lived service until SIGINT/SIGTERM, then let it shut down gracefully."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable


def run_service(main: Callable[[asyncio.Event], Awaitable[None]]) -> int:
    """Run ``main(stop)``; the first SIGINT/SIGTERM sets ``stop``, a second one aborts."""

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
    return 0
