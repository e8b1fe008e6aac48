"""The Kafka side of the aggregator: consumer group ``kota-aggregator``, manual commits.

Offsets are committed by the caller only after the batch's database transaction has
committed. A rebalance waits for the batch in hand (``batch_lock``) so a revoked
partition's work is either committed by us or replayed by its next owner.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.structs import OffsetAndMetadata

from kotacerdas.kafka_client import start_when_reachable
from kotacerdas.settings import KafkaSettings

log = logging.getLogger("kota.aggregator.kafka")


@dataclass(frozen=True)
class ConsumerOptions:
    group_id: str
    topics: tuple[str, ...]
    batch_max_records: int
    batch_max_wait_ms: int
    max_poll_interval_ms: int
    session_timeout_ms: int
    # The broker answers a fetch once it has this much or after this wait: without a
    # floor, a steady trickle is fetched a few records at a time, and every fetch
    # (all partitions named in full: aiokafka has no fetch sessions) costs both sides.
    # Defaults: AggregatorSettings (KOTA_AGG_FETCH_MIN_BYTES, KOTA_AGG_FETCH_MAX_WAIT_MS).
    fetch_min_bytes: int
    fetch_max_wait_ms: int
    # the reading topics among ``topics`` (their end offsets: aggregator/watermark.py)
    readings: tuple[str, ...] = ()
    fault_hold: HeldPartition | None = None


@dataclass
class HeldPartition:
    """A partition kept paused while ``hold_file`` exists (fault tests only)."""

    topic: str
    partition: int
    hold_file: Path
    held: bool = False

    @classmethod
    def parse(cls, spec: str, hold_file: Path | None) -> HeldPartition | None:
        if not spec or hold_file is None:
            return None
        topic, _, partition = spec.rpartition(":")
        return cls(topic, int(partition), hold_file)


class _WaitForBatch(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, source: KafkaSource) -> None:
        self._source = source

    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        # Let the batch in hand be written and committed before the partitions move.
        async with self._source.batch_lock:
            if revoked:
                log.info(f"partitions revoked: {len(revoked)}", extra={"event": "revoked"})

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        log.info(f"partitions assigned: {len(assigned)}", extra={"event": "assigned"})


class KafkaSource:
    def __init__(self, settings: KafkaSettings, options: ConsumerOptions) -> None:
        self._settings = settings
        self._options = options
        self._consumer: AIOKafkaConsumer | None = None
        self.batch_lock = asyncio.Lock()
        self._positions: dict[tuple[str, int], int] = {}
        self.healthy = False
        self.last_error = "not connected yet"

    async def start(self, stop: asyncio.Event) -> bool:
        """Join the group with capped backoff until it works or ``stop`` is set."""
        o = self._options

        def make() -> AIOKafkaConsumer:
            return AIOKafkaConsumer(
                **self._settings.client_options(),
                group_id=o.group_id,
                client_id="kota-aggregator",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=o.batch_max_records,
                max_poll_interval_ms=o.max_poll_interval_ms,
                session_timeout_ms=o.session_timeout_ms,
                heartbeat_interval_ms=max(1000, o.session_timeout_ms // 3),
                fetch_max_bytes=64 * 1024 * 1024,
                fetch_min_bytes=o.fetch_min_bytes,
                fetch_max_wait_ms=o.fetch_max_wait_ms,
                max_partition_fetch_bytes=8 * 1024 * 1024,
            )

        async def subscribe(consumer: AIOKafkaConsumer) -> None:
            consumer.subscribe(list(o.topics), listener=_WaitForBatch(self))

        consumer = await start_when_reachable(
            stop, make, self._settings, log, self._set_error, subscribe
        )
        if consumer is None:
            return False
        self._consumer = consumer
        self.healthy, self.last_error = True, ""
        return True

    def _set_error(self, problem: str) -> None:
        self.last_error = problem

    async def poll(self) -> list[Any]:
        """Records until the batch is full or ``batch_max_wait_ms`` after the first one."""
        assert self._consumer is not None
        o = self._options
        records: list[Any] = []
        deadline: float | None = None
        self._hold_for_fault_test()
        while len(records) < o.batch_max_records:
            if deadline is None:
                timeout_ms = o.batch_max_wait_ms
            else:
                timeout_ms = int((deadline - time.monotonic()) * 1000)
                if timeout_ms <= 0:
                    break
            try:
                fetched = await self._consumer.getmany(
                    timeout_ms=timeout_ms, max_records=o.batch_max_records - len(records)
                )
            except KafkaError as exc:
                self.healthy, self.last_error = False, f"fetch failed: {exc}"
                raise
            self.healthy, self.last_error = True, ""
            for tp, part in fetched.items():
                records.extend(part)
                if part:
                    self._positions[(tp.topic, tp.partition)] = part[-1].offset + 1
            if not records:
                break  # idle: give the caller a chance to run periodic work
            if deadline is None:
                deadline = time.monotonic() + o.batch_max_wait_ms / 1000
        return records

    async def commit(self, offsets: dict[tuple[str, int], int]) -> bool:
        """Commit offsets of a durable batch; False if the group moved on (we replay)."""
        assert self._consumer is not None
        assigned = self._consumer.assignment()
        mine = {
            TopicPartition(t, p): OffsetAndMetadata(o, "")
            for (t, p), o in offsets.items()
            if TopicPartition(t, p) in assigned
        }
        if not mine:
            return False
        try:
            await self._consumer.commit(mine)
            return True
        except (CommitFailedError, IllegalStateError, KafkaError) as exc:
            log.warning(
                f"offset commit refused, the next owner replays (idempotent): {exc}",
                extra={"event": "commit_failed"},
            )
            return False

    def pause(self) -> None:
        if self._consumer is not None:
            self._consumer.pause(*self._consumer.assignment())

    def resume(self) -> None:
        if self._consumer is not None:
            self._consumer.resume(*self._consumer.assignment())

    async def end_offsets(self) -> dict[tuple[str, int], int] | None:
        """Kafka's end offset of every partition of the reading topics (all of them, not
        only ours: the indicator job judges every city); None when Kafka cannot say."""
        consumer = self._consumer
        if consumer is None:
            return None
        partitions = [
            TopicPartition(topic, p)
            for topic in self._options.readings
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        try:
            ends = await consumer.end_offsets(partitions)
        except KafkaError as exc:
            log.debug(f"end offsets unavailable: {exc}")
            return None
        return {(tp.topic, tp.partition): int(end) for tp, end in ends.items()}

    def _hold_for_fault_test(self) -> None:
        """KOTA_AGG_FAULT_HOLD_PARTITION: keep one partition paused while the hold file
        exists (the lagging-partition test); unset in production."""
        hold = self._options.fault_hold
        if hold is None or self._consumer is None:
            return
        tp = TopicPartition(hold.topic, hold.partition)
        if tp not in self._consumer.assignment():
            return
        wanted = hold.hold_file.exists()
        if wanted:
            self._consumer.pause(tp)  # again after resume(): an outage resumes everything
        elif hold.held:
            self._consumer.resume(tp)
        if wanted != hold.held:
            hold.held = wanted
            state = "holding" if wanted else "released"
            log.warning(f"fault injection: {state} {hold.topic}:{hold.partition}")

    def lag(self) -> int:
        """Records between our position and the end of every assigned partition."""
        if self._consumer is None:
            return 0
        total = 0
        for tp in self._consumer.assignment():
            high = self._consumer.highwater(tp)
            position = self._positions.get((tp.topic, tp.partition))
            if high is not None and position is not None:
                total += max(0, high - position)
        return total

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
