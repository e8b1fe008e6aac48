"""Kafka access of the benchmarks: topics, pre-loading readings, time spans, group lag."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence

from kotacerdas.contract import Reading
from kotacerdas.wire import encode_reading, reading_headers


def ensure_topics(env: dict[str, str], prefix: str) -> None:
    from kotacerdas.settings import KafkaSettings
    from kotacerdas.topics import ensure_topics as ensure

    asyncio.run(
        ensure(
            KafkaSettings(
                bootstrap=env["KOTA_KAFKA_BOOTSTRAP"],
                topic_prefix=prefix,
                partitions=int(env["KOTA_KAFKA_PARTITIONS"]),
            )
        )
    )


def produce_readings(bootstrap: str, rows: Sequence[Reading], prefix: str = "kota") -> float:
    """Pre-load ``rows`` into ``<prefix>.<domain>.v1`` (key = sensor_id, as ingest does);
    returns the producing rate (records/s) — the bare producer floor."""
    from aiokafka import AIOKafkaProducer

    async def produce() -> float:
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            max_batch_size=1 << 20,
        )
        await producer.start()
        try:
            started = time.perf_counter()
            futures = [
                await producer.send(
                    f"{prefix}.{r.domain}.v1",
                    encode_reading(r),
                    key=r.sensor_id.encode(),
                    headers=reading_headers(r.source_format, r.ts),
                )
                for r in rows
            ]
            await asyncio.gather(*futures)
            return len(rows) / (time.perf_counter() - started)
        finally:
            await producer.stop()

    return asyncio.run(produce())


def consume_rate(
    bootstrap: str, topics: Sequence[str], expected: int, timeout_s: float = 120
) -> float:
    """A bare consumer reading ``expected`` records from the start (fresh, no group):
    records/s from the first to the last record — the consumer floor."""
    from aiokafka import AIOKafkaConsumer

    async def read() -> float:
        consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            max_partition_fetch_bytes=4 << 20,
        )
        await consumer.start()
        seen, first = 0, None
        deadline = time.monotonic() + timeout_s
        try:
            while seen < expected and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500, max_records=20_000)
                for records in batch.values():
                    if records and first is None:
                        first = time.perf_counter()
                    for record in records:
                        json.loads(record.value)  # a consumer that looks at what it reads
                    seen += len(records)
            elapsed = time.perf_counter() - (first or time.perf_counter())
        finally:
            await asyncio.sleep(0.05)
            await consumer.stop()
        return seen / elapsed if elapsed > 0 else 0.0

    return asyncio.run(read())


def kafka_latencies(bootstrap: str, topic: str, expected: int, timeout_s: float) -> list[float]:
    """Publish → readable-in-Kafka latency of records whose msg_id starts with time_ns."""
    from aiokafka import AIOKafkaConsumer

    async def read() -> list[float]:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="latest", fetch_max_wait_ms=5
        )
        await consumer.start()
        out: list[float] = []
        deadline = time.monotonic() + timeout_s
        try:
            while len(out) < expected and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=100)
                now = time.time_ns()
                for records in batch.values():
                    for r in records:
                        sent_ns = int(json.loads(r.value)["msg_id"].split("-", 1)[0])
                        out.append((now - sent_ns) / 1e9)
        finally:
            await asyncio.sleep(0.05)
            await consumer.stop()
        return out

    return asyncio.run(read())


def kafka_time_span(bootstrap: str, topic: str, expected: int, timeout_s: float = 60) -> dict:
    """Records in ``topic`` and the span of their timestamps (set when the bridge
    appended them to a batch): the bridge's forwarding rate, free of polling error."""
    from aiokafka import AIOKafkaConsumer

    async def read() -> dict:
        consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest"
        )
        await consumer.start()
        stamps: list[int] = []
        deadline = time.monotonic() + timeout_s
        try:
            while len(stamps) < expected and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500, max_records=50_000)
                for records in batch.values():
                    stamps.extend(r.timestamp for r in records)
        finally:
            await asyncio.sleep(0.05)
            await consumer.stop()
        span = (max(stamps) - min(stamps)) / 1000 if stamps else 0.0
        return {
            "records": len(stamps),
            "seconds": span,
            "rate": len(stamps) / span if span else 0.0,
        }

    return asyncio.run(read())


def group_lag(bootstrap: str, group: str, topics: Sequence[str]) -> int:
    """Records in ``topics`` not yet committed by ``group`` (all of them for a new group)."""
    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient

    async def lag() -> int:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
        await consumer.start()
        await admin.start()
        try:
            from aiokafka import TopicPartition

            await consumer.topics()  # fetches the metadata of every topic
            parts = [
                TopicPartition(t, p)
                for t in topics
                for p in sorted(consumer.partitions_for_topic(t) or ())
            ]
            ends = await consumer.end_offsets(parts)
            committed = {
                tp: meta.offset
                for tp, meta in (await admin.list_consumer_group_offsets(group)).items()
            }
            return sum(end - max(0, committed.get(tp, 0)) for tp, end in ends.items())
        finally:
            await admin.close()
            await asyncio.sleep(0.05)
            await consumer.stop()

    return asyncio.run(lag())


def record_times(
    bootstrap: str, topics: Sequence[str], expected: int, timeout_s: float = 90
) -> dict[str, float]:
    """msg_id → epoch seconds of every reading record in ``topics`` (its producer-set
    timestamp: when the bridge appended it to a batch), read from the start."""
    from aiokafka import AIOKafkaConsumer

    from kotacerdas.wire import decode_reading

    async def read() -> dict[str, float]:
        consumer = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        stamps: dict[str, float] = {}
        seen = 0
        deadline = time.monotonic() + timeout_s
        try:
            while seen < expected and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=500, max_records=50_000)
                for records in batch.values():
                    seen += len(records)
                    for r in records:
                        stamps.setdefault(decode_reading(r.value).msg_id, r.timestamp / 1000)
        finally:
            await asyncio.sleep(0.05)
            await consumer.stop()
        return stamps

    return asyncio.run(read())
