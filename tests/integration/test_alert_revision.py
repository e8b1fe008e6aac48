"""Late data changes a window: its indicators are recomputed and an alert that should
never have opened is closed with reason `revised`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from kota_testing import db
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
    return db.poll(predicate, timeout_s)


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


def test_late_readings_withdraw_an_alert_older_than_the_horizon(stack, topics, services):
    """The alert closed long ago (its windows are more than the alert horizon behind the
    city's newest data): late readings that erase its episode still withdraw it."""
    sensor = "ujr-air-0002"
    env = topics
    prefix, group = env["KOTA_KAFKA_TOPIC_PREFIX"], env["KOTA_AGG_GROUP_ID"]
    services("aggregate", {**env, "KOTA_AGG_INDICATOR_INTERVAL_S": "1"})
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - timedelta(hours=10)

    def reading(minute: int, pm25: float, second: int = 0, seq: int = 0):
        ts = start + timedelta(minutes=minute, seconds=second)
        return make_reading(sensor, "air", ts, seq or minute, city="ujirevisi", pm25=pm25)

    # 50 hazardous minutes, then clean air up to now: the alert opens, then clears.
    produce(
        stack.bootstrap,
        prefix,
        [reading(m, 400.0 if m < 50 else 5.0) for m in range(10 * 60)],
    )
    wait_caught_up(stack.bootstrap, group, reading_topics(prefix))

    def ours() -> list[tuple]:
        with psycopg.connect(stack.conninfo()) as conn:
            return conn.execute(
                "SELECT state, close_reason FROM alert WHERE rule = 'hazardous_air' "
                "AND sensor_id = %s AND opened_at < %s ORDER BY id",
                (sensor, start + timedelta(hours=2)),
            ).fetchall()

    assert _wait(lambda: [a for a in ours() if a == ("closed", "cleared")]), ours()
    # Five clean readings a minute over the alert's whole span (the 24-h mean behind
    # ISPU kept it open past the hazardous minutes), arriving ten hours late. Only the
    # windows that hold late minutes are recomputed, so the late minutes cover them all.
    produce(
        stack.bootstrap,
        prefix,
        [reading(m, 10.0, s, 1000 + m) for m in range(150) for s in (10, 20, 30, 40, 50)],
    )
    wait_caught_up(stack.bootstrap, group, reading_topics(prefix))
    assert _wait(lambda: ours() and all(a[1] == "revised" for a in ours())), ours()
