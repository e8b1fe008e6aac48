"""First contact: the stack starts from a clone only its owner may enter (as root, the
services drop to their own users), and the database bootstrap copes with TimescaleDB
being installed but not preloaded (the docker-compose path, without the native stack's
explicit choice)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import paho.mqtt.client as mqtt
import psycopg

from kotacerdas.stack.manager import LocalStack
from kotacerdas.stack.mosquitto import INGEST_USER
from kotacerdas.stack.prereq import find_tools
from kotacerdas.stack.settings import DEPLOY_DIR, StackSettings


def _mqtt_login(host: str, port: int, user: str, password: str) -> mqtt.ReasonCode:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.username_pw_set(user, password)
    result: list[mqtt.ReasonCode] = []
    client.on_connect = lambda _c, _u, _f, reason, _p: result.append(reason)
    client.connect(host, port)
    while not result:
        client.loop(timeout=0.5)
    client.disconnect()
    return result[0]


def test_the_stack_starts_from_a_folder_only_its_owner_may_enter() -> None:
    base = Path(tempfile.mkdtemp(prefix="kota-0700-"))  # mode 0700, like /root
    assert base.stat().st_mode & 0o777 == 0o700
    local = LocalStack(StackSettings.private(base / "clone" / ".kota", kafka_partitions=1))
    try:
        env = local.up()
        statuses = {row.name: row for row in local.status()}
        assert all(row.ready for row in statuses.values()), statuses
        if os.geteuid() == 0:  # the dropping services live where their users reach them
            assert local.service_root != local.state
            assert not local.pg.root.is_relative_to(base)
        reason = _mqtt_login(
            env["KOTA_MQTT_HOST"],
            int(env["KOTA_MQTT_PORT"]),
            INGEST_USER,
            env["KOTA_MQTT_PASSWORD"],
        )
        assert not reason.is_failure, reason  # the broker could read its password file
        with psycopg.connect(
            host=env["KOTA_DB_HOST"],
            port=env["KOTA_DB_PORT"],
            dbname="kota",
            user="kota_writer",
            password=env["KOTA_DB_PASSWORD"],
        ) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        local.remove()
    assert not local.service_root.exists() and not base.joinpath("clone", ".kota").exists()
    shutil.rmtree(base)


def test_the_bootstrap_on_its_own_creates_timescaledb_only_where_preloaded(
    stack, db_backend
) -> None:
    """What docker-compose runs (no -v with_timescaledb): idempotent on both backends."""
    assert stack.local is not None
    superuser = stack.local.pg.superuser_password.read_text().strip()
    pg_bin = find_tools(install=False).pg_bin
    result = subprocess.run(
        [
            str(pg_bin / "psql"),
            "-X",
            "-q",
            "-h",
            stack.env["KOTA_DB_HOST"],
            "-p",
            stack.env["KOTA_DB_PORT"],
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-f",
            str(DEPLOY_DIR / "postgres" / "bootstrap.sql"),
        ],
        env={**os.environ, "PGPASSWORD": superuser},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with psycopg.connect(stack.conninfo("owner")) as conn:
        found = conn.execute("SELECT kota_has_timescale()").fetchone()[0]
    assert found is (db_backend == "timescaledb")


def test_the_stack_reports_its_backend(stack, db_backend) -> None:
    assert stack.local is not None
    assert stack.local.db_backend() == db_backend
    statuses = {row.name: row for row in stack.local.status()}
    assert statuses["postgresql"].detail == db_backend
