"""The ``dead_letter`` table as the replay command reads it, and its replay record (011)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from psycopg import AsyncConnection, sql

from ingest.redrive import StoredLetter

_LATEST = (
    "LEFT JOIN LATERAL (SELECT outcome, replayed_at FROM dead_letter_replay p "
    "WHERE p.letter_id = d.id ORDER BY replayed_at DESC, id DESC LIMIT 1) r ON true"
)


@dataclass(frozen=True)
class LetterFilter:
    """Which letters: every given criterion must hold (an empty filter takes all)."""

    reasons: Sequence[str] = ()
    ids: Sequence[int] = ()
    city: str | None = None
    sensor: str | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    # Letters whose latest replay forwarded them are skipped unless this is set.
    include_forwarded: bool = True
    limit: int | None = None

    def where(self) -> tuple[sql.Composable, list[object]]:
        parts: list[sql.Composable] = [sql.SQL("true")]
        params: list[object] = []
        checks: list[tuple[str, object]] = [
            ("d.reason = ANY(%s)", list(self.reasons) or None),
            ("d.id = ANY(%s)", list(self.ids) or None),
            ("d.city = %s", self.city),
            ("d.sensor_id = %s", self.sensor),
            ("d.source = %s", self.source),
            ("d.received_at >= %s", self.since),
            ("d.received_at < %s", self.until),
        ]
        for text, value in checks:
            if value is not None:
                parts.append(sql.SQL(text))  # type: ignore[arg-type]
                params.append(value)
        if not self.include_forwarded:
            parts.append(sql.SQL("r.outcome IS DISTINCT FROM 'forwarded'"))
        return sql.SQL(" AND ").join(parts), params


@dataclass
class ListedLetter:
    letter: StoredLetter
    message: str
    city: str | None
    sensor_id: str | None
    last_outcome: str | None
    last_replayed_at: datetime | None
    cause: str | None = None
    msg_id: str | None = None
    history: list[tuple[object, ...]] = field(default_factory=list)


_COLUMNS = (
    "d.id, d.origin, d.reason, d.field, d.mqtt_topic, d.payload, d.source, d.received_at, "
    "d.message, d.city, d.sensor_id, r.outcome, r.replayed_at, d.cause, d.msg_id"
)


async def select_letters(conn: AsyncConnection, chosen: LetterFilter) -> list[ListedLetter]:
    where, params = chosen.where()
    query = sql.SQL("SELECT {} FROM dead_letter d {} WHERE {} ORDER BY d.id{}").format(
        sql.SQL(_COLUMNS),
        sql.SQL(_LATEST),
        where,
        sql.SQL(f" LIMIT {int(chosen.limit)}") if chosen.limit else sql.SQL(""),
    )
    cur = await conn.execute(query, params)
    return [_listed(row) for row in await cur.fetchall()]


async def replay_history(conn: AsyncConnection, letter_id: int) -> list[tuple[object, ...]]:
    cur = await conn.execute(
        "SELECT replayed_at, replayed_by, outcome, reason, message, readings "
        "FROM dead_letter_replay WHERE letter_id = %s ORDER BY replayed_at, id",
        (letter_id,),
    )
    return list(await cur.fetchall())


async def record_outcomes(
    conn: AsyncConnection, outcomes: Sequence[tuple[int, str, str, str | None, str | None, int]]
) -> None:
    """(letter_id, replayed_by, outcome, reason, message, readings) rows, one transaction."""
    if not outcomes:
        return
    async with conn.transaction(), conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO dead_letter_replay (letter_id, replayed_by, outcome, reason, message, "
            "readings) VALUES (%s, %s, %s, %s, %s, %s)",
            outcomes,
        )


async def stored_revision(conn: AsyncConnection, domain: str, sensor_id: str, ts: datetime) -> int:
    """The revision of what is stored for (sensor_id, ts): 0 unless corrected (011)."""
    cur = await conn.execute(
        "SELECT coalesce(max(new_revision), 0) FROM reading_correction "
        "WHERE domain = %s AND sensor_id = %s AND ts = %s",
        (domain, sensor_id, ts),
    )
    found = await cur.fetchone()
    return int(found[0]) if found else 0


def _listed(row: tuple[object, ...]) -> ListedLetter:
    (id_, origin, reason, field_, topic, payload, source, received, message, city, sensor) = row[
        :11
    ]
    outcome, replayed_at, cause, msg_id = row[11:15]
    return ListedLetter(
        letter=StoredLetter(
            id=int(id_),  # type: ignore[call-overload]
            origin=str(origin),
            reason=str(reason),
            field=field_,  # type: ignore[arg-type]
            mqtt_topic=topic,  # type: ignore[arg-type]
            payload=bytes(payload),  # type: ignore[arg-type]
            source=str(source),
            received_at=received,  # type: ignore[arg-type]
        ),
        message=str(message),
        city=city,  # type: ignore[arg-type]
        sensor_id=sensor,  # type: ignore[arg-type]
        last_outcome=outcome,  # type: ignore[arg-type]
        last_replayed_at=replayed_at,  # type: ignore[arg-type]
        cause=cause,  # type: ignore[arg-type]
        msg_id=msg_id,  # type: ignore[arg-type]
    )
