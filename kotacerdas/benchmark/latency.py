"""Publish → visible latency of every stored reading of a run.

Method (stated in every report): a reading becomes visible in the views when the
aggregator's batch transaction commits. Its raw row's ``ingested_at`` is that
transaction's start (``now()``), and the same transaction writes one ``pipeline_batch``
row whose ``ts`` is the same ``now()`` and whose ``write_s`` is the time the batch took to
write; so visible ≈ ingested_at + write_s (the commit itself, a few ms, is not in it).
Publish time is the simulator's ``sent_at`` (truth file, epoch seconds, same clock).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import psycopg

from kotacerdas.contract import DOMAINS

_VISIBLE = """
SELECT r.msg_id, extract(epoch FROM r.ingested_at),
       extract(epoch FROM r.ingested_at) + coalesce(b.write_s, 0)
  FROM {table} r
  LEFT JOIN (SELECT ts, max(write_s) AS write_s FROM pipeline_batch
              WHERE ts >= %(since)s GROUP BY ts) b ON b.ts = r.ingested_at
 WHERE r.ingested_at >= %(since)s"""


def visible_times(conninfo: str, since_epoch: float) -> dict[str, tuple[float, float]]:
    """msg_id → (epoch its batch began, epoch its row became visible), rows since then."""
    out: dict[str, tuple[float, float]] = {}
    with psycopg.connect(conninfo) as conn:
        since = conn.execute("SELECT to_timestamp(%s)", (since_epoch,)).fetchone()[0]
        for domain in DOMAINS:
            query = _VISIBLE.format(table=f"{domain}_reading")
            for msg_id, began, visible in conn.execute(query, {"since": since}):
                out[msg_id] = (float(began), float(visible))
    return out


def latencies(
    messages: Iterable[Mapping[str, Any]], visible: Mapping[str, tuple[float, float]]
) -> list[tuple[float, float]]:
    """(sent_at, latency s) of each valid message that is visible (pure)."""
    out = []
    for m in messages:
        if m.get("valid") and m["msg_id"] in visible:
            out.append((m["sent_at"], visible[m["msg_id"]][1] - m["sent_at"]))
    return out
