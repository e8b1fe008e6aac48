"""TimescaleDB over time: the policies run by its own scheduler, and the upgrade of a
database whose continuous aggregates already hold data (migration 009).

The other TimescaleDB tests call ``compress_chunk`` and ``drop_chunks`` themselves; here
the background jobs do the work, as in production (only their next start is brought
forward, so the test waits for a job run instead of a day). The upgrade test builds a
database at migration 008, the last layout with continuous aggregates, fills and
refreshes them, and migrates it to the current layout.
"""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from kota_testing.db import air_chunks_compressed
from prometheus_client import CollectorRegistry

from aggregator import migrate
from aggregator.batch import retention_horizon
from aggregator.rollups import RollupJob, RollupMetrics
from aggregator.store import Store

RETENTION_DAYS = 90
JOB_RUN_BOUND_S = 180.0  # a bound for a loaded machine, not an expected time
GRAINS = ("1m", "1h", "1d")
UPGRADE_DB = "kota_upgrade"
CITY = "ujiupgrade"


@pytest.fixture
def timescaledb(db_backend: str) -> None:
    if db_backend != "timescaledb":
        pytest.skip("TimescaleDB's scheduler and continuous aggregates; plain PostgreSQL has none")


#: PostgreSQL 15.20 with TimescaleDB 2.28.3: every job the scheduler starts ends with this
#: error *after* its work has committed, so the run is recorded as failed (migration 012).
RECORDED_AS_FAILED = 'cannot drop portal "" while it is being set up'


def _wait_for_a_run(conn: psycopg.Connection, job_id: int) -> None:
    """Bring the job's next start forward and wait until the scheduler has run it."""
    before = conn.execute(
        "SELECT total_runs FROM timescaledb_information.job_stats WHERE job_id = %s", (job_id,)
    ).fetchone()
    runs = before[0] if before else 0
    conn.execute("SELECT alter_job(%s, next_start => now())", (job_id,))
    deadline = time.monotonic() + JOB_RUN_BOUND_S
    while time.monotonic() < deadline:
        row = conn.execute(
            "SELECT total_runs, last_run_status, job_status FROM timescaledb_information.job_stats "
            "WHERE job_id = %s",
            (job_id,),
        ).fetchone()
        if row and row[0] > runs and row[2] != "Running":
            if row[1] != "Success":
                (error,) = conn.execute(
                    "SELECT err_message FROM timescaledb_information.job_errors "
                    "WHERE job_id = %s ORDER BY start_time DESC LIMIT 1",
                    (job_id,),
                ).fetchone() or (None,)
                # the known one is allowed: the caller checks that the work was done
                assert error == RECORDED_AS_FAILED, f"job {job_id}: {row[1]}: {error}"
            return
        time.sleep(0.2)
    raise AssertionError(f"TimescaleDB's scheduler did not run job {job_id} in {JOB_RUN_BOUND_S} s")


def _job(conn: psycopg.Connection, proc: str, table: str) -> int:
    row = conn.execute(
        "SELECT job_id FROM timescaledb_information.jobs "
        "WHERE proc_name = %s AND hypertable_name = %s",
        (proc, table),
    ).fetchone()
    assert row, f"no {proc} job on {table}"
    return int(row[0])


