"""The Kafka side of the bridge: one idempotent aiokafka producer, ``acks=all``.

Records are appended to one open record batch per topic-partition (aiokafka's
``BatchBuilder``) as messages are decoded, and the batches are handed to the producer
when the bridge has drained its inbox or a batch is full. That is aiokafka's own
batching without its per-record future and bookkeeping, which cost more than the rest
of the bridge together. Partitioning is Kafka's: murmur2 of the key (the sensor id),
the same partition the Java client would choose, cached per key.

A batch future resolves when Kafka acknowledged every record in it; on failure the
caller re-adds the records (its MQTT messages stay unacknowledged meanwhile).
Readiness comes from a metadata probe, so an idle bridge also notices a dead Kafka.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    InvalidProducerEpoch,
    KafkaError,
    OutOfOrderSequenceNumber,
    UnknownProducerId,
)
from aiokafka.partitioner import murmur2

from kotacerdas.backoff import sleep_or_stop
from kotacerdas.kafka_client import start_when_reachable
from kotacerdas.settings import KafkaSettings
from kotacerdas.wire import Headers

log = logging.getLogger("kota.ingest.kafka")

_PROBE_INTERVAL_S = 2.0
_PROBE_TIMEOUT_S = 2.0
_SEND_GRACE_S = 5.0  # beyond the request timeout, before a hand-over counts as failed
# Keys seen are few (sensor ids); forget them all if garbage topics make the cache grow.
_PARTITION_CACHE_LIMIT = 200_000


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


@dataclass
class OpenBatch:
    """Records on their way to one topic-partition, with who is waiting for them."""

    topic: str
    partition: int
    builder: Any  # aiokafka BatchBuilder
    entries: list[Any] = field(default_factory=list)  # caller's per-record tokens


# The idempotent producer's state no longer matches the broker's (seen after a broker
# restart): retrying with the same producer id fails forever. A new producer (a new id)
# resends the records; the aggregator's natural key absorbs any duplicate.
FATAL_PRODUCER_ERRORS = (OutOfOrderSequenceNumber, InvalidProducerEpoch, UnknownProducerId)


class KafkaUnavailable(Exception):
    """Kafka did not take or acknowledge a batch; the caller keeps the MQTT messages."""


class KafkaSink:
    def __init__(self, settings: KafkaSettings, options: ProducerOptions) -> None:
        self._settings = settings
        self._options = options
        self._producer: AIOKafkaProducer | None = None
        self._open: dict[tuple[str, int], OpenBatch] = {}
        self._full: list[OpenBatch] = []
        self._partitions: dict[str, list[int]] = {}
        self._by_key: dict[tuple[str, bytes], int] = {}
        self.healthy = False
        self.last_error = "not connected yet"
        self.generation = 0  # producers created so far; a renewal makes the next one
        self._renewing = asyncio.Lock()
        self._in_flight: set[asyncio.Future[Any]] = set()  # batch futures of this producer
        self._stop: asyncio.Event | None = None
        self._topics: Sequence[str] = ()

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
            # During an outage, metadata retries every 100 ms (the default) flood the
            # log and the loop; half a second is plenty for a broker that is away.
            retry_backoff_ms=500,
        )

    async def start(self, stop: asyncio.Event, topics: Sequence[str]) -> bool:
        """Connect (capped backoff) and learn the partitions of ``topics``."""
        self._stop, self._topics = stop, topics

        async def learn_partitions(producer: AIOKafkaProducer) -> None:
            for topic in topics:
                self._partitions[topic] = sorted(await producer.partitions_for(topic))

        producer = await start_when_reachable(
            stop, self._make_producer, self._settings, log, self._set_error, learn_partitions
        )
        if producer is None:
            return False
        self._producer = producer
        self.generation += 1
        self.healthy, self.last_error = True, ""
        log.info("connected to Kafka", extra={"event": "kafka_connected"})
        return True

    async def renew(self, failed_generation: int) -> None:
        """Replace a producer whose idempotence state is broken (once per generation)."""
        async with self._renewing:
            if failed_generation != self.generation or self._stop is None:
                return  # another failed batch already renewed it
            # The old producer stays in place until the new one is up: records are still
            # added to batches meanwhile (its builders suit the new producer), and
            # send() waits for the renewal.
            old = self._producer
            log.warning(
                "renewing the Kafka producer (lost idempotence state)",
                extra={"event": "producer_renewed"},
            )
            if old is not None:
                with contextlib.suppress(KafkaError, OSError, TimeoutError):
                    await asyncio.wait_for(old.stop(), 10)
            # A stopped producer may leave batches it never resolves (aiokafka does not
            # fail them when its sender is cancelled): fail them here so their records
            # are resent and their MQTT messages do not block the in-order acks.
            abandoned, self._in_flight = self._in_flight, set()
            for future in abandoned:
                future.cancel()
            await self.start(self._stop, self._topics)

    def _set_error(self, problem: str) -> None:
        self.last_error = problem

    # --- batching --------------------------------------------------------------------
    def partition(self, topic: str, key: bytes) -> int:
        found = self._by_key.get((topic, key))
        if found is None:
            partitions = self._partitions[topic]
            found = partitions[(murmur2(key) & 0x7FFFFFFF) % len(partitions)]
            if len(self._by_key) >= _PARTITION_CACHE_LIMIT:
                self._by_key.clear()
            self._by_key[(topic, key)] = found
        return found

    def add(self, record: OutRecord, entry: Any) -> None:
        """Append ``record`` to its partition's open batch (no I/O, never blocks)."""
        assert self._producer is not None, "start() first"
        tp = (record.topic, self.partition(record.topic, record.key))
        batch = self._open.get(tp)
        for _ in range(2):
            if batch is None:
                batch = OpenBatch(tp[0], tp[1], self._producer.create_batch())
                self._open[tp] = batch
            if (
                batch.builder.append(
                    timestamp=None, key=record.key, value=record.value, headers=record.headers
                )
                is not None
            ):
                batch.entries.append(entry)
                return
            if not batch.entries:  # one record larger than a whole batch
                raise KafkaUnavailable(
                    f"record of {len(record.value)} bytes exceeds the batch size"
                )
            self._full.append(self._open.pop(tp))  # full: send it, open a new one
            batch = None

    def take_batches(self) -> list[OpenBatch]:
        """Every batch with records, full ones first; the sink starts empty again."""
        batches = self._full + [b for b in self._open.values() if b.entries]
        self._full, self._open = [], {}
        return batches

    async def send(self, batch: OpenBatch) -> asyncio.Future[Any]:
        """Hand a batch to the producer; blocks while its queue is full (backpressure)."""
        if self._renewing.locked():
            async with self._renewing:
                pass
        if self._producer is None:
            raise KafkaUnavailable("no producer (stopping)")
        try:
            # Bounded: waiting for metadata on a producer that a renewal closes meanwhile
            # would otherwise never return (and stall the bridge).
            future: asyncio.Future[Any] = await asyncio.wait_for(
                self._producer.send_batch(batch.builder, batch.topic, partition=batch.partition),
                self._options.request_timeout_ms / 1000 + _SEND_GRACE_S,
            )
        except (KafkaError, TimeoutError) as exc:
            self.note_failure(exc)
            raise KafkaUnavailable(str(exc) or type(exc).__name__) from exc
        self._in_flight.add(future)
        future.add_done_callback(self._in_flight.discard)
        return future

    # --- health ----------------------------------------------------------------------
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
        while not await sleep_or_stop(stop, _PROBE_INTERVAL_S):
            if self._producer is None:
                continue
            try:
                ok = await asyncio.wait_for(
                    self._producer.client.force_metadata_update(), _PROBE_TIMEOUT_S
                )
            except (TimeoutError, KafkaError, OSError) as exc:
                ok, reason = False, str(exc) or type(exc).__name__
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
