"""Capped exponential backoff with full jitter, for reconnecting to a dead service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass
class Backoff:
    initial_s: float = 0.2
    cap_s: float = 10.0
    attempt: int = 0

    def next_delay(self) -> float:
        """Full jitter (AWS architecture blog): spreads reconnect storms of many replicas."""
        ceiling = min(self.cap_s, self.initial_s * 2**self.attempt)
        self.attempt += 1
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.attempt = 0


async def sleep_or_stop(stop: asyncio.Event, delay: float) -> bool:
    """Sleep ``delay`` seconds unless ``stop`` is set first; True if stopping."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=delay)
    return stop.is_set()


async def retry_until_stopped(
    stop: asyncio.Event,
    attempt: Callable[[], Awaitable[T]],
    retry_on: tuple[type[BaseException], ...],
    describe: Callable[[BaseException], str],
    log: logging.Logger,
    on_failure: Callable[[str], None] = lambda _: None,
) -> T | None:
    """Run ``attempt`` until it succeeds (its result) or ``stop`` is set (None).

    Each failure of a ``retry_on`` kind is described once in the log with the next
    delay, and handed to ``on_failure`` (readiness reporting); others propagate.
    """
    backoff = Backoff()
    while not stop.is_set():
        try:
            return await attempt()
        except retry_on as exc:
            problem = describe(exc)
            on_failure(problem)
            delay = backoff.next_delay()
            log.warning(problem, extra={"attempt": backoff.attempt, "delay_s": f"{delay:.1f}"})
            await sleep_or_stop(stop, delay)
    return None
