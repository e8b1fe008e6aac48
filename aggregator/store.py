"""PostgreSQL side of the aggregator: one transaction per batch, COPY → staging → upsert.

``write`` is the unit of durability. In ONE transaction it stores:
  1. the raw rows (COPY into a temporary staging table, then ``INSERT … SELECT … ON
     CONFLICT DO NOTHING`` on the natural key (sensor_id, ts): replays are no-ops);
  2. the 1-minute windows those rows touched, into the ``rollup_dirty`` work list;
  3. the corrections (readings with a higher revision replace the stored ones, with an
     audit row: ``aggregator/corrections.py``), then the dead letters (keyed by origin:
     stored once);
  4. the watermark per Kafka partition and one ``pipeline_batch`` health row.
Only then may the caller commit Kafka offsets. A lost connection raises
``StoreUnavailable`` (the caller pauses and retries the same batch); rows the database
refuses are isolated by splitting and stored as ``poison_record`` dead letters.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import psycopg
from psycopg import AsyncConnection, sql
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from aggregator.batch import Batch, Letter
from aggregator.corrections import apply_corrections
from aggregator.letters import INSERT_LETTER, letter_params, poison_letter
from aggregator.rollup_sql import GRAINS
from aggregator.rollup_sql import table as rollup_table
from aggregator.rows import RAW_TABLES, Row, raw_columns, row_time
from aggregator.watermark import Stored
from kotacerdas.contract import DOMAINS, Domain

log = logging.getLogger("kota.aggregator.store")

# Days of partitions kept ready ahead of today (no insert waits on DDL in steady state).
PARTITIONS_AHEAD_DAYS = 7
# Time-partitioned tables besides the per-domain raw and rollup tables.
OTHER_TIME_TABLES = ("indicator", "pipeline_batch")

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
    corrected: int = 0
    poison: list[tuple[Domain, Row, str]] = field(default_factory=list)


@dataclass(frozen=True)
class BatchHealth:
    """Who wrote a batch and how far behind it was (for the ``pipeline_batch`` row)."""

    consumer: str
    lag: int


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0–1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def domain_tables(domain: Domain) -> list[str]:
    return [RAW_TABLES[domain], *(rollup_table(domain, g.name) for g in GRAINS)]


class Store:
    def __init__(self, conninfo: str, allowed_lateness: timedelta, pool_timeout_s: float = 5.0):
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
        self._lateness = allowed_lateness
        self._partitions: set[tuple[str, date]] = set()
        self._carried: set[tuple[str, int, str]] = set()  # partition_city rows known stored

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

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection]:
        """A pooled connection for the periodic jobs; outages become StoreUnavailable."""
        try:
            async with self._pool.connection() as conn:
                yield conn
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise StoreUnavailable(_first_line(exc)) from exc

    async def ping(self) -> str | None:
        """None if the database answers with our schema (a function of migration 001)."""
        try:
            async with self._pool.connection(timeout=2) as conn:
                await conn.execute("SELECT kota_has_timescale()")
            return None
        except (psycopg.Error, PoolTimeout) as exc:
            return _first_line(exc)

    # --- the batch transaction --------------------------------------------------------
    async def write(self, batch: Batch, health: BatchHealth) -> WriteResult:
        result = WriteResult()
        started = time.perf_counter()
        async with self.connection() as conn, conn.transaction():
            await self._ensure_partitions(conn, batch)
            for domain in DOMAINS:
                if batch.rows[domain]:
                    await self._insert_isolating(conn, domain, batch.rows[domain], result)
            for domain in DOMAINS:
                corrections = [c for c in batch.corrections if c.domain == domain]
                if corrections:
                    fixed = await apply_corrections(conn, corrections)
                    result.corrected += fixed.applied
                    result.duplicates[domain] += fixed.duplicates
            letters = [*batch.letters, *(poison_letter(*p) for p in result.poison)]
            result.letters = await self._insert_letters(conn, letters)
            await self._advance_watermarks(conn, batch)
            carried = batch.carried - self._carried
            await self._note_carried(conn, carried)
            await self._record_health(conn, batch, result, health, started)
        self._carried |= carried  # only once committed: a rolled-back batch wrote nothing
        return result

    async def _ensure_partitions(self, conn: AsyncConnection, batch: Batch) -> None:
        for domain in DOMAINS:
            rows = [*batch.rows[domain], *(c.row for c in batch.corrections if c.domain == domain)]
            days = {row_time(r).astimezone(UTC).date() for r in rows}
            for table in domain_tables(domain):
                missing = sorted(d for d in days if (table, d) not in self._partitions)
                if missing:
                    await self._create_partitions(conn, table, missing[0], missing[-1])

    async def _create_partitions(
        self, conn: AsyncConnection, table: str, first: date, last: date
    ) -> int:
        cur = await conn.execute(
            "SELECT kota_ensure_partitions(%s::regclass, %s, %s)", (table, first, last)
        )
        found = await cur.fetchone()
        self._partitions.update(
            (table, first + timedelta(days=i)) for i in range((last - first).days + 1)
        )
        return int(found[0]) if found else 0

    async def _insert_isolating(
        self, conn: AsyncConnection, domain: Domain, rows: Sequence[Row], result: WriteResult
    ) -> None:
        """Insert ``rows``; if the database refuses one, split until it is found."""
        try:
            async with conn.transaction():  # a savepoint: a refusal undoes only this part
                inserted = await self._insert(conn, domain, rows)
        except (psycopg.DataError, psycopg.IntegrityError) as exc:
            if len(rows) == 1:
                result.poison.append((domain, rows[0], exc.diag.message_primary or str(exc)))
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
        # Every new row marks its 1-minute window for the rollup job (both backends). A
        # window already dirty is locked (a no-op update), not skipped: the rollup job then
        # cannot claim it and recompute it without these rows before they commit (it
        # skips locked windows, or this waits for its claim and marks the window anew).
        mark = sql.SQL(
            ", dirty AS (INSERT INTO rollup_dirty (domain, sensor_id, bucket) "
            "SELECT DISTINCT {domain}, sensor_id, date_trunc('minute', ts) FROM ins "
            "ORDER BY 2, 3 "  # one lock order for every writer: no deadlock between them
            "ON CONFLICT (domain, sensor_id, bucket) DO UPDATE SET bucket = EXCLUDED.bucket)"
        ).format(domain=sql.Literal(domain))
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
                    "ON CONFLICT DO NOTHING RETURNING sensor_id, ts){mark} "
                    "SELECT count(*) FROM ins"
                ).format(
                    table=sql.Identifier(RAW_TABLES[domain]), cols=cols, stage=stage, mark=mark
                )
            )
            found = await cur.fetchone()
        return int(found[0]) if found else 0

    async def _insert_letters(self, conn: AsyncConnection, letters: Sequence[Letter]) -> int:
        if letters:
            async with conn.cursor() as cur:
                await cur.executemany(INSERT_LETTER, [letter_params(item) for item in letters])
        return len(letters)

    async def _advance_watermarks(self, conn: AsyncConnection, batch: Batch) -> None:
        """Watermarks and stored offsets only move forward: a replayed batch cannot pull
        one back. The stored offset moves for every partition of the batch, also one that
        brought only dead letters (aggregator/watermark.py: "behind")."""
        if batch.newest:
            async with conn.cursor() as cur:
                await cur.executemany(
                    "INSERT INTO stream_watermark AS w "
                    "(topic, partition, newest_ts, watermark, stored_offset) "
                    "VALUES (%(t)s, %(p)s, %(n)s, %(n)s - %(late)s, %(o)s) "
                    "ON CONFLICT (topic, partition) DO UPDATE SET "
                    "newest_ts = greatest(w.newest_ts, EXCLUDED.newest_ts), "
                    "watermark = greatest(w.watermark, EXCLUDED.watermark), "
                    "stored_offset = greatest(w.stored_offset, EXCLUDED.stored_offset), "
                    "updated_at = now()",
                    [
                        {"t": t, "p": p, "n": newest, "late": self._lateness,
                         "o": batch.offsets.get((t, p))}
                        for (t, p), newest in batch.newest.items()
                    ],
                )  # fmt: skip
        others = [(t, p, o) for (t, p), o in batch.offsets.items() if (t, p) not in batch.newest]
        if others:
            async with conn.cursor() as cur:
                await cur.executemany(
                    "UPDATE stream_watermark SET stored_offset = greatest(stored_offset, %s) "
                    "WHERE topic = %s AND partition = %s",
                    [(o, t, p) for t, p, o in others],
                )

    @staticmethod
    async def _note_carried(conn: AsyncConnection, carried: set[tuple[str, int, str]]) -> None:
        if carried:
            async with conn.cursor() as cur:
                await cur.executemany(
                    "INSERT INTO partition_city (topic, partition, city) VALUES (%s, %s, %s) "
                    "ON CONFLICT DO NOTHING",
                    sorted(carried),
                )

    async def partition_progress(
        self,
    ) -> tuple[dict[tuple[str, int], Stored], list[tuple[str, int, str]]]:
        """What is stored of each partition, and which cities each has carried."""
        async with self.connection() as conn:
            cur = await conn.execute(
                "SELECT topic, partition, newest_ts, stored_offset FROM stream_watermark"
            )
            stored = {(t, p): Stored(ts, o) for t, p, ts, o in await cur.fetchall()}
            cur = await conn.execute("SELECT topic, partition, city FROM partition_city")
            carried = [(str(t), int(p), str(c)) for t, p, c in await cur.fetchall()]
            await conn.commit()
        return stored, carried

    async def _record_health(
        self,
        conn: AsyncConnection,
        batch: Batch,
        result: WriteResult,
        health: BatchHealth,
        started: float,
    ) -> None:
        # Bridge receive → this commit (a few ms later): the end-to-end latency of the
        # pipeline as an operator sees it.
        now = datetime.now(UTC)
        latencies = [(now - received).total_seconds() for received in batch.received]
        await conn.execute(
            "INSERT INTO pipeline_batch (consumer, records, air, traffic, waste, duplicates, "
            "letters, lag, latency_p50_s, latency_p99_s, write_s) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                health.consumer,
                batch.records,
                result.inserted["air"],
                result.inserted["traffic"],
                result.inserted["waste"],
                sum(result.duplicates.values()),
                result.letters,
                health.lag,
                percentile(latencies, 0.5),
                percentile(latencies, 0.99),
                time.perf_counter() - started,
            ),
        )

    async def apply_retention(self, days: int) -> int:
        """Drop what is older than ``days`` (migration 006); returns partitions dropped."""
        async with self.connection() as conn, conn.transaction():
            cur = await conn.execute("SELECT kota_apply_retention(%s)", (days,))
            found = await cur.fetchone()
        return int(found[0]) if found else 0

    async def apply_compression(self) -> int:
        """TimescaleDB: compress raw chunks older than 7 days (migration 012, without the
        job scheduler); returns chunks compressed. Plain PostgreSQL: 0."""
        async with self.connection() as conn, conn.transaction():
            cur = await conn.execute("SELECT kota_apply_compression()")
            found = await cur.fetchone()
        return int(found[0]) if found else 0

    async def failed_policies(self) -> list[tuple[int, str, str, str | None]]:
        """``(job id, policy, hypertable, last error)`` of the schema owner's TimescaleDB
        policies whose last scheduled run failed (none on plain PostgreSQL)."""
        async with self.connection() as conn:
            cur = await conn.execute("SELECT * FROM kota_failed_policies()")
            return [(int(j), str(p), str(t), e) for j, p, t, e in await cur.fetchall()]

    async def maintain_partitions(self, today: date | None = None) -> int:
        """Partitions from yesterday to PARTITIONS_AHEAD_DAYS ahead, every time table."""
        day = today or datetime.now(UTC).date()
        first, last = day - timedelta(days=1), day + timedelta(days=PARTITIONS_AHEAD_DAYS)
        tables = [t for d in DOMAINS for t in domain_tables(d)] + list(OTHER_TIME_TABLES)
        async with self.connection() as conn, conn.transaction():
            return sum([await self._create_partitions(conn, t, first, last) for t in tables])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
