"""Corrections: a reading with a higher revision replaces the stored one (issue 21).

The rule (kotacerdas/contract.py, "Corrections"; aggregator/README.md): for the natural
key ``(sensor_id, ts)`` the stored revision is the highest ``new_revision`` in
``reading_correction`` (migration 011), or 0 when a row exists without one. A reading
whose revision is not higher, or whose values equal the stored ones, is a duplicate.
A higher one, inside the batch
transaction (``Store.write``, after the plain inserts, in arrival order):
  1. locks the stored row (``FOR UPDATE``) and reads its revision;
  2. replaces it whole (or inserts it when nothing is stored yet);
  3. writes the audit row: who, when, old values (NULL if none), new values;
  4. marks its 1-minute window in ``rollup_dirty``, like a late reading, so rollups,
     indicators (``indicator_dirty``) and alerts are revised the same way.
Corrections are rare, so this is one statement each, not a COPY.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from psycopg import AsyncConnection, sql
from psycopg.types.json import Jsonb

from aggregator.batch import Correction
from aggregator.rows import RAW_TABLES, raw_columns

_CURRENT = (
    "SELECT max(new_revision) FROM reading_correction "
    "WHERE domain = %s AND sensor_id = %s AND ts = %s"
)
_AUDIT = (
    "INSERT INTO reading_correction (domain, sensor_id, ts, msg_id, old_revision, "
    "new_revision, old_values, new_values, corrected_by) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
_MARK = (
    "INSERT INTO rollup_dirty (domain, sensor_id, bucket) "
    "VALUES (%s, %s, date_trunc('minute', %s::timestamptz)) "
    "ON CONFLICT (domain, sensor_id, bucket) DO UPDATE SET bucket = EXCLUDED.bucket"
)


@dataclass
class CorrectionResult:
    applied: int = 0
    duplicates: int = 0


# What a correction may change; msg_id and seq identify a message, not a value.
_IDENTITY = frozenset({"sensor_id", "ts", "msg_id", "seq", "city", "source_format"})


def _same(old: dict[str, object] | None, new: dict[str, object]) -> bool:
    """A correction whose values are those stored changes nothing (a re-sent correction,
    a replayed letter): it is a duplicate, and the revision stays."""
    if old is None:
        return False
    return all(old.get(k) == v for k, v in new.items() if k not in _IDENTITY)


def _jsonable(values: dict[str, object]) -> dict[str, object]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()}


async def apply_corrections(
    conn: AsyncConnection, corrections: Sequence[Correction]
) -> CorrectionResult:
    """Apply ``corrections`` in order inside the caller's transaction (steps above)."""
    result = CorrectionResult()
    for item in corrections:
        columns = raw_columns(item.domain)
        values = dict(zip(columns, item.row, strict=True))
        table = sql.Identifier(RAW_TABLES[item.domain])
        key = (values["sensor_id"], values["ts"])
        async with conn.cursor() as cur:
            # 1. the stored row and its revision
            await cur.execute(
                sql.SQL(
                    "SELECT to_jsonb(r) - 'ingested_at' FROM {} r "
                    "WHERE sensor_id = %s AND ts = %s FOR UPDATE"
                ).format(table),
                key,
            )
            found = await cur.fetchone()
            old = found[0] if found else None
            await cur.execute(_CURRENT, (item.domain, *key))
            audited = await cur.fetchone()
            current = audited[0] if audited and audited[0] is not None else None
            stored = current if current is not None else (0 if old is not None else -1)
            if item.revision <= stored or _same(old, values):
                result.duplicates += 1
                continue
            # 2. replace whole, or insert
            cols = sql.SQL(", ").join(map(sql.Identifier, columns))
            marks = sql.SQL(", ").join(sql.Placeholder() * len(columns))
            if old is None:
                await cur.execute(
                    sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT DO NOTHING").format(
                        table, cols, marks
                    ),
                    item.row,
                )
            else:
                rest = [c for c in columns if c not in ("sensor_id", "ts")]
                assignments = sql.SQL(", ").join(
                    sql.SQL("{} = %s").format(sql.Identifier(c)) for c in rest
                )
                await cur.execute(
                    sql.SQL("UPDATE {} SET {} WHERE sensor_id = %s AND ts = %s").format(
                        table, assignments
                    ),
                    (*(values[c] for c in rest), *key),
                )
            # 3. the audit row
            await cur.execute(
                _AUDIT,
                (
                    item.domain,
                    *key,
                    values["msg_id"],
                    None if old is None else max(stored, 0),
                    item.revision,
                    None if old is None else Jsonb(old),
                    Jsonb(_jsonable(values)),
                    item.actor,
                ),
            )
            # 4. the window, revised like late data
            await cur.execute(_MARK, (item.domain, *key))
        result.applied += 1
    return result
