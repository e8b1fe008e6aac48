"""TimescaleDB: a late reading into a compressed chunk is stored, counted, marks its
indicator window for revision, and leaves rollups equal to a recomputation from raw.

Chunks older than 7 days are compressed by policy (migration 006); a gateway that
delivers its buffer after a week writes into them. Here the chunk is compressed
explicitly, so the test does not wait for the policy's schedule.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from kota_testing.db import air_chunks_compressed
from kota_testing.readings import make_reading
from prometheus_client import CollectorRegistry
from test_rollups_late_data import RECOMPUTE, _mismatches

from aggregator.batch import Batch
from aggregator.rollups import RollupJob, RollupMetrics
from aggregator.rows import raw_row
from aggregator.store import BatchHealth, Store
from kotacerdas.wire import decode_reading, encode_reading

CITY, DISTRICT = "ujirevisi", "pusat"  # a test-only city (tests/data/cities)
DAY = (datetime.now(UTC) - timedelta(days=10)).replace(hour=6, minute=0, second=0, microsecond=0)


def _batch(sensor: str, minutes_seconds: list[tuple[int, int]], value: float) -> Batch:
    batch = Batch()
    batch.rows["air"] = [
        raw_row(
            decode_reading(
                encode_reading(
                    make_reading(
                        sensor,
                        "air",
                        DAY + timedelta(minutes=m, seconds=s),
                        m * 60 + s,
                        city=CITY,
                        pm25=value + m,
                    )
                )
            ),
            "air",
        )
        for m, s in minutes_seconds
    ]
    batch.records = len(batch.rows["air"])
    return batch


async def _write(conninfo: str, batches: list[Batch]) -> list[int]:
    store = Store(conninfo, timedelta(minutes=2))
    await store.open()
    inserted = []
    try:
        job = RollupJob(store, RollupMetrics(CollectorRegistry()))
        for batch in batches:
            result = await store.write(batch, BatchHealth("test", 0))
            inserted.append(result.inserted["air"])
        while sum((await job.run_once()).values()):
            pass
    finally:
        await store.close()
    return inserted


def test_a_late_reading_into_a_compressed_chunk(stack, db_backend):
    if db_backend != "timescaledb":
        pytest.skip("chunk compression is TimescaleDB's; plain PostgreSQL has no such state")
    sensor = f"c{uuid.uuid4().hex[:6]}-air-0001"
    with psycopg.connect(stack.conninfo("owner"), autocommit=True) as owner:
        owner.execute(
            "INSERT INTO sensor (sensor_id, city, district, domain, lat, lon, interval_s) "
            "VALUES (%s, %s, %s, 'air', -6.2, 106.8, 60)",
            (sensor, CITY, DISTRICT),
        )
    try:
        [first] = asyncio.run(_write(stack.conninfo(), [_batch(sensor, [(0, 10), (1, 10)], 10)]))
        with psycopg.connect(stack.conninfo("owner"), autocommit=True) as owner:
            owner.execute(
                "SELECT compress_chunk(format('%%I.%%I', chunk_schema, chunk_name)::regclass) "
                "FROM timescaledb_information.chunks WHERE hypertable_name = 'air_reading' "
                "AND range_start <= %s AND range_end > %s",
                (DAY, DAY),
            )
            assert air_chunks_compressed(owner, DAY) == [True]
            owner.execute("DELETE FROM indicator_dirty WHERE city = %s", (CITY,))
        # late: a new reading in a rolled-up minute, one in a new minute, one replayed
        late = _batch(sensor, [(0, 40), (7, 5), (1, 10)], 20)
        [second] = asyncio.run(_write(stack.conninfo(), [late]))
        assert (first, second) == (2, 2)  # the replayed one counted as a duplicate
        with psycopg.connect(stack.conninfo("owner")) as conn:
            stored = conn.execute(
                "SELECT count(*) FROM air_reading WHERE sensor_id = %s", (sensor,)
            ).fetchone()[0]
            assert stored == 4
            for grain in RECOMPUTE:
                assert _mismatches(conn, grain, sensor) == 0, grain
            windows = conn.execute(
                "SELECT window_start FROM indicator_dirty WHERE city = %s ORDER BY 1", (CITY,)
            ).fetchall()
            # minutes 0 and 7 fall in the 5-minute windows 06:00 and 06:05
            assert [w[0] for w in windows] == [DAY, DAY + timedelta(minutes=5)]
    finally:
        with psycopg.connect(stack.conninfo("owner"), autocommit=True) as owner:
            owner.execute("DELETE FROM indicator_dirty WHERE city = %s", (CITY,))
            for table in ("air_reading", *(f"air_rollup_{g}" for g in RECOMPUTE)):
                owner.execute(f"DELETE FROM {table} WHERE sensor_id = %s", (sensor,))
            owner.execute("DELETE FROM sensor_state WHERE sensor_id = %s", (sensor,))
            owner.execute("DELETE FROM sensor WHERE sensor_id = %s", (sensor,))
