"""The MQTT→Kafka bridge: decode, forward, dead-letter, and ack MQTT only after Kafka.

For every MQTT message:
  1. take an ack slot (in arrival order);
  2. decode it into readings and rejections (``ingest.formats.decode``);
  3. hand each reading to Kafka (topic by domain, key = sensor_id) and each rejection
     to ``kota.deadletter.v1`` with the raw payload;
  4. when Kafka has acknowledged every record of the message, and every earlier
     message is acknowledged too, send the MQTT PUBACK.
A record Kafka fails to acknowledge is re-sent with backoff; its message stays
unacknowledged meanwhile, so the broker's Receive Maximum holds the senders back
(backpressure, not loss). A crash anywhere means redelivery: at-least-once into Kafka,
made effectively-once by the aggregator's natural key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from ingest.ack_window import AckWindow, Slot
from ingest.dedup import RecentIds
from ingest.formats import DecodeLimits, decode
from ingest.kafka_sink import (
    FATAL_PRODUCER_ERRORS,
    KafkaSink,
    KafkaUnavailable,
    OutRecord,
    ProducerOptions,
)
from ingest.metrics import IngestMetrics
from ingest.mqtt_source import InboundMessage, MqttSource, SessionOptions
from ingest.settings import IngestSettings
from kotacerdas.backoff import Backoff
from kotacerdas.contract import DOMAINS
from kotacerdas.ops_http import OpsServer
from kotacerdas.reasons import ReasonCode
from kotacerdas.registry import Registry
from kotacerdas.runtime import watch
from kotacerdas.topics import DEAD_LETTER, full_name
from kotacerdas.wire import DeadLetter, encode_reading, reading_headers

log = logging.getLogger("kota.ingest")

# Messages decoded between two hand-overs to Kafka: large enough to fill batches, small
# enough that /readyz and /metrics answer within milliseconds under full load.
_SLICE = 512


@dataclass(frozen=True, slots=True)
class Entry:
    """One record in a Kafka batch: which message waits for it, and how to count it."""

    slot: Slot
    record: OutRecord
    label: str  # domain of a reading, or the reason of a dead letter


class IngestService:
    def __init__(self, settings: IngestSettings, registry: Registry) -> None:
        self.settings = settings
        self.registry = registry
        self.metrics = IngestMetrics()
        self._limits = DecodeLimits(
            max_payload_bytes=settings.max_payload_bytes,
            future_skew=timedelta(seconds=settings.future_skew_s),
            max_age=timedelta(seconds=settings.max_age_s),
        )
        self._window = AckWindow()
        self._recent = RecentIds(settings.dedup_capacity)
        self._inbox: list[InboundMessage] = []
        self._wake = asyncio.Event()
        self._retries: set[asyncio.Task[None]] = set()
        # Counted in plain ints on the hot path, published to Prometheus every second.
        self._received = 0
        self._ignored = 0
        self._acked: Counter[str] = Counter()
        self._prefix = settings.kafka.topic_prefix
        self._dead_letter_topic = full_name(self._prefix, DEAD_LETTER)
        self._sink = KafkaSink(
            settings.kafka,
            ProducerOptions(
                settings.compression,
                settings.linger_ms,
                settings.max_batch_bytes,
                settings.kafka_request_timeout_ms,
            ),
        )
        self._source: MqttSource | None = None
        self.ops: OpsServer | None = None

    # --- readiness -------------------------------------------------------------------
    def readiness(self) -> tuple[bool, str]:
        source_ok = self._source is not None and self._source.connected
        if not source_ok:
            why = self._source.last_error if self._source else "starting"
            return False, f"mqtt: {why}"
        if not self._sink.healthy:
            return False, f"kafka: {self._sink.last_error}"
        return True, "ready"

    # --- lifecycle -------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        s = self.settings
        self.ops = OpsServer(s.ops_host, s.ops_port, self.metrics.registry, self.readiness)
        await self.ops.start()
        log.info("ingest starting", extra={"event": "start", "count": len(self.registry.sensors)})
        topics = [*(f"{self._prefix}.{d}.v1" for d in DOMAINS), self._dead_letter_topic]
        if not await self._sink.start(stop, topics):
            await self.ops.stop()
            return
        self._source = MqttSource(
            s.mqtt,
            SessionOptions(
                s.client_id,
                s.shared_group,
                s.topic_filter,
                s.session_expiry_s,
                s.receive_maximum,
            ),
            self._receive,
            self._session_lost,
            self._broker_stat,
        )
        tasks = [
            watch(self._source.run(stop), "mqtt", stop),
            watch(self._sink.probe(stop), "kafka-probe", stop),
            watch(self._process(), "process", stop),
            watch(self._report_gauges(stop), "gauges", stop),
        ]
        await stop.wait()
        await self._shutdown(tasks)

    async def _shutdown(self, tasks: list[asyncio.Task[Any]]) -> None:
        """Stop taking messages, let Kafka confirm what it has, ack that, leave cleanly."""
        assert self._source is not None
        grace = self.settings.grace_s
        started = time.monotonic()
        self._source.pause()
        tasks[2].cancel()  # the processor: nothing new is handed to Kafka
        flushed = await self._sink.flush(grace)
        self._release()
        for task in self._retries:
            task.cancel()
        unacked = len(self._window)
        await self._source.disconnect()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._sink.stop()
        self._publish_counts()
        if self.ops is not None:
            await self.ops.stop()
        log.info(
            f"ingest stopped in {time.monotonic() - started:.1f} s; "
            f"{unacked} messages left unacknowledged for redelivery"
            + ("" if flushed else " (Kafka flush timed out)"),
            extra={"event": "stop", "count": unacked},
        )

    # --- MQTT side (callbacks on the loop thread) -----------------------------------
    def _receive(self, message: InboundMessage) -> None:
        self._inbox.append(message)
        self._wake.set()
        assert self._source is not None
        if not self._source.held and self._outstanding() >= self.settings.receive_maximum:
            self._source.hold()
            self.metrics.window_full.inc()

    def _outstanding(self) -> int:
        """Messages received and not yet acknowledged (the in-flight window in use)."""
        return len(self._window) + len(self._inbox)

    def _session_lost(self) -> None:
        dropped = self._window.clear()
        self._release()  # nothing to ack, but a hold on a full window ends
        if dropped:
            log.warning(
                f"broker started a new session; {dropped} in-flight messages will not be acked",
                extra={"event": "session_lost", "count": dropped},
            )

    def _broker_stat(self, topic: str, value: bytes) -> None:
        with contextlib.suppress(ValueError):  # $SYS values are decimal text
            self.metrics.broker_dropped.set(float(value))

    # --- processing ------------------------------------------------------------------
    async def _process(self) -> None:
        """Decode everything waiting, then hand the batches it filled to Kafka.

        With ``linger_ms`` the batches wait that long for more records before they go
        (fewer, fuller requests at low rates, at the price of latency and of the
        in-flight window: throughput <= Receive Maximum / (linger + Kafka ack time)).
        """
        linger = self.settings.linger_ms / 1000
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._inbox:
                inbox, self._inbox = self._inbox, []
                for start in range(0, len(inbox), _SLICE):
                    for message in inbox[start : start + _SLICE]:
                        self._handle(message)
                    if linger:
                        await asyncio.sleep(linger)
                    await self._send_batches()  # yields: probes and acks stay responsive

    def _handle(self, message: InboundMessage) -> None:
        self._received += 1
        if message.dup and self._window.holds(message.mid):
            return  # a redelivery of a message we are still forwarding
        slot = self._window.open(message.mid)
        result = decode(
            message.topic,
            message.payload,
            message.received_at,
            registry=self.registry,
            limits=self._limits,
        )
        self._ignored += len(result.ignored)
        for reading in result.readings:
            # A correction may keep the device's msg_id: its revision makes it new.
            seen = (
                reading.msg_id if not reading.revision else f"{reading.msg_id}#{reading.revision}"
            )
            if not message.dup and self._recent.seen_before(seen):
                self._add(
                    slot,
                    self._dead_letter(
                        message,
                        ReasonCode.DUPLICATE,
                        f"message id {reading.msg_id} was already received",
                        msg_id=reading.msg_id,
                    ),
                    ReasonCode.DUPLICATE.value,
                )
                continue
            record = OutRecord(
                f"{self._prefix}.{reading.domain}.v1",
                reading.sensor_id.encode(),
                encode_reading(reading),
                reading_headers(reading.source_format, message.received_at),
            )
            self._add(slot, record, reading.domain)
        for rejection in result.rejections:
            letter = self._dead_letter(
                message, rejection.reason, rejection.message, rejection.field, rejection.cause
            )
            self._add(slot, letter, rejection.reason.value)
        slot.sealed = True
        if slot.done:  # e.g. a redelivered message we no longer hold: nothing to send
            self._release()

    def _dead_letter(
        self,
        message: InboundMessage,
        reason: ReasonCode,
        text: str,
        field: str | None = None,
        cause: ReasonCode | None = None,
        msg_id: str | None = None,
    ) -> OutRecord:
        letter = DeadLetter(
            reason=reason,
            message=text,
            payload=message.payload,
            mqtt_topic=message.topic,
            received_at=message.received_at,
            source="ingest",
            field=field,
            cause=cause,
            msg_id=msg_id,
        )
        sensor = message.topic.rsplit("/", 1)[-1]
        return OutRecord(
            self._dead_letter_topic, sensor.encode(), message.payload, letter.headers()
        )

    def _add(self, slot: Slot, record: OutRecord, label: str) -> None:
        slot.pending += 1
        self._sink.add(record, Entry(slot, record, label))

    async def _send_batches(self) -> None:
        for batch in self._sink.take_batches():
            started = time.perf_counter()
            backoff = Backoff(initial_s=0.5, cap_s=10)
            while True:
                try:
                    future = await self._sink.send(batch)
                    break
                except KafkaUnavailable:
                    self.metrics.kafka_retries.inc()
                    await asyncio.sleep(backoff.next_delay())
            future.add_done_callback(
                partial(self._delivered, batch.entries, started, self._sink.generation)
            )

    def _delivered(
        self, entries: list[Entry], started: float, generation: int, future: asyncio.Future[Any]
    ) -> None:
        error = None if future.cancelled() else future.exception()
        if future.cancelled() or error is not None:
            self._sink.note_failure(error or asyncio.CancelledError())
            self.metrics.kafka_retries.inc(len(entries))
            renew = generation if isinstance(error, FATAL_PRODUCER_ERRORS) else None
            task = asyncio.create_task(self._resend(entries, renew))
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)
            return
        self._sink.note_success()
        self.metrics.kafka_send_seconds.observe(time.perf_counter() - started)
        for entry in entries:
            self._acked[entry.label] += 1
            entry.slot.pending -= 1
        self._release()

    async def _resend(self, entries: list[Entry], renew_generation: int | None) -> None:
        """Kafka failed a batch: the same records again, in a new batch, after a pause
        (and with a new producer if the old one lost its idempotence state)."""
        await asyncio.sleep(0.5)
        if renew_generation is not None:
            await self._sink.renew(renew_generation)
        for entry in entries:
            self._sink.add(entry.record, entry)
        await self._send_batches()

    def _release(self) -> None:
        if self._source is None:
            return
        for mid in self._window.pop_ready():
            self._source.ack(mid)
        # resume with a margin, so a full window does not toggle on every ack
        if self._source.held and self._outstanding() < self.settings.receive_maximum * 3 // 4:
            self._source.release_hold()

    def _publish_counts(self) -> None:
        m = self.metrics
        m.received.inc(self._received)
        m.ignored.inc(self._ignored)
        for label, count in self._acked.items():
            if label in DOMAINS:
                m.forwarded.labels(label).inc(count)
            else:
                m.dead_letters.labels(label).inc(count)
        self._received, self._ignored = 0, 0
        self._acked.clear()

    async def _report_gauges(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            for _ in range(4):  # counters 4× a second, gauges once
                self._publish_counts()
                await asyncio.sleep(0.25)
            self.metrics.in_flight.set(len(self._window))
            self.metrics.ready.set(1 if self.readiness()[0] else 0)
            if self._source is not None:
                self.metrics.mqtt_reconnects.set(self._source.reconnects)
