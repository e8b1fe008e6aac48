"""Retention drops whole days older than the configured days, nothing newer, on both
backends (daily partitions; TimescaleDB's 1-day chunks), and the aggregator's
``too_late`` horizon is the same boundary (aggregator/batch.py retention_horizon)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from aggregator.batch import retention_horizon

DAYS = 90
_CHILDREN = "SELECT count(*) FROM pg_inherits WHERE inhparent = 'air_reading'::regclass"


def _insert(conn: psycopg.Connection, msg_id: str, ts: datetime) -> None:
    conn.execute("SELECT kota_ensure_partitions('air_reading', %s, %s)", (ts.date(), ts.date()))
    conn.execute(
        "INSERT INTO air_reading (sensor_id, ts, msg_id, city, pm25, source_format) "
        "VALUES ('jkt-air-0001', %s, %s, 'jakarta', 5, 'kota/v1')",
        (ts, msg_id),
    )


def test_old_days_are_dropped_and_the_horizon_day_kept(stack):
    horizon = retention_horizon(datetime.now(UTC), timedelta(days=DAYS))
    old = horizon - timedelta(days=110, hours=-3)
    # the owner seeds and cleans up (the writer may not delete readings)
    with psycopg.connect(stack.conninfo("owner"), autocommit=True) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        _insert(conn, "retention-old", old)
        _insert(conn, "retention-before-horizon", horizon - timedelta(seconds=1))
        _insert(conn, "retention-horizon", horizon)
        before = conn.execute(_CHILDREN).fetchone()[0]
        dropped = conn.execute("SELECT kota_apply_retention(%s)", (DAYS,)).fetchone()[0]
        left = dict(
            conn.execute(
                "SELECT msg_id, count(*) FROM air_reading "
                "WHERE msg_id LIKE 'retention-%%' GROUP BY msg_id"
            ).fetchall()
        )
        after = conn.execute(_CHILDREN).fetchone()[0]
        conn.execute("DELETE FROM air_reading WHERE msg_id = 'retention-horizon'")
    # the old day and the day before the horizon: two whole partitions or chunks
    assert dropped >= 2
    assert after == before - 2
    # what the aggregator still accepts (ts >= horizon) is exactly what is kept
    assert left == {"retention-horizon": 1}


def test_the_writer_cannot_drop_partitions_itself(stack, db_backend):
    with psycopg.connect(stack.conninfo("owner"), autocommit=True) as owner:
        _insert(owner, "retention-today", datetime.now(UTC))
    with psycopg.connect(stack.conninfo("writer"), autocommit=True) as conn:
        child = conn.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits "
            "WHERE inhparent = 'air_reading'::regclass LIMIT 1"
        ).fetchone()[0]
        attempts = [f"DROP TABLE {child}"]
        if db_backend == "timescaledb":
            attempts.append("SELECT drop_chunks('air_reading', older_than => now() + '30 days')")
        else:
            attempts.append("SELECT kota_drop_partitions('air_reading', current_date + 30)")
        for statement in attempts:
            try:
                conn.execute(statement)
            except psycopg.errors.InsufficientPrivilege:
                continue
            raise AssertionError(f"kota_writer could run: {statement}")
    with psycopg.connect(stack.conninfo("owner"), autocommit=True) as owner:
        owner.execute("DELETE FROM air_reading WHERE msg_id = 'retention-today'")