def test_compression_and_retention_policies_run_on_their_own_schedule(stack, timescaledb):
    now = datetime.now(UTC)
    week_old = (now - timedelta(days=10)).replace(hour=3, minute=0, second=0, microsecond=0)
    expired = retention_horizon(now, timedelta(days=RETENTION_DAYS)) - timedelta(days=3)
    tag = uuid.uuid4().hex[:8]
    with psycopg.connect(stack.conninfo("owner"), autocommit=True) as conn:
        # as the aggregator does at start: the retention policy with the configured days
        conn.execute("SELECT kota_apply_retention(%s)", (RETENTION_DAYS,))
        try:
            for ts, msg_id in ((week_old, f"policy-{tag}-old"), (expired, f"policy-{tag}-gone")):
                conn.execute(
                    "INSERT INTO air_reading (sensor_id, ts, msg_id, city, pm25, source_format) "
                    "VALUES ('jkt-air-0001', %s, %s, 'jakarta', 5, 'kota/v1')",
                    (ts, msg_id),
                )
            _wait_for_a_run(conn, _job(conn, "policy_compression", "air_reading"))
            assert air_chunks_compressed(conn, week_old) == [True]  # older than 7 days: compressed
            _wait_for_a_run(conn, _job(conn, "policy_retention", "air_reading"))
            assert (
                air_chunks_compressed(conn, expired) == []
            )  # older than the retention days: dropped
            kept = conn.execute(
                "SELECT msg_id FROM air_reading WHERE msg_id LIKE %s", (f"policy-{tag}-%",)
            ).fetchall()
            assert kept == [(f"policy-{tag}-old",)]  # and read back from the compressed chunk
        finally:
            conn.execute("DELETE FROM air_reading WHERE msg_id LIKE %s", (f"policy-{tag}-%",))


def test_the_aggregators_maintenance_compresses_and_drops_old_chunks(stack, db_backend):
    """What the aggregator's hourly maintenance runs (aggregator/service.py ``_maintain``),
    through its own Store, with no help from a scheduler: on TimescaleDB the week-old chunk
    is compressed and the expired one dropped; on plain PostgreSQL the expired partition
    is dropped and nothing is compressed."""
    now = datetime.now(UTC)
    week_old = (now - timedelta(days=12)).replace(hour=4, minute=0, second=0, microsecond=0)
    expired = retention_horizon(now, timedelta(days=RETENTION_DAYS)) - timedelta(days=4)
    tag = uuid.uuid4().hex[:8]
    with psycopg.connect(stack.conninfo("owner"), autocommit=True) as conn:
        _hold_compression_jobs(conn, db_backend, held=True)
        for ts, msg_id in ((week_old, f"upkeep-{tag}-old"), (expired, f"upkeep-{tag}-expired")):
            conn.execute(
                "SELECT kota_ensure_partitions('air_reading', %s, %s)", (ts.date(), ts.date())
            )
            conn.execute(
                "INSERT INTO air_reading (sensor_id, ts, msg_id, city, pm25, source_format) "
                "VALUES ('jkt-air-0001', %s, %s, 'jakarta', 5, 'kota/v1')",
                (ts, msg_id),
            )
    try:
        compressed, dropped, failed = asyncio.run(_maintenance(stack.conninfo()))
    finally:
        with psycopg.connect(stack.conninfo("owner"), autocommit=True) as conn:
            _hold_compression_jobs(conn, db_backend, held=False)
    assert dropped >= 1
    with psycopg.connect(stack.conninfo("owner"), autocommit=True) as conn:
        kept = conn.execute(
            "SELECT msg_id FROM air_reading WHERE msg_id LIKE %s", (f"upkeep-{tag}-%",)
        ).fetchall()
        assert kept == [(f"upkeep-{tag}-old",)]
        if db_backend == "timescaledb":
            assert compressed >= 1  # the scheduler's compression job was held (below)
            assert air_chunks_compressed(conn, week_old) == [True]
            scheduler = {
                row[0]: row[1]
                for row in conn.execute(
                    "SELECT s.job_id, s.last_run_status FROM timescaledb_information.job_stats s "
                    "JOIN timescaledb_information.jobs j USING (job_id) "
                    "WHERE j.owner::text = 'kota_owner'"
                ).fetchall()
            }
            # what the aggregator would warn about is what the scheduler says failed
            assert {job for job, *_ in failed} == {
                job for job, status in scheduler.items() if status == "Failed"
            }
        else:
            assert (compressed, failed) == (0, [])
        conn.execute("DELETE FROM air_reading WHERE msg_id LIKE %s", (f"upkeep-{tag}-%",))


