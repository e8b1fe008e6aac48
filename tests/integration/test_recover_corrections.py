"""Corrections (issue 21): a reading re-sent for the same sensor and time with a higher
revision replaces the stored one, the old values are audited, and the alert the wrong
values raised is withdrawn (closed as `revised`), as for late data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kota_testing import db as checks
from kota_testing.kafka import produce, reading_topics, wait_caught_up
from kota_testing.readings import make_reading

from kotacerdas.contract import Reading, derive_msg_id

# A sensor of a test-only city (tests/data/cities/ujipulih.yaml): no other test writes there.
SENSOR = "ujp-air-0001"
CITY = "ujipulih"


def _wait(predicate, timeout_s: float = 90):
    return checks.poll(predicate, timeout_s)


_query = checks.rows


def _corrected(reading: Reading, revision: int, pm25: float) -> Reading:
    return reading.model_copy(
        update={
            "revision": revision,
            "metrics": {"pm25": pm25},
            "msg_id": derive_msg_id(reading.sensor_id, reading.ts, reading.seq, revision),
        }
    )


def test_a_correction_replaces_the_reading_audits_it_and_revises_the_alert(stack, topics, services):
    env = topics
    prefix, group = env["KOTA_KAFKA_TOPIC_PREFIX"], env["KOTA_AGG_GROUP_ID"]
    services("aggregate", {**env, "KOTA_AGG_INDICATOR_INTERVAL_S": "1"})
    db = stack.conninfo()
    start = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0) - timedelta(
        hours=1
    )
    # A firmware with the wrong unit: one reading a minute, PM2.5 "400" (ISPU > 300).
    wrong = [
        make_reading(SENSOR, "air", start + timedelta(minutes=m), m, city=CITY, pm25=400.0)
        for m in range(50)
    ]
    produce(stack.bootstrap, prefix, wrong)
    wait_caught_up(stack.bootstrap, group, reading_topics(prefix))

    def alerts() -> list[tuple]:
        return _query(
            db,
            "SELECT state, close_reason FROM alert WHERE rule = 'hazardous_air' "
            "AND sensor_id = %s AND opened_at >= %s ORDER BY id",
            SENSOR,
            start - timedelta(minutes=5),
        )

    opened = _wait(alerts)
    assert opened and opened[0][0] == "open", opened

    # The city fixes the unit and re-sends the same sensor and times as revision 1,
    # then (a retry) the same corrections again, and a stale revision 0 copy.
    fixed = [_corrected(r, 1, 10.0) for r in wrong]
    produce(stack.bootstrap, prefix, [*fixed, *fixed, *wrong[:5]])
    wait_caught_up(stack.bootstrap, group, reading_topics(prefix))

    rows = _query(
        db,
        "SELECT count(*), min(pm25), max(pm25) FROM air_reading WHERE sensor_id = %s "
        "AND ts >= %s AND ts < %s",
        SENSOR,
        start,
        start + timedelta(minutes=50),
    )
    assert rows == [(50, 10.0, 10.0)]
    audit = _query(
        db,
        "SELECT old_revision, new_revision, (old_values->>'pm25')::float8, "
        "(new_values->>'pm25')::float8, corrected_by FROM reading_correction "
        "WHERE sensor_id = %s ORDER BY ts",
        SENSOR,
    )
    assert len(audit) == 50, audit[:3]  # the repeated corrections stored once
    assert set(audit) == {(0, 1, 400.0, 10.0, "device")}

    revised = _wait(lambda: [a for a in alerts() if a == ("closed", "revised")])
    assert revised, alerts()
    # The 1-minute rollups were recomputed from the corrected raw rows.
    minutes = _wait(
        lambda: _query(
            db,
            "SELECT max(pm25_avg) FROM air_rollup_1m WHERE sensor_id = %s AND ts >= %s "
            "AND ts < %s HAVING max(pm25_avg) = 10.0",
            SENSOR,
            start,
            start + timedelta(minutes=50),
        )
    )
    assert minutes, "rollups not revised"
