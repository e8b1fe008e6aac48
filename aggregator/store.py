"""PostgreSQL side of the aggregator: one transaction per batch, COPY → staging → upsert.

``write`` is the unit of durability: rows, dead letters and the rollup work list are
committed together, and only then may the caller commit Kafka offsets. A lost
connection raises ``StoreUnavailable`` (the caller pauses and retries the same batch);
rows the database refuses are isolated by splitting and returned as poison.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import psycopg
from psycopg import AsyncConnection, sql
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from aggregator.batch import Batch, Letter
from aggregator.rows import RAW_TABLES, Row, raw_columns, row_time
from kotacerdas.contract import DOMAINS, Domain
from kotacerdas.reasons import ReasonCode
from kotacerdas.wire import DeadLetter

log = logging.getLogger("kota.aggregator.store")

# Days of partitions kept ready ahead of the newest data (no insert ever waits on DDL).
PARTITIONS_AHEAD_DAYS = 7

_COPY_TYPES: dict[str, str] = {
    "sensor_id": "text",
    "ts": "timestamptz",
    "msg_id": "text",
    "city": "text",
    "seq": "int8",
    "interval_s": "int4",
    "source_format": "text",
}


class StoreUnavailable(Exception):
    """The database cannot be reached or the connection broke; retry the batch later."""


@dataclass
class WriteResult:
    inserted: dict[Domain, int] = field(default_factory=lambda: {d: 0 for d in DOMAINS})
    duplicates: dict[Domain, int] = field(default_factory=lambda: {d: 0 for d in DOMAINS})
    letters: int = 0
    poison: list[tuple[Domain, Row, str]] = field(default_factory=list)


class Store:
    def __init__(self, conninfo: str, pool_timeout_s: float = 5.0) -> None:
        self._pool = AsyncConnectionPool(
            conninfo,
            min_size=1,
            max_size=4,
            open=False,
            timeout=pool_timeout_s,
            configure=self._configure,
            reconnect_timeout=0,
            kwargs={"autocommit": False},
        )
        self._partitions: set[tuple[str, date]] = set()

    @staticmethod
    async def _configure(conn: AsyncConnection) -> None:
        await conn.execute("SET TIME ZONE 'UTC'")
        for domain, table in RAW_TABLES.items():
            await conn.execute(
                sql.SQL(
                    "CREATE TEMP TABLE IF NOT EXISTS {} (LIKE {} INCLUDING DEFAULTS) "
                    "ON COMMIT DELETE ROWS"
                ).format(sql.Identifier(f"stage_{domain}"), sql.Identifier(table))
            )
        await conn.commit()

    async def open(self) -> None:
        await self._pool.open(wait=False)

    async def close(self) -> None:
        await self._pool.close()

    async def ping(self) -> str | None:
        """None if the database answers, else why not."""
        try:
            async with self._pool.connection(timeout=2) as conn:
                await conn.execute("SELECT 1")
            return None
        except (psycopg.Error, PoolTimeout) as exc:
            return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

    # --- the batch transaction --------------------------------------------------------
    async def write(self, batch: Batch) -> WriteResult:
        result = WriteResult()
        try:
            async with self._pool.connection() as conn, conn.transaction():
                await self._ensure_partitions(conn, batch)
                for domain in DOMAINS:
                    rows = batch.rows[domain]
                    if rows:
                        await self._insert_isolating(conn, domain, rows, result)
                letters = [*batch.letters, *(_poison_letter(*p) for p in result.poison)]
                result.letters = await self._insert_letters(conn, letters)
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreUnavailable(
                str(exc).strip().splitlines()[0] if str(exc) else "unavailable"
            ) from exc
        return result

    async def _ensure_partitions(self, conn: AsyncConnection, batch: Batch) -> None:
        for domain in DOMAINS:
            table = RAW_TABLES[domain]
            days = {row_time(r).astimezone(UTC).date() for r in batch.rows[domain]}
            missing = sorted(d for d in days if (table, d) not in self._partitions)
            if not missing:
                continue
            await conn.execute(
                "SELECT kota_ensure_partitions(%s::regclass, %s, %s)",
                (table, missing[0], missing[-1]),
            )
            self._partitions.update((table, d) for d in _days(missing[0], missing[-1]))

    async def _insert_isolating(
        self, conn: AsyncConnection, domain: Domain, rows: Sequence[Row], result: WriteResult
    ) -> None:
        """Insert ``rows``; if the database refuses one, split until it is found."""
        try:
            async with conn.transaction():  # a savepoint: a refusal undoes only this part
                inserted = await self._insert(conn, domain, rows)
        except (psycopg.DataError, psycopg.IntegrityError) as exc:
            if len(rows) == 1:
                message = (exc.diag.message_primary or str(exc)).strip()
                result.poison.append((domain, rows[0], message))
                return
            middle = len(rows) // 2
            await self._insert_isolating(conn, domain, rows[:middle], result)
            await self._insert_isolating(conn, domain, rows[middle:], result)
            return
        result.inserted[domain] += inserted
        result.duplicates[domain] += len(rows) - inserted

    async def _insert(self, conn: AsyncConnection, domain: Domain, rows: Sequence[Row]) -> int:
        columns = raw_columns(domain)
        stage = sql.Identifier(f"stage_{domain}")
        cols = sql.SQL(", ").join(map(sql.Identifier, columns))
        async with conn.cursor() as cur:
            await cur.execute(sql.SQL("TRUNCATE {}").format(stage))
            copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(stage, cols)
            async with cur.copy(copy_sql) as copy:
                copy.set_types([_COPY_TYPES.get(c, "float8") for c in columns])
                for row in rows:
                    await copy.write_row(row)
            await cur.execute(
                sql.SQL(
                    "WITH ins AS (INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage} "
                    "ON CONFLICT DO NOTHING RETURNING sensor_id, ts) "
                    "SELECT count(*) FROM ins"
                ).format(table=sql.Identifier(RAW_TABLES[domain]), cols=cols, stage=stage)
            )
            found = await cur.fetchone()
        return int(found[0]) if found else 0

    async def _insert_letters(self, conn: AsyncConnection, letters: Sequence[Letter]) -> int:
        if not letters:
            return 0
        params = [_letter_params(item) for item in letters]
        async with conn.cursor() as cur:
            await cur.executemany(
                "INSERT INTO dead_letter (origin, reason, cause, field, message, mqtt_topic, "
                "city, domain, sensor_id, msg_id, payload, source, received_at) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (origin) DO NOTHING",
                params,
            )
        return len(params)

    async def maintain_partitions(self, today: date | None = None) -> int:
        """Create partitions from yesterday to PARTITIONS_AHEAD_DAYS ahead (idempotent)."""
        day = today or datetime.now(UTC).date()
        created = 0
        try:
            async with self._pool.connection() as conn, conn.transaction():
                for table in RAW_TABLES.values():
                    cur = await conn.execute(
                        "SELECT kota_ensure_partitions(%s::regclass, %s, %s)",
                        (
                            table,
                            day - timedelta(days=1),
                            day + timedelta(days=PARTITIONS_AHEAD_DAYS),
                        ),
                    )
                    found = await cur.fetchone()
                    created += int(found[0]) if found else 0
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreUnavailable(str(exc)) from exc
        return created


def _poison_letter(domain: Domain, row: Row, message: str) -> Letter:
    """A row the database refused, kept as JSON under its natural key."""
    columns = raw_columns(domain)
    record = dict(zip(columns, row, strict=True))
    payload = json.dumps(record, default=str, sort_keys=True).encode()
    origin = f"db:{RAW_TABLES[domain]}/{record['sensor_id']}/{row_time(row).isoformat()}"
    return Letter(
        origin,
        DeadLetter(
            reason=ReasonCode.POISON_RECORD,
            message=f"database refused the row: {message}",
            payload=payload,
            mqtt_topic=None,
            received_at=datetime.now(UTC),
            source="aggregator",
            msg_id=str(record["msg_id"]),
        ),
    )


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _letter_params(item: Letter) -> tuple[object, ...]:
    letter = item.letter
    city = domain = sensor = None
    if letter.mqtt_topic:
        parts = letter.mqtt_topic.split("/")
        if len(parts) == 4 and parts[0] == "kota":
            city, domain, sensor = parts[1], parts[2], parts[3]
    return (
        item.origin,
        letter.reason.value,
        letter.cause.value if letter.cause else None,
        letter.field,
        letter.message,
        letter.mqtt_topic,
        city,
        domain,
        sensor,
        letter.msg_id,
        letter.payload,
        letter.source,
        letter.received_at,
    )
