"""Start an aiokafka client against a Kafka that may not be there yet (shared by the
bridge's producer and the aggregator's consumer)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from aiokafka.errors import KafkaError

from kotacerdas.backoff import retry_until_stopped
from kotacerdas.settings import KafkaSettings


class _Client(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


C = TypeVar("C", bound=_Client)


async def start_when_reachable(
    stop: asyncio.Event,
    make: Callable[[], C],
    settings: KafkaSettings,
    log: logging.Logger,
    on_failure: Callable[[str], None],
    after_start: Callable[[C], Awaitable[None]] | None = None,
) -> C | None:
    """A started client, retried with capped backoff; None if ``stop`` came first.

    A client whose start (or ``after_start``) fails is stopped before the next try, so
    no half-open connections pile up during an outage.
    """

    async def attempt() -> C:
        client = make()
        try:
            await client.start()
            if after_start is not None:
                await after_start(client)
        except BaseException:
            await client.stop()
            raise
        return client

    return await retry_until_stopped(
        stop,
        attempt,
        (KafkaError, OSError),
        lambda exc: f"cannot reach Kafka at {settings.bootstrap}: {exc}",
        log,
        on_failure,
    )
