"""Out-of-order and late readings give rollups equal to a recomputation from raw.

Property-based: hypothesis draws small streams (a few sensors, minutes, values), a
shuffle and a cut into batches; the batches go through the real writer and rollup job
into PostgreSQL; every 1-minute/1-hour/1-day rollup row must equal what a plain
GROUP BY over the raw rows gives.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kota_testing.readings import make_reading
from prometheus_client import CollectorRegistry

from aggregator.batch import Batch
from aggregator.rollups import RollupJob, RollupMetrics
from aggregator.rows import raw_row
from aggregator.store import BatchHealth, Store
from kotacerdas.wire import decode_reading, encode_reading

BASE = (datetime.now(UTC) - timedelta(days=1)).replace(minute=0, second=0, microsecond=0)

stream = st.lists(
    st.tuples(
        st.integers(0, 2),  # sensor
        st.integers(0, 150 * 60 - 1),  # seconds after BASE: spans 3 hours and a day edge
        st.floats(0, 500, allow_nan=False),  # pm25
    ),
    min_size=1,
    max_size=60,
    unique_by=lambda t: (t[0], t[1]),
)


def _batches(tag: str, items, seed: int, cuts: int) -> list[Batch]:
    rng = random.Random(seed)
    readings = [
        make_reading(f"{tag}-air-{s:04d}", "air", BASE + timedelta(seconds=sec), i, pm25=v)
        for i, (s, sec, v) in enumerate(items)
    ]
    rng.shuffle(readings)  # out of order
    readings += readings[: len(readings) // 4]  # and some replayed duplicates
    size = max(1, len(readings) // cuts)
    batches = []
    for start in range(0, len(readings), size):
        batch = Batch()
        batch.rows["air"] = [
            raw_row(decode_reading(encode_reading(r)), "air")
            for r in readings[start : start + size]
        ]
        batch.records = len(batch.rows["air"])
        batches.append(batch)
    return batches


async def _write_and_roll(conninfo: str, batches: list[Batch]) -> None:
    store = Store(conninfo, timedelta(minutes=2))
    await store.open()
    try:
        assert await store.ping() is None
        job = RollupJob(store, RollupMetrics(CollectorRegistry()))
        for batch in batches:
            await store.write(batch, BatchHealth("test", 0))
            await job.run_once()  # late rows arrive after their windows were rolled up
        while sum((await job.run_once()).values()):
            pass
    finally:
        await store.close()


RECOMPUTE = {
    "1m": "minute",
    "1h": "hour",
    "1d": "day",
}


def _mismatches(conn: psycopg.Connection, grain: str, like: str) -> int:
    unit = RECOMPUTE[grain]
    truth = f"""
        SELECT sensor_id, date_trunc('{unit}', ts) AS ts, count(*)::int AS samples,
               avg(pm25) AS pm25_avg, min(pm25) AS pm25_min, max(pm25) AS pm25_max,
               count(pm25)::int AS pm25_n
          FROM air_reading WHERE sensor_id LIKE %(like)s GROUP BY 1, 2"""
    stored = f"""
        SELECT sensor_id, ts, samples, pm25_avg, pm25_min, pm25_max, pm25_n
          FROM air_rollup_{grain} WHERE sensor_id LIKE %(like)s"""
    # Means are compared rounded: Σ(mean·n)/Σn and avg() differ in the last bits.
    rounded = "SELECT sensor_id, ts, samples, round(pm25_avg::numeric, 6), pm25_min, pm25_max, pm25_n FROM ({}) q"
    a, b = rounded.format(truth), rounded.format(stored)
    query = f"SELECT count(*) FROM (({a} EXCEPT {b}) UNION ALL ({b} EXCEPT {a})) d"
    return conn.execute(query, {"like": like}).fetchone()[0]


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=stream, seed=st.integers(0, 2**32 - 1), cuts=st.integers(1, 6))
def test_rollups_equal_recomputation_from_raw(stack, items, seed, cuts):
    tag = f"h{uuid.uuid4().hex[:6]}"
    asyncio.run(_write_and_roll(stack.conninfo(), _batches(tag, items, seed, cuts)))
    with psycopg.connect(stack.conninfo()) as conn:
        raw = conn.execute(
            "SELECT count(*) FROM air_reading WHERE sensor_id LIKE %s", (f"{tag}-%",)
        ).fetchone()[0]
        assert raw == len(items)
        for grain in RECOMPUTE:
            assert _mismatches(conn, grain, f"{tag}-%") == 0, grain


def test_a_window_claimed_while_a_batch_writes_into_it_is_rolled_up_again(stack):
    """The rollup job runs while a batch's transaction is writing into a window that is
    already dirty: it must not recompute that window without the batch's rows and then
    forget it (the batch's rows would never reach the rollups)."""
    tag = f"r{uuid.uuid4().hex[:6]}"
    sensor = f"{tag}-air-0000"

    def batch(second: int, value: float) -> Batch:
        reading = make_reading(sensor, "air", BASE + timedelta(seconds=second), second, pm25=value)
        out = Batch()
        out.rows["air"] = [raw_row(decode_reading(encode_reading(reading)), "air")]
        out.records = 1
        return out

    async def race() -> None:
        store = Store(stack.conninfo(), timedelta(minutes=2))
        await store.open()
        try:
            job = RollupJob(store, RollupMetrics(CollectorRegistry()))
            await store.write(batch(10, 10.0), BatchHealth("test", 0))  # window now dirty
            async with store.connection() as conn, conn.transaction():  # a batch in flight
                await store._insert(conn, "air", batch(20, 30.0).rows["air"])
                await job.run_once()  # on its own connection, before that batch commits
            while sum((await job.run_once()).values()):
                pass
        finally:
            await store.close()

    asyncio.run(race())
    with psycopg.connect(stack.conninfo()) as conn:
        row = conn.execute(
            "SELECT samples, pm25_avg FROM air_rollup_1m WHERE sensor_id = %s", (sensor,)
        ).fetchone()
        assert row == (2, 20.0)
        for grain in RECOMPUTE:
            assert _mismatches(conn, grain, f"{tag}-%") == 0, grain
