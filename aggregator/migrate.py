"""Numbered SQL migrations (``aggregator/migrations/NNN_name.sql``), applied once each.

Applied versions are recorded in ``kota_schema_migrations`` with a checksum: rerunning is
a no-op, and a migration edited after it was applied stops the run (ship a new file
instead). An advisory lock keeps two concurrent ``migrate`` runs from racing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from kotacerdas.errors import UserFacingError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_FILE_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
# Any constant shared by all migrate runs; "kota" in ASCII.
_LOCK_KEY = 0x6B6F7461
# What the test suite runs (deploy/postgres/timescaledb.sh, docker-compose.yml): the last
# TimescaleDB line that builds against PostgreSQL 15; 2.29+ needs PostgreSQL 16+.
TESTED_TIMESCALEDB = "2.28.3"
TESTED_PG_MAJOR = 15


def backend_note(server_version_num: int, timescaledb: str | None) -> str:
    """One line on the database migrated into, with a warning where it is not what the
    tests run (a newer TimescaleDB line may change behaviour the tests pin down)."""
    major = server_version_num // 10000
    name = f"PostgreSQL {major}" + (f", TimescaleDB {timescaledb}" if timescaledb else "")
    tested = timescaledb is None or (
        timescaledb.split(".")[:2] == TESTED_TIMESCALEDB.split(".")[:2] and major == TESTED_PG_MAJOR
    )
    if tested:
        return f"database: {name}"
    return (
        f"database: {name} -- not the release the tests run (TimescaleDB "
        f"{TESTED_TIMESCALEDB} on PostgreSQL {TESTED_PG_MAJOR}); run the test suite on it"
    )


class MigrationError(UserFacingError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_RE.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNN_name.sql")
        found.append(Migration(int(match[1]), match[2], path.read_text(encoding="utf-8")))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migrations share a version number in {directory}")
    return found


def apply(
    conninfo: str,
    progress: Callable[[str], None] = lambda _: None,
    directory: Path = MIGRATIONS_DIR,
) -> list[Migration]:
    """Apply every pending migration, each in its own transaction; return those applied."""
    migrations = discover(directory)
    try:
        conn = psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as exc:
        raise MigrationError(f"cannot connect to the database as schema owner: {exc}") from None
    with conn:
        found = conn.execute(
            "SELECT current_setting('server_version_num')::int, "
            "(SELECT extversion FROM pg_extension WHERE extname = 'timescaledb')"
        ).fetchone()
        if found:
            progress(backend_note(found[0], found[1]))
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        conn.execute(
            """CREATE TABLE IF NOT EXISTS kota_schema_migrations (
                   version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        rows = conn.execute("SELECT version, checksum FROM kota_schema_migrations").fetchall()
        applied: dict[int, str] = dict(rows)
        done: list[Migration] = []
        for migration in migrations:
            if migration.version in applied:
                if applied[migration.version] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.version:03d}_{migration.name} changed after it "
                        "was applied; add a new migration instead of editing an applied one"
                    )
                continue
            try:
                with conn.transaction():
                    conn.execute(migration.sql)  # trusted file
                    conn.execute(
                        "INSERT INTO kota_schema_migrations (version, name, checksum) "
                        "VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
            except psycopg.Error as exc:
                raise MigrationError(
                    f"migration {migration.version:03d}_{migration.name} failed: "
                    f"{exc.diag.message_primary or exc}"
                ) from None
            progress(f"applied {migration.version:03d}_{migration.name}")
            done.append(migration)
        conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return done
