"""The walking skeleton: readings of all three domains travel MQTT → Kafka → PostgreSQL."""

from __future__ import annotations

import json
import time

import psycopg
from kota_testing.mqtt import sensor_publisher
from kota_testing.payloads import minutes_ago, native, topic

SENSORS = {"air": "jkt-air-0001", "traffic": "mks-traffic-0001", "waste": "bwi-waste-0001"}
CITIES = {"air": "jakarta", "traffic": "makassar", "waste": "banyuwangi"}
PER_SENSOR = 40


def _wait_for_rows(conninfo: str, msg_ids: set[str], timeout_s: float = 60) -> dict[str, tuple]:
    deadline = time.monotonic() + timeout_s
    found: dict[str, tuple] = {}
    with psycopg.connect(conninfo) as conn:
        while time.monotonic() < deadline:
            rows = conn.execute(
                """SELECT msg_id, sensor_id, ts, 'air' FROM air_reading WHERE msg_id = ANY(%(ids)s)
                   UNION ALL SELECT msg_id, sensor_id, ts, 'traffic' FROM traffic_reading
                    WHERE msg_id = ANY(%(ids)s)
                   UNION ALL SELECT msg_id, sensor_id, ts, 'waste' FROM waste_reading
                    WHERE msg_id = ANY(%(ids)s)""",
                {"ids": list(msg_ids)},
            ).fetchall()
            conn.commit()
            found = {r[0]: r[1:] for r in rows}
            if len(found) >= len(msg_ids):
                break
            time.sleep(0.3)
    return found


def test_readings_of_all_domains_land_in_postgres_exactly_once(stack, topics, services):
    env = topics
    services("ingest", env)
    services("aggregate", env)
    sent: dict[str, str] = {}
    for domain, sensor in SENSORS.items():
        publisher = sensor_publisher(env, sensor)
        messages = []
        for seq in range(PER_SENSOR):
            payload = native(sensor, domain, minutes_ago(PER_SENSOR - seq), seq)
            sent[json.loads(payload)["msg_id"]] = sensor
            messages.append((topic(CITIES[domain], domain, sensor), payload))
        publisher.publish_all(messages)
        assert publisher.refused == []
        publisher.close()

    found = _wait_for_rows(stack.conninfo("writer"), set(sent))

    assert set(found) == set(sent), f"missing {len(set(sent) - set(found))} readings"
    assert {row[0] for row in found.values()} == set(SENSORS.values())
    assert sorted({row[2] for row in found.values()}) == ["air", "traffic", "waste"]


def test_reader_role_sees_the_rows_through_views_only(stack):
    with psycopg.connect(stack.conninfo("reader")) as conn:
        conn.execute("SELECT count(*) FROM v_air_reading").fetchone()
        try:
            conn.execute("SELECT count(*) FROM air_reading")
        except psycopg.errors.InsufficientPrivilege:
            return
    raise AssertionError("kota_reader could read a base table")
