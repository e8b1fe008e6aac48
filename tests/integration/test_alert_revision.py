"""Late data changes a window: its indicators are recomputed and an alert that should
never have opened is closed with reason `revised`."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import psycopg
from kota_testing.kafka import produce, reading_topics, wait_caught_up
from kota_testing.readings import make_reading

# A sensor of a test-only city (tests/data/cities): no other test writes there.
SENSOR = "ujr-air-0001"


def _alerts(conninfo: str, opened_after: datetime) -> list[tuple]:
    with psycopg.connect(conninfo) as conn:
        return conn.execute(
            "SELECT state, close_reason, peak FROM alert WHERE rule = 'hazardous_air' "
            "AND sensor_id = %s AND opened_at >= %s ORDER BY id",
            (SENSOR, opened_after - timedelta(minutes=5)),  # windows start on 5-min marks
        ).fetchall()


def _wait(predicate, timeout_s: float = 90):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    return predicate()


def test_late_readings_revise_a_hazardous_air_alert(stack, topics, services):
    env = topics
    prefix, group = env["KOTA_KAFKA_TOPIC_PREFIX"], env["KOTA_AGG_GROUP_ID"]
    services("aggregate", {**env, "KOTA_AGG_INDICATOR_INTERVAL_S": "1"})
    start = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0) - timedelta(
        hours=1
    )

    hazardous = [  # one reading a minute, PM2.5 400 µg/m³: ISPU beyond 300 (berbahaya)
        make_reading(SENSOR, "air", start + timedelta(minutes=m), m, city="ujirevisi", pm25=400.0)
        for m in range(50)
    ]
    produce(stack.bootstrap, prefix, hazardous)
    wait_caught_up(stack.bootstrap, group, reading_topics(prefix))
    opened = _wait(lambda: _alerts(stack.conninfo(), start))
    assert opened and opened[0][0] == "open", opened

    late = [  # the same windows, five clean readings a minute that arrived late
        make_reading(
            SENSOR,
            "air",
            start + timedelta(minutes=m, seconds=s),
            1000 + m,
            city="ujirevisi",
            pm25=10.0,
        )
        for m in range(50)
        for s in (10, 20, 30, 40, 50)
    ]
    produce(stack.bootstrap, prefix, late)
    wait_caught_up(stack.bootstrap, group, reading_topics(prefix))
    revised = _wait(
        lambda: [
            a for a in _alerts(stack.conninfo(), start) if a[0] == "closed" and a[1] == "revised"
        ]
    )
    assert revised, _alerts(stack.conninfo(), start)
