"""The API's database shell: a bounded pool of ``kota_reader`` connections.

Every query runs in a read-only transaction with a statement timeout, so one slow
query cannot hold a connection for longer than :attr:`ApiSettings.statement_timeout_ms`;
a client waits at most ``pool_timeout_s`` for a connection. Foreign errors are
translated here: an unreachable database or an exhausted pool becomes
:class:`DatabaseUnavailable` (503), a cancelled statement :class:`QueryTimeout` (503),
a value PostgreSQL refuses (a date out of its range) :class:`InvalidParameters` (400).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import ConnectionPool, PoolTimeout

from kotacerdas.api.problems import DatabaseUnavailable, InvalidParameters, QueryTimeout
from kotacerdas.api.queries import Query

#: Rows per round trip of a streamed download's server-side cursor.
STREAM_BATCH = 2000


class Store:
    def __init__(
        self,
        conninfo: str,
        min_size: int,
        max_size: int,
        pool_timeout_s: float,
        statement_timeout_ms: int,
    ) -> None:
        self._timeout = pool_timeout_s
        self._pool = ConnectionPool(
            conninfo,
            min_size=min_size,
            max_size=max_size,
            open=False,
            kwargs={
                "autocommit": False,
                "options": f"-c statement_timeout={statement_timeout_ms} "
                "-c default_transaction_read_only=on",
                "application_name": "kotacerdas-api",
            },
            name="kota-api",
        )
        self._opened = False

    def open(self) -> None:
        """Start the pool without waiting: the API starts while the database is down
        (``/readyz`` says so) and serves as soon as it is back."""
        if not self._opened:
            self._pool.open(wait=False)
            self._opened = True

    def close(self) -> None:
        if self._opened:
            self._pool.close()
            self._opened = False

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        self.open()
        try:
            with self._pool.connection(timeout=self._timeout) as conn:
                yield conn
        except PoolTimeout:
            raise DatabaseUnavailable(
                f"no database connection within {self._timeout} s", headers={"Retry-After": "5"}
            ) from None
        except pg_errors.QueryCanceled:
            raise QueryTimeout(
                "the query exceeded the statement timeout; narrow the time range"
            ) from None
        except (pg_errors.DataError, pg_errors.InvalidDatetimeFormat) as exc:
            raise InvalidParameters(
                f"the database refused a value: {exc.diag.message_primary}"
            ) from None
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(
                f"database unavailable: {type(exc).__name__}", headers={"Retry-After": "5"}
            ) from None

    def fetch(self, query: Query) -> list[tuple[Any, ...]]:
        with self._connection() as conn:
            return conn.execute(query.sql, query.params).fetchall()  # type: ignore[arg-type]

    def stream(self, query: Query) -> Iterator[tuple[Any, ...]]:
        """Rows through a server-side cursor, :data:`STREAM_BATCH` per round trip."""
        with self._connection() as conn, conn.cursor(name="kota_api_download") as cur:
            cur.itersize = STREAM_BATCH
            cur.execute(query.sql, query.params)  # type: ignore[arg-type]
            yield from cur

    def ping(self) -> tuple[bool, str]:
        try:
            self.fetch(Query("SELECT 1"))
        except (DatabaseUnavailable, QueryTimeout) as exc:
            return False, exc.detail
        return True, "database reachable"
