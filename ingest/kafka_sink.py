"""The Kafka side of the bridge: one idempotent aiokafka producer, ``acks=all``.

A record is handed over with ``submit``; the returned future resolves when Kafka has
acknowledged it (or fails, and the caller retries: the MQTT message stays unacked).
Readiness comes from a metadata probe, so an idle bridge also notices a dead Kafka.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from kotacerdas.backoff import retry_until_stopped, sleep_or_stop
from kotacerdas.settings import KafkaSettings
from kotacerdas.wire import Headers

log = logging.getLogger("kota.ingest.kafka")

_PROBE_INTERVAL_S = 2.0
_PROBE_TIMEOUT_S = 2.0


@dataclass(frozen=True, slots=True)
class OutRecord:
    topic: str
    key: bytes
    value: bytes
    headers: Headers


@dataclass(frozen=True)
class ProducerOptions:
    compression: str
    linger_ms: int
    max_batch_bytes: int
    request_timeout_ms: int


class KafkaUnavailable(Exception):
    """Kafka did not take or acknowledge a record; the caller keeps the MQTT message."""


class KafkaSink:
    def __init__(self, settings: KafkaSettings, options: ProducerOptions) -> None:
        self._settings = settings
        self._options = options
        self._producer: AIOKafkaProducer | None = None
        self.healthy = False
        self.last_error = "not connected yet"

    def _make_producer(self) -> AIOKafkaProducer:
        o = self._options
        return AIOKafkaProducer(
            **self._settings.client_options(),
            client_id="kota-ingest",
            acks="all",
            enable_idempotence=True,
            compression_type=None if o.compression == "none" else o.compression,
            linger_ms=o.linger_ms,
            max_batch_size=o.max_batch_bytes,
            request_timeout_ms=o.request_timeout_ms,
        )

    async def start(self, stop: asyncio.Event) -> bool:
        """Connect with capped backoff until it works or ``stop`` is set."""

        async def connect() -> AIOKafkaProducer:
            producer = self._make_producer()
            try:
                await producer.start()
            except BaseException:
                await producer.stop()
                raise
            return producer

        producer = await retry_until_stopped(
            stop,
            connect,
            (KafkaError, OSError),
            lambda exc: f"cannot reach Kafka at {self._settings.bootstrap}: {exc}",
            log,
            self._set_error,
        )
        if producer is None:
            return False
        self._producer = producer
        self.healthy, self.last_error = True, ""
        log.info("connected to Kafka", extra={"event": "kafka_connected"})
        return True

    def _set_error(self, problem: str) -> None:
        self.last_error = problem

    async def submit(self, record: OutRecord) -> asyncio.Future[Any]:
        """Hand a record to the producer; blocks while its buffer is full (backpressure)."""
        assert self._producer is not None, "start() first"
        try:
            return await self._producer.send(
                record.topic, record.value, key=record.key, headers=record.headers
            )
        except KafkaError as exc:
            self.note_failure(exc)
            raise KafkaUnavailable(str(exc)) from exc

    def note_failure(self, exc: BaseException) -> None:
        if self.healthy:
            log.warning(f"Kafka is not acknowledging records: {exc}", extra={"event": "kafka_down"})
        self.healthy, self.last_error = False, f"Kafka is not acknowledging records: {exc}"

    def note_success(self) -> None:
        if not self.healthy:
            log.info("Kafka acknowledges records again", extra={"event": "kafka_up"})
        self.healthy, self.last_error = True, ""

    async def probe(self, stop: asyncio.Event) -> None:
        """Refresh metadata every few seconds; a failure marks Kafka unhealthy at once."""
        while not stop.is_set():
            if await sleep_or_stop(stop, _PROBE_INTERVAL_S):
                return
            if self._producer is None:
                continue
            try:
                ok = await asyncio.wait_for(
                    self._producer.client.force_metadata_update(), _PROBE_TIMEOUT_S
                )
            except (TimeoutError, KafkaError, OSError) as exc:
                ok, reason = False, exc
            else:
                reason = "metadata request failed"
            if ok and not self.healthy and "metadata" in self.last_error:
                self.note_success()
            elif not ok:
                self.note_failure(Exception(f"metadata probe: {reason}"))

    async def flush(self, timeout_s: float) -> bool:
        if self._producer is None:
            return True
        try:
            await asyncio.wait_for(self._producer.flush(), timeout_s)
            return True
        except TimeoutError:
            return False

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
