"""Database checks for tests: row sets of one test's sensors, snapshots, recomputation."""

from __future__ import annotations

import time

import psycopg
from psycopg import sql

RAW = ("air_reading", "traffic_reading", "waste_reading")
ROLLUPS = tuple(f"{d}_rollup_{g}" for d in ("air", "traffic", "waste") for g in ("1m", "1h", "1d"))


def air_chunks_compressed(conn: psycopg.Connection, at: object) -> list[bool]:
    """TimescaleDB: ``is_compressed`` of the air_reading chunks holding ``at`` ([]: none)."""
    return [
        bool(row[0])
        for row in conn.execute(
            "SELECT is_compressed FROM timescaledb_information.chunks "
            "WHERE hypertable_name = 'air_reading' AND range_start <= %s AND range_end > %s",
            (at, at),
        ).fetchall()
    ]


def count(conninfo: str, table: str, sensor_like: str) -> int:
    with psycopg.connect(conninfo) as conn:
        q = sql.SQL("SELECT count(*) FROM {} WHERE sensor_id LIKE %s").format(sql.Identifier(table))
        return conn.execute(q, (sensor_like,)).fetchone()[0]


def msg_ids(conninfo: str, sensor_like: str) -> list[str]:
    with psycopg.connect(conninfo) as conn:
        rows = []
        for table in RAW:
            q = sql.SQL("SELECT msg_id FROM {} WHERE sensor_id LIKE %s").format(
                sql.Identifier(table)
            )
            rows += [r[0] for r in conn.execute(q, (sensor_like,))]
        return rows


def wait_rollups_done(conninfo: str, sensor_like: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while time.monotonic() < deadline:
            left = conn.execute(
                "SELECT count(*) FROM rollup_dirty WHERE sensor_id LIKE %s", (sensor_like,)
            ).fetchone()[0]
            if left == 0:
                return
            time.sleep(0.3)
    raise TimeoutError(f"rollup windows of {sensor_like} still dirty after {timeout_s} s")


def snapshot(conn: psycopg.Connection, tables: tuple[str, ...], sensor_like: str) -> None:
    """Copy the test's rows of each table into temp tables snap_<table> (same session)."""
    for table in tables:
        conn.execute(
            sql.SQL("CREATE TEMP TABLE {} AS SELECT * FROM {} WHERE sensor_id LIKE %s").format(
                sql.Identifier(f"snap_{table}"), sql.Identifier(table)
            ),
            (sensor_like,),
        )


def differences(conn: psycopg.Connection, table: str, sensor_like: str) -> tuple[int, int]:
    """Rows only in the table now, rows only in the snapshot (EXCEPT both ways)."""
    now = sql.SQL("SELECT * FROM {} WHERE sensor_id LIKE %s").format(sql.Identifier(table))
    snap = sql.SQL("SELECT * FROM {}").format(sql.Identifier(f"snap_{table}"))
    added = conn.execute(
        sql.SQL("SELECT count(*) FROM ({} EXCEPT {}) x").format(now, snap), (sensor_like,)
    ).fetchone()[0]
    lost = conn.execute(
        sql.SQL("SELECT count(*) FROM ({} EXCEPT {}) x").format(snap, now), (sensor_like,)
    ).fetchone()[0]
    return added, lost


def poll(predicate, timeout_s: float = 60, step_s: float = 0.5):
    """The first truthy value of ``predicate()`` within ``timeout_s`` (else its last
    value): waiting on a condition the product exposes, not on a fixed sleep."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step_s)
    return predicate()


def rows(conninfo: str, text: str, *params: object) -> list[tuple]:
    with psycopg.connect(conninfo) as conn:
        return conn.execute(text, params).fetchall()
