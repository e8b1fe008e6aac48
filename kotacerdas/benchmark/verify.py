"""The database side of the soak's proof: what was stored, dead-lettered and rolled up.

Scope: the simulated sensors and the run's event-time window (whole UTC days, so every
1-minute, 1-hour and 1-day window in it is complete). The rollups are checked against an
independent recomputation from the raw rows (written here from the metric catalogue, not
taken from the aggregator's SQL): windows only in the table, windows only in the
recomputation, and windows whose values differ (means and sums beyond 1e-6 relative,
min/max/counts at all) must all be zero.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta

import psycopg
from psycopg import sql

from aggregator.rollup_sql import GRAINS, TRAFFIC_SUMS, value_columns
from kotacerdas.benchmark.reconcile import StoredLetter
from kotacerdas.contract import DOMAINS, METRICS, Domain

_UNIT = {"1m": "minute", "1h": "hour", "1d": "day"}
TOLERANCE = 1e-6


def day_range(first: datetime, last: datetime) -> tuple[datetime, datetime]:
    """Whole UTC days around [first, last]."""
    lo = first.replace(hour=0, minute=0, second=0, microsecond=0)
    hi = last.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return lo, hi


def clear_window(owner: str, sensors: Sequence[str], lo: datetime, hi: datetime) -> int:
    """Delete earlier rows of ``sensors`` in [lo, hi) (a reused stack), as the owner."""
    removed = 0
    with psycopg.connect(owner, autocommit=True) as conn:
        for domain in DOMAINS:
            tables = [f"{domain}_reading", *(f"{domain}_rollup_{g.name}" for g in GRAINS)]
            for table in tables:
                cur = conn.execute(
                    sql.SQL(
                        "DELETE FROM {} WHERE sensor_id = ANY(%s) AND ts >= %s AND ts < %s"
                    ).format(sql.Identifier(table)),
                    (list(sensors), lo, hi),
                )
                removed += cur.rowcount if table.endswith("_reading") else 0
    return removed


def stored_counts(
    conninfo: str, sensors: Sequence[str], lo: datetime, hi: datetime
) -> dict[str, int]:
    """msg_id → number of raw rows holding it (the simulated sensors, [lo, hi))."""
    counts: dict[str, int] = {}
    with psycopg.connect(conninfo) as conn:
        for domain in DOMAINS:
            q = sql.SQL(
                "SELECT msg_id, count(*) FROM {} WHERE sensor_id = ANY(%s) AND ts >= %s "
                "AND ts < %s GROUP BY msg_id"
            ).format(sql.Identifier(f"{domain}_reading"))
            for msg_id, n in conn.execute(q, (list(sensors), lo, hi)):
                counts[msg_id] = counts.get(msg_id, 0) + n
    return counts


def rows_in_scope(conninfo: str, sensors: Sequence[str], lo: datetime, hi: datetime) -> int:
    with psycopg.connect(conninfo) as conn:
        total = 0
        for domain in DOMAINS:
            q = sql.SQL(
                "SELECT count(*) FROM {} WHERE sensor_id = ANY(%s) AND ts >= %s AND ts < %s"
            ).format(sql.Identifier(f"{domain}_reading"))
            total += conn.execute(q, (list(sensors), lo, hi)).fetchone()[0]
        return total


def letters_since(conninfo: str, sensors: Sequence[str], since: datetime) -> list[StoredLetter]:
    """Dead letters received since ``since`` on the topics of ``sensors``."""
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT reason, cause, msg_id, mqtt_topic, payload FROM dead_letter "
            "WHERE received_at >= %s AND sensor_id = ANY(%s)",
            (since, list(sensors)),
        ).fetchall()
    return [StoredLetter(r[0], r[1], r[2], r[3], bytes(r[4])) for r in rows]


def wait_rollups_done(conninfo: str, timeout_s: float = 120) -> bool:
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while time.monotonic() < deadline:
            if conn.execute("SELECT count(*) FROM rollup_dirty").fetchone()[0] == 0:
                return True
            time.sleep(0.5)
    return False


def _recompute_exprs(domain: Domain) -> list[str]:
    exprs: list[str] = []
    for m in METRICS[domain]:
        exprs += [f"avg({m})", f"min({m})", f"max({m})", f"count({m})::integer"]
    if domain == "traffic":
        exprs += [f"sum({m})" for m in TRAFFIC_SUMS]
        exprs += ["sum(interval_s)::double precision"]
    return exprs


def _same(column: str) -> str:
    if column.endswith(("_avg", "_sum")) or column == "observed_s":
        return (
            f"((re.{column} IS NULL) = (st.{column} IS NULL) AND coalesce(abs(re.{column} - "
            f"st.{column}) <= {TOLERANCE} * greatest(1, abs(re.{column})), true))"
        )
    return f"(re.{column} IS NOT DISTINCT FROM st.{column})"


def rollup_check_sql(domain: Domain, grain: str) -> str:
    columns = [c for c, _ in value_columns(domain)]
    recomputed = ", ".join(
        f"{e} AS {c}" for e, c in zip(_recompute_exprs(domain), columns, strict=True)
    )
    same = " AND ".join([_same("samples"), *(_same(c) for c in columns)])
    return f"""
WITH re AS (
    SELECT sensor_id, date_trunc('{_UNIT[grain]}', ts) AS ts, count(*)::integer AS samples,
           {recomputed}
      FROM {domain}_reading
     WHERE sensor_id = ANY(%(sensors)s) AND ts >= %(lo)s AND ts < %(hi)s
     GROUP BY 1, 2),
st AS (
    SELECT * FROM {domain}_rollup_{grain}
     WHERE sensor_id = ANY(%(sensors)s) AND ts >= %(lo)s AND ts < %(hi)s)
SELECT count(*) FILTER (WHERE re.sensor_id IS NULL) AS only_table,
       count(*) FILTER (WHERE st.sensor_id IS NULL) AS only_recomputed,
       count(*) FILTER (WHERE re.sensor_id IS NOT NULL AND st.sensor_id IS NOT NULL
                          AND NOT ({same})) AS different,
       count(*) AS windows
  FROM re FULL JOIN st ON re.sensor_id = st.sensor_id AND re.ts = st.ts"""


def rollup_mismatches(
    conninfo: str, sensors: Sequence[str], lo: datetime, hi: datetime
) -> dict[str, dict[str, int]]:
    """Per rollup table: windows only in it, only recomputed, different; and how many."""
    out: dict[str, dict[str, int]] = {}
    params = {"sensors": list(sensors), "lo": lo, "hi": hi}
    with psycopg.connect(conninfo) as conn:
        conn.execute("SET TIME ZONE 'UTC'")
        for domain in DOMAINS:
            for grain in GRAINS:
                row = conn.execute(rollup_check_sql(domain, grain.name), params).fetchone()
                out[f"{domain}_rollup_{grain.name}"] = dict(
                    zip(("only_table", "only_recomputed", "different", "windows"), row, strict=True)
                )
    return out
