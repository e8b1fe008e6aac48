"""A city's event time when one Kafka partition lags: the one owner of that rule (pure).

A city's windows close on the newest event time its rollups show (``indicators.
progress``), less the allowed lateness. Its readings arrive on every partition that
carries one of its sensors (the key is the sensor id), and each partition is read at its
own pace: after a consumer restart or a rebalance, or on a hot partition, one of them can
be minutes of event time behind the others. Its sensors' readings are then still in
Kafka, and a clock taken from the other partitions would judge those sensors silent.

The rule:

- A partition is **behind** while Kafka holds records of it that are not stored yet: its
  end offset is past the offset stored with the newest batch from it (written in the
  batch's own transaction, ``stream_watermark.stored_offset``).
- A behind partition **holds back** every city it has carried (``partition_city``) to the
  newest event time stored from it. A city's newest event time is the earliest of its
  rollups' newest and the holds on it; the lateness is applied after, as before.
- **Idle rule**: a partition whose records are all stored holds nothing back, however old
  its newest record. Nothing of it is in flight, so a sensor that went quiet on it is
  quiet, not late, and is judged on the clock of the rest of its city.
- A partition that has never stored a record has carried no city yet, so it holds none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

TopicPartition = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Stored:
    """What the database holds of one partition."""

    newest_ts: datetime
    next_offset: int | None
    """The offset after the newest stored record (None: not recorded yet)."""


def behind(
    stored: Mapping[TopicPartition, Stored], ends: Mapping[TopicPartition, int]
) -> set[TopicPartition]:
    """Partitions with records in Kafka that are not stored yet."""
    late: set[TopicPartition] = set()
    for tp, end in ends.items():
        known = stored.get(tp)
        # not recorded (a row from before migration 013): unknown, so it holds nothing
        if known is not None and known.next_offset is not None and end > known.next_offset:
            late.add(tp)
    return late


def holds(
    carried: Iterable[tuple[str, int, str]],
    stored: Mapping[TopicPartition, Stored],
    lagging: set[TopicPartition],
) -> dict[str, datetime]:
    """Per city held back: the earliest newest-stored event time of its lagging partitions."""
    held: dict[str, datetime] = {}
    for topic, partition, city in carried:
        tp = (topic, partition)
        if tp in lagging:
            ts = stored[tp].newest_ts
            held[city] = min(held.get(city, ts), ts)
    return held


def held_newest(
    newest: Mapping[str, datetime], held: Mapping[str, datetime]
) -> dict[str, datetime]:
    """Each city's newest 1-minute bucket, no later than the minute of its hold."""
    capped = dict(newest)
    for city, ts in held.items():
        if city in capped:
            capped[city] = min(capped[city], ts.replace(second=0, microsecond=0))
    return capped
