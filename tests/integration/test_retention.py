"""Retention drops whole daily partitions older than the configured days, nothing newer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg


def test_old_partitions_are_dropped_and_recent_ones_kept(stack):
    old_day = (datetime.now(UTC) - timedelta(days=200)).date()
    with psycopg.connect(stack.conninfo("writer"), autocommit=True) as conn:
        conn.execute("SELECT kota_ensure_partitions('air_reading', %s, %s)", (old_day, old_day))
        conn.execute(
            "INSERT INTO air_reading (sensor_id, ts, msg_id, city, pm25, source_format) "
            "VALUES ('jkt-air-0001', %s, 'retention-old', 'jakarta', 5, 'kota/v1')",
            (datetime.combine(old_day, datetime.min.time(), UTC) + timedelta(hours=3),),
        )
        recent_parts = conn.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'air_reading'::regclass"
        ).fetchone()[0]
        dropped = conn.execute("SELECT kota_apply_retention(90)").fetchone()[0]
        left = conn.execute(
            "SELECT count(*) FROM air_reading WHERE msg_id = 'retention-old'"
        ).fetchone()[0]
        parts_after = conn.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'air_reading'::regclass"
        ).fetchone()[0]
    assert dropped >= 1 and left == 0
    assert parts_after == recent_parts - 1  # only the old day's partition went
    name = f"air_reading_p{old_day:%Y%m%d}"
    with psycopg.connect(stack.conninfo("writer")) as conn:
        assert conn.execute("SELECT to_regclass(%s)", (name,)).fetchone()[0] is None


def test_the_writer_cannot_drop_partitions_itself(stack):
    today = f"air_reading_p{datetime.now(UTC):%Y%m%d}"
    with psycopg.connect(stack.conninfo("writer"), autocommit=True) as conn:
        for statement in (
            f"DROP TABLE {today}",
            "SELECT kota_drop_partitions('air_reading', current_date + 30)",
        ):
            try:
                conn.execute(statement)
            except psycopg.errors.InsufficientPrivilege:
                continue
            raise AssertionError(f"kota_writer could run: {statement}")
