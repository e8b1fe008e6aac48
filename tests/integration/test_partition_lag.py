"""A lagging Kafka partition holds its cities' event time back instead of making their
sensors look silent (aggregator/watermark.py), on real Kafka and PostgreSQL.

One test city, four air stations reporting every minute: three on partition 0, one on
partition 1 of the air topic. After 12 minutes of event time the aggregator is made to
stop reading partition 1 (``KOTA_AGG_FAULT_HOLD_PARTITION``) while 15 more minutes of all
three live stations go to Kafka; a fourth station on partition 0 really falls silent at
minute 12. While the partition is held the city's windows wait and nobody is alerted;
once it is read again the windows catch up, the held station was never called silent,
and the truly silent one is, within three intervals plus the lateness.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from aiokafka import AIOKafkaProducer
from kota_testing.kafka import reading_topics, wait_caught_up
from kota_testing.readings import make_reading
from kota_testing.services import ServiceProcess

from kotacerdas.settings import KafkaSettings
from kotacerdas.topics import ensure_topics, full_name
from kotacerdas.wire import encode_reading, reading_headers

TAG = uuid.uuid4().hex[:6]
CITY, PREFIX = f"lag{TAG}", f"lag{TAG}"
GROUP = f"{PREFIX}-aggregator"
AIR_TOPIC = full_name(PREFIX, "air")
HELD_PARTITION = 1
STATIONS = {  # sensor -> partition
    f"{CITY}-air-0001": 0,
    f"{CITY}-air-0002": 0,
    f"{CITY}-air-0003": HELD_PARTITION,  # lags, but keeps reporting
    f"{CITY}-air-0004": 0,  # really falls silent
}
LAGGING, SILENT = f"{CITY}-air-0003", f"{CITY}-air-0004"
HOLD_AT, STREAM_END = 12, 27  # minutes of event time
LATENESS = timedelta(seconds=60)
INTERVAL = timedelta(seconds=60)
WINDOW = timedelta(minutes=5)
BOUND_S = 180.0  # for a loaded machine; every wait below is on a condition
BASE = (datetime.now(UTC) - timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)


def _minute(m: int) -> datetime:
    return BASE + timedelta(minutes=m)


def _window_start(ts: datetime) -> datetime:
    return ts - timedelta(minutes=ts.minute % 5, seconds=ts.second, microseconds=ts.microsecond)


async def _produce(minutes: range, sensors: list[str]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP[0], acks="all")
    await producer.start()
    try:
        for m in minutes:
            for sensor in sensors:
                reading = make_reading(sensor, "air", _minute(m), m, city=CITY, pm25=12.0 + m)
                await producer.send_and_wait(
                    AIR_TOPIC,
                    encode_reading(reading),
                    key=sensor.encode(),
                    partition=STATIONS[sensor],
                    headers=reading_headers(reading.source_format, reading.ts),
                )
    finally:
        await producer.stop()


BOOTSTRAP: list[str] = []


def _wait(what: str, check, timeout_s: float = BOUND_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout_s} s: {what}")


def _stored_newest(conn: psycopg.Connection, partition: int) -> datetime | None:
    row = conn.execute(
        "SELECT newest_ts FROM stream_watermark WHERE topic = %s AND partition = %s",
        (AIR_TOPIC, partition),
    ).fetchone()
    return row[0] if row else None


def _silent_alerts(conn: psycopg.Connection, sensor: str) -> list[tuple[datetime, str]]:
    return conn.execute(
        "SELECT opened_at, state FROM alert WHERE rule = 'silent_sensor' AND city = %s "
        "AND place_key LIKE %s ORDER BY opened_at",
        (CITY, f"%{sensor}"),
    ).fetchall()


@pytest.fixture
def city(stack) -> Iterator[None]:
    with psycopg.connect(stack.conninfo("owner"), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO city (slug, name, code, province, timezone, area_km2, population, lat,"
            " lon) VALUES (%s, 'Kota Uji Lag', %s, 'Jawa Barat', 'Asia/Jakarta', 20, 50000,"
            " -6.9, 107.6)",
            (CITY, CITY),
        )
        conn.execute(
            "INSERT INTO district VALUES (%s, 'pusat', 'Pusat', 20, 50000, -6.9, 107.6, 'mixed')",
            (CITY,),
        )
        for sensor in STATIONS:
            conn.execute(
                "INSERT INTO sensor (sensor_id, city, district, domain, lat, lon, interval_s)"
                " VALUES (%s, %s, 'pusat', 'air', -6.9, 107.6, 60)",
                (sensor, CITY),
            )
    try:
        yield
    finally:
        with psycopg.connect(stack.conninfo("owner"), autocommit=True) as conn:
            conn.execute("DELETE FROM city WHERE slug = %s", (CITY,))


def test_a_lagging_partition_holds_the_city_back_and_raises_no_silent_alert(
    stack, city, tmp_path
) -> None:
    BOOTSTRAP[:] = [stack.bootstrap]
    asyncio.run(ensure_topics(KafkaSettings(bootstrap=stack.bootstrap, topic_prefix=PREFIX)))
    hold = tmp_path / "hold-partition"
    env = {
        **stack.env,
        "KOTA_ENV": "test",
        "KOTA_KAFKA_TOPIC_PREFIX": PREFIX,
        "KOTA_AGG_GROUP_ID": GROUP,
        "KOTA_AGG_INDICATOR_INTERVAL_S": "1",
        "KOTA_AGG_INDICATORS_FROM": BASE.isoformat(),
        "KOTA_AGG_ALLOWED_LATENESS_S": str(int(LATENESS.total_seconds())),
        # other tests' cities live in "now", this one two hours ago: not a dark city
        "KOTA_AGG_CITY_SILENCE_S": "10000000",
        "KOTA_AGG_FAULT_HOLD_PARTITION": f"{AIR_TOPIC}:{HELD_PARTITION}",
        "KOTA_AGG_FAULT_HOLD_FILE": str(hold),
    }
    aggregator = ServiceProcess("aggregate", env, tmp_path).start()
    final_until = f'city="{CITY}"'
    try:
        asyncio.run(_produce(range(HOLD_AT + 1), list(STATIONS)))
        wait_caught_up(stack.bootstrap, GROUP, reading_topics(PREFIX))

        hold.touch()
        _wait("the aggregator holds the partition", lambda: "fault injection: holding" in (
            aggregator.log_path.read_text(errors="replace")))  # fmt: skip
        live = [s for s in STATIONS if s != SILENT]
        asyncio.run(_produce(range(HOLD_AT + 1, STREAM_END + 1), live))
        with psycopg.connect(stack.conninfo("owner"), autocommit=True) as conn:
            _wait("partition 0 stored to the end", lambda: _stored_newest(conn, 0) == _minute(
                STREAM_END))  # fmt: skip
            cycles = aggregator.metric("kota_agg_indicator_cycle_seconds_count")
            _wait(
                "three indicator cycles with partition 0 stored",
                lambda: aggregator.metric("kota_agg_indicator_cycle_seconds_count") >= cycles + 3,
            )
            assert _stored_newest(conn, HELD_PARTITION) == _minute(HOLD_AT)  # still held
            # the windows wait at the held partition's time, less the lateness
            held_final = _window_start(_minute(HOLD_AT) - LATENESS)
            reached = aggregator.metric("kota_agg_indicator_final_until", final_until)
            assert reached <= held_final.timestamp(), datetime.fromtimestamp(reached, UTC)
            assert _silent_alerts(conn, LAGGING) == []
            assert aggregator.metric("kota_agg_cities_held_by_partition_lag") >= 1

            hold.unlink()
            wait_caught_up(stack.bootstrap, GROUP, reading_topics(PREFIX))
            end_final = _window_start(_minute(STREAM_END) - LATENESS)
            _wait(
                "the city's windows catch up",
                lambda: (
                    aggregator.metric("kota_agg_indicator_final_until", final_until)
                    >= end_final.timestamp()
                ),
            )
            assert _silent_alerts(conn, LAGGING) == []  # never, not even withdrawn
            silent = _silent_alerts(conn, SILENT)
            assert len(silent) == 1, silent
            last_heard = _minute(HOLD_AT)
            assert silent[0][0] - last_heard <= 3 * INTERVAL + LATENESS + WINDOW, silent
    finally:
        aggregator.stop()
