"""Direct Kafka access for tests: produce wire readings, read topics, inspect a group."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from kotacerdas.contract import Reading
from kotacerdas.topics import DEAD_LETTER, full_name
from kotacerdas.wire import encode_reading, reading_headers


def reading_topics(prefix: str) -> list[str]:
    return [full_name(prefix, d) for d in ("air", "traffic", "waste")]


def all_topics(prefix: str) -> list[str]:
    return [*reading_topics(prefix), full_name(prefix, DEAD_LETTER)]


async def _produce(bootstrap: str, prefix: str, readings: Iterable[Reading]) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        futures = []
        for r in readings:
            futures.append(
                await producer.send(
                    full_name(prefix, r.domain),
                    encode_reading(r),
                    key=r.sensor_id.encode(),
                    headers=reading_headers(r.source_format, r.ts),
                )
            )
        await asyncio.gather(*futures)
        return len(futures)
    finally:
        await producer.stop()


def produce(bootstrap: str, prefix: str, readings: Iterable[Reading]) -> int:
    return asyncio.run(_produce(bootstrap, prefix, readings))


@asynccontextmanager
async def _consumer(
    bootstrap: str, *topics: str, **options: Any
) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = AIOKafkaConsumer(*topics, bootstrap_servers=bootstrap, **options)
    await consumer.start()
    try:
        # Wait until the subscribed topics' partitions are assigned (metadata loaded,
        # group joined when there is a group).
        for _ in range(100):
            if consumer.assignment():
                break
            await consumer.getmany(timeout_ms=100, max_records=1)
        yield consumer
    finally:
        # aiokafka cancels a helper task on stop; give it a chance to start first, or
        # the cancellation escapes as CancelledError.
        await asyncio.sleep(0.05)
        await consumer.stop()


async def _end_offsets(bootstrap: str, topics: list[str]) -> dict[TopicPartition, int]:
    async with _consumer(bootstrap, *topics, enable_auto_commit=False) as consumer:
        parts = list(consumer.assignment())
        return dict(await consumer.end_offsets(parts)) if parts else {}


async def _group_offsets(bootstrap: str, group: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        found = await admin.list_consumer_group_offsets(group)
        return {tp: meta.offset for tp, meta in found.items()}
    finally:
        await admin.close()


def group_lag(bootstrap: str, group: str, topics: list[str]) -> int:
    async def lag() -> int:
        ends = await _end_offsets(bootstrap, topics)
        committed = await _group_offsets(bootstrap, group)
        return sum(end - max(0, committed.get(tp, 0)) for tp, end in ends.items())

    return asyncio.run(lag())


def wait_caught_up(bootstrap: str, group: str, topics: list[str], timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    lag = -1
    while time.monotonic() < deadline:
        lag = group_lag(bootstrap, group, topics)
        if lag == 0:
            return
        time.sleep(0.5)
    raise TimeoutError(f"group {group} still {lag} records behind after {timeout_s} s")


def reset_group_to_beginning(bootstrap: str, group: str, topics: list[str]) -> None:
    """Rewind a group with no active members (the replay test)."""
    from aiokafka.structs import OffsetAndMetadata

    async def reset() -> None:
        async with _consumer(
            bootstrap, *topics, group_id=group, enable_auto_commit=False
        ) as consumer:
            parts = list(consumer.assignment())
            starts = await consumer.beginning_offsets(parts)
            await consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in starts.items()})

    asyncio.run(reset())


def consume_all(bootstrap: str, topics: list[str], idle_s: float = 3.0) -> list[Any]:
    """Every record currently in ``topics`` (reads until ``idle_s`` without news)."""

    async def read() -> list[Any]:
        records: list[Any] = []
        async with _consumer(
            bootstrap, *topics, auto_offset_reset="earliest", enable_auto_commit=False
        ) as consumer:
            quiet_since = time.monotonic()
            while time.monotonic() - quiet_since < idle_s:
                batch = await consumer.getmany(timeout_ms=500, max_records=10_000)
                for part in batch.values():
                    records.extend(part)
                if batch:
                    quiet_since = time.monotonic()
        return records

    return asyncio.run(read())
