"""How far each city's data is complete in the rollups: the indicator job's clock (pure).

The job closes a city's windows on the newest event time its rollups show, less the
allowed lateness (DESIGN.md "Late and out-of-order data"). The rollups of the three
domains do not become visible together: the rollup job commits air, then traffic, then
waste, one transaction each (``rollups.py``), and each domain arrives on its own Kafka
topic. Taking the newest bucket over all domains therefore ran ahead of a domain whose
minutes were still in flight: the windows went final without them, every sensor of that
domain looked silent (3 intervals are 3 minutes of traffic; at the simulator's hundreds
of times real speed, one rollup cycle is several), its ``silent_sensor`` alerts opened,
and the next cycle withdrew them all as ``revised`` (a city's open alerts read 107, then
0). A lagging stream must hold the clock back; it must never make sensors look silent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

_BUCKET = timedelta(minutes=1)


def city_progress(seen: Mapping[str, datetime], pending: Mapping[str, datetime]) -> datetime | None:
    """The newest 1-minute bucket up to which every domain of one city is complete.

    ``seen``: per domain, the newest bucket whose rollups are committed (``sensor_state``);
    ``pending``: per domain, the *earliest in-flight* bucket, a dirty minute of a sensor
    newer than that sensor's own committed progress (``rollup_dirty``), read in the same
    snapshot. A domain with a minute in flight is complete only before it, and never
    beyond what it shows: a sensor whose newest minutes are still being rolled up must
    not look silent because other sensors of its domain are ahead (a Kafka partition
    that was held back delivers exactly that). Minutes older than their sensor's own
    progress are late data: revisions, not in flight, so they hold nothing back. A
    domain with nothing in flight holds nothing back either: its quiet sensors are quiet,
    not late, and a dark domain cannot stop the city. A domain in flight before anything
    of it was shown: None (wait)."""
    if not seen:
        return None
    newest = max(seen.values())
    for domain, earliest in pending.items():
        shown = seen.get(domain)
        if shown is None:
            return None
        newest = min(newest, shown, earliest - _BUCKET)
    return newest


def city_as_of(newest: dict[str, datetime], city: str, silence: timedelta) -> datetime | None:
    """The end of the city's newest data (None: no data yet), from each city's newest
    1-minute bucket. A city that went dark stops its own event time; the others' keeps
    going. Past ``silence`` (KOTA_AGG_CITY_SILENCE_S) behind them, its windows are closed
    on their clock, so its silent sensors (all of them) are seen and alerted."""
    floor = max(newest.values(), default=None)
    if city not in newest or floor is None:
        return None
    return max(newest[city], floor - silence) + _BUCKET
