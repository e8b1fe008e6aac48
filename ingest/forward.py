"""Forward recovered readings to Kafka: the same topics, keys and record format as live data.

``kotacerdas deadletter replay`` and ``kotacerdas import`` do not write to the database:
they hand readings to the pipeline like the bridge does (``encode_reading``, key =
sensor_id, idempotent producer, ``acks=all``), so the aggregator dedups, stores, rolls up
and alerts on them exactly as on live data. A bounded number of sends is in flight; each
``flush`` waits until Kafka has acknowledged every record sent so far, so the caller
records an outcome (or a resume point) only for what Kafka holds.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Final

from kotacerdas.contract import Reading
from kotacerdas.errors import UserFacingError
from kotacerdas.settings import KafkaSettings
from kotacerdas.topics import full_name
from kotacerdas.wire import H_BACKFILL, encode_reading, reading_headers

# Sends awaiting Kafka's acknowledgement before the next one waits (backpressure).
MAX_IN_FLIGHT: Final = 20_000


class ForwardError(UserFacingError):
    """Kafka refused or could not be reached; nothing after the last flush is recorded."""


class Forwarder:
    def __init__(self, settings: KafkaSettings, actor: str) -> None:
        self._settings = settings
        self._actor = actor
        self._producer: Any = None
        self._pending: list[asyncio.Future[Any]] = []
        self.sent = 0

    async def __aenter__(self) -> Forwarder:
        from aiokafka import AIOKafkaProducer
        from aiokafka.errors import KafkaError

        self._producer = AIOKafkaProducer(
            **self._settings.client_options(),
            client_id="kota-recover",
            acks="all",
            enable_idempotence=True,
            compression_type="zstd",
            linger_ms=20,
            max_batch_size=262_144,
        )
        try:
            await self._producer.start()
        except KafkaError as exc:
            await self._producer.stop()
            raise ForwardError(f"Kafka at {self._settings.bootstrap}: {exc}") from None
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                await self.flush()
        finally:
            await self._producer.stop()

    async def send(self, reading: Reading, *, backfill: bool = False) -> None:
        from aiokafka.errors import KafkaError

        headers = reading_headers(reading.source_format, datetime.now(UTC), self._actor)
        if backfill:
            headers.append((H_BACKFILL, b"1"))
        try:
            future = await self._producer.send(
                full_name(self._settings.topic_prefix, reading.domain),
                encode_reading(reading),
                key=reading.sensor_id.encode(),
                headers=headers,
            )
        except KafkaError as exc:
            raise ForwardError(f"sending to Kafka failed: {exc}") from None
        self._pending.append(future)
        self.sent += 1
        if len(self._pending) >= MAX_IN_FLIGHT:
            await self.flush()

    async def flush(self) -> None:
        """Wait until Kafka acknowledged everything sent so far."""
        from aiokafka.errors import KafkaError

        pending, self._pending = self._pending, []
        if not pending:
            return
        try:
            await asyncio.gather(*pending)
        except KafkaError as exc:
            raise ForwardError(f"Kafka did not acknowledge: {exc}") from None