def _hold_compression_jobs(conn: psycopg.Connection, db_backend: str, held: bool) -> None:
    """So that what is compressed is the aggregator's doing, not the scheduler's."""
    if db_backend == "timescaledb":
        conn.execute(
            "SELECT alter_job(job_id, scheduled => %s) FROM timescaledb_information.jobs "
            "WHERE proc_name = 'policy_compression'",
            (not held,),
        )


async def _maintenance(writer: str) -> tuple[int, int, list[tuple[int, str, str, str | None]]]:
    store = Store(writer, timedelta(minutes=2))
    await store.open()
    try:
        dropped = await store.apply_retention(RETENTION_DAYS)
        return await store.apply_compression(), dropped, await store.failed_policies()
    finally:
        await store.close()


# --- migration 009 on a database whose continuous aggregates hold data -----------------


@pytest.fixture
def upgrade_db(stack, timescaledb) -> Iterator[dict[str, str]]:
    """An empty database with TimescaleDB, set up as deploy/postgres/bootstrap.sql sets up
    ``kota``; dropped afterwards."""
    admin = stack.conninfo("superuser", "postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {UPGRADE_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {UPGRADE_DB} OWNER kota_owner TEMPLATE template0")
    with psycopg.connect(stack.conninfo("superuser", UPGRADE_DB), autocommit=True) as conn:
        conn.execute(f"REVOKE ALL ON DATABASE {UPGRADE_DB} FROM PUBLIC")
        conn.execute(f"GRANT CONNECT, TEMPORARY ON DATABASE {UPGRADE_DB} TO kota_writer")
        conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        conn.execute("CREATE EXTENSION timescaledb")
    try:
        yield {
            "owner": stack.conninfo("owner", UPGRADE_DB),
            "writer": stack.conninfo("writer", UPGRADE_DB),
        }
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {UPGRADE_DB} WITH (FORCE)")


def _migrations_up_to(version: int, folder: Path) -> Path:
    folder.mkdir()
    for migration in sorted(migrate.MIGRATIONS_DIR.glob("*.sql")):
        if int(migration.name[:3]) <= version:
            shutil.copy(migration, folder / migration.name)
    return folder


def _seed(conn: psycopg.Connection, sensor: str, days: list[datetime]) -> None:
    conn.execute(
        "INSERT INTO city (slug, name, code, province, timezone, area_km2, population, lat, lon)"
        " VALUES (%s, 'Kota Uji Upgrade', %s, 'Jawa Barat', 'Asia/Jakarta', 10, 1000, -6.9, 107.6)",
        (CITY, CITY),
    )
    conn.execute(
        "INSERT INTO district VALUES (%s, 'pusat', 'Pusat', 10, 1000, -6.9, 107.6, 'mixed')",
        (CITY,),
    )
    conn.execute(
        "INSERT INTO sensor (sensor_id, city, district, domain, lat, lon, interval_s)"
        " VALUES (%s, %s, 'pusat', 'air', -6.9, 107.6, 60)",
        (sensor, CITY),
    )
    with conn.cursor().copy(
        "COPY air_reading (sensor_id, ts, msg_id, city, pm25, noise, source_format) FROM STDIN"
    ) as copy:
        for d, day in enumerate(days):
            for minute in range(0, 150, 3):  # two and a half hours, every third minute
                for second in (5, 35):
                    ts = day + timedelta(minutes=minute, seconds=second)
                    value = 10.0 + d * 20 + minute % 17 + second / 10
                    copy.write_row((sensor, ts, f"{sensor}-{ts.isoformat()}", CITY, value,
                                    50.0 + minute % 5, "kota/v1"))  # fmt: skip


def _differences(conn: psycopg.Connection, grain: str) -> int:
    """Rows of air_rollup_<grain> and of its copy taken before the upgrade that differ
    (means rounded: Σ(mean·n)/Σn and avg() differ in the last bits)."""
    columns = (
        "sensor_id, ts, city, samples, round(pm25_avg::numeric, 6), pm25_min, pm25_max, "
        "pm25_n, round(noise_avg::numeric, 6), noise_min, noise_max, noise_n"
    )
    a = f"SELECT {columns} FROM air_rollup_{grain}"
    b = f"SELECT {columns} FROM before_{grain}"
    return int(
        conn.execute(
            f"SELECT count(*) FROM (({a} EXCEPT {b}) UNION ALL ({b} EXCEPT {a})) d"
        ).fetchone()[0]
    )


def test_migration_009_keeps_what_the_continuous_aggregates_held(upgrade_db, tmp_path):
    owner, writer = upgrade_db["owner"], upgrade_db["writer"]
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    gone_day, kept_day = today - timedelta(days=3), today - timedelta(days=2)
    sensor = f"{CITY}-air-0001"
    applied = migrate.apply(owner, directory=_migrations_up_to(8, tmp_path / "upto008"))
    assert [m.version for m in applied] == list(range(1, 9))
    with psycopg.connect(owner, autocommit=True) as conn:
        caggs = conn.execute(
            "SELECT count(*) FROM timescaledb_information.continuous_aggregates"
        ).fetchone()[0]
        assert caggs == 9  # three grains of three domains
        # no policy refresh may run between the steps below
        conn.execute(
            "SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs "
            "WHERE proc_name = 'policy_refresh_continuous_aggregate'"
        )
        _seed(conn, sensor, [gone_day, kept_day])
        for grain in GRAINS:  # finest first: each aggregate is built on the finer one
            conn.execute(f"CALL refresh_continuous_aggregate('air_rollup_{grain}', NULL, NULL)")
        for grain in GRAINS:
            conn.execute(f"CREATE TABLE before_{grain} AS SELECT * FROM air_rollup_{grain}")
        held = [conn.execute(f"SELECT count(*) FROM before_{g}").fetchone()[0] for g in GRAINS]
        assert held == [100, 6, 2]  # 50 minutes and 3 hours on each of the two days
        # the aggregates outlive the raw data: the first day's raw rows are gone
        conn.execute("DELETE FROM air_reading WHERE ts < %s", (kept_day,))

    applied = migrate.apply(owner)
    assert [m.version for m in applied][:1] == [9]
    with psycopg.connect(owner, autocommit=True) as conn:
        assert (
            conn.execute(
                "SELECT count(*) FROM timescaledb_information.continuous_aggregates"
            ).fetchone()[0]
            == 0
        )
        hypertables = {
            row[0]
            for row in conn.execute(
                "SELECT hypertable_name FROM timescaledb_information.hypertables"
            ).fetchall()
        }
        assert {f"air_rollup_{g}" for g in GRAINS} <= hypertables
        for grain in GRAINS:  # every row the aggregates held, the raw-less day included
            assert _differences(conn, grain) == 0, grain
        queued = conn.execute(
            "SELECT min(bucket), max(bucket), count(*) FROM rollup_dirty WHERE sensor_id = %s",
            (sensor,),
        ).fetchone()
        # only minutes that still have raw rows are queued for recomputation
        assert queued == (kept_day, kept_day + timedelta(minutes=147), 50)

    asyncio.run(_roll_up(writer))
    with psycopg.connect(owner, autocommit=True) as conn:
        for grain in GRAINS:  # the job's recomputation from raw equals the aggregates'
            assert _differences(conn, grain) == 0, grain
        assert conn.execute("SELECT count(*) FROM rollup_dirty").fetchone()[0] == 0
        assert conn.execute(
            "SELECT last_ts FROM sensor_state WHERE sensor_id = %s", (sensor,)
        ).fetchone()[0] == kept_day + timedelta(minutes=147)  # the newest rolled-up minute


async def _roll_up(writer: str) -> None:
    store = Store(writer, timedelta(minutes=2))
    await store.open()
    try:
        job = RollupJob(store, RollupMetrics(CollectorRegistry()))
        while sum((await job.run_once()).values()):
            pass
    finally:
        await store.close()
