"""The indicator series the alert rules read: from the database, or kept between cycles.

Every cycle re-derives each rule's episodes from the last hours of its indicator (so late
data can change them). Reading those hours again every cycle was a fifth of a cycle; but
the indicator job itself wrote every window that changed since its last read, so it can
keep the series in memory: ``SeriesCache`` reads a series once and then takes each
window the job writes (``note_written``), which replaces that window's points.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import takewhile

from psycopg import AsyncConnection

from aggregator.alerts.lifecycle import Point
from aggregator.alerts.rules import Rule
from aggregator.indicators.model import WINDOW, IndicatorRow, place_key

_SCOPE = {
    "sensor": "sensor_id <> ''",
    "district": "sensor_id = '' AND district <> ''",
    "city": "sensor_id = '' AND district = ''",
}


def _scope_of(row: IndicatorRow) -> str:
    return "sensor" if row.sensor_id else "district" if row.district else "city"


async def read_series(
    conn: AsyncConnection,
    city: str,
    rule: Rule,
    start: datetime,
    end: datetime | None,
) -> dict[str, list[Point]]:
    """The rule's indicator values per place from ``start`` (to ``end``), by time."""
    until = "AND ts < %s " if end is not None else ""
    cur = await conn.execute(
        f"SELECT district, sensor_id, ts, value FROM indicator "
        f"WHERE city = %s AND code = %s AND window_s = %s AND ts >= %s {until}"
        f"AND {_SCOPE[rule.scope]} AND value IS NOT NULL ORDER BY ts",
        (city, rule.indicator, int(WINDOW.total_seconds()), start)
        + ((end,) if end is not None else ()),
    )
    out: dict[tuple[str, str], list[Point]] = defaultdict(list)
    for district, sensor, ts, value in await cur.fetchall():
        out[district, sensor].append(Point(ts, value))
    return {place_key(city, *key): points for key, points in out.items()}


@dataclass
class _Kept:
    since: datetime  # the points mirror the table from here on
    # place → window start → point, in time order (what the rules read, built once)
    points: dict[str, dict[datetime, Point]] = field(default_factory=dict)


class SeriesCache:
    """Each city's rule series, as the indicator job wrote them (see the module doc).
    ``history`` more than the rules' horizon is kept, so that re-deriving the episodes
    after a recent window was revised (late data) reads nothing either."""

    def __init__(self, history: timedelta) -> None:
        self.history = history
        self._kept: dict[tuple[str, str, str], _Kept] = {}  # (city, code, scope)

    def clear(self, city: str | None = None) -> None:
        """Forget a city's series (all: ``None``): after a failed or foreign write."""
        for key in [k for k in self._kept if city is None or k[0] == city]:
            del self._kept[key]

    def note_written(
        self, city: str, windows: Sequence[tuple[datetime, Sequence[IndicatorRow]]]
    ) -> None:
        """Windows ``(start, rows)`` just written: their rows replace their points."""
        mine = {(code, scope): kept for (c, code, scope), kept in self._kept.items() if c == city}
        if not mine:
            return
        for start, rows in windows:
            for kept in mine.values():
                for by_ts in kept.points.values():
                    by_ts.pop(start, None)
            for row in rows:
                kept_ = mine.get((row.code, _scope_of(row)))
                if kept_ is not None and row.value is not None and start >= kept_.since:
                    place = row.place
                    by_ts = kept_.points.setdefault(place, {})
                    behind = bool(by_ts) and start < next(reversed(by_ts))
                    by_ts[start] = Point(start, row.value)
                    if behind:  # a rewritten older window (late data): back in order
                        kept_.points[place] = dict(sorted(by_ts.items()))

    async def series(
        self, conn: AsyncConnection, city: str, rule: Rule, start: datetime, end: datetime
    ) -> dict[str, list[Point]]:
        """What :func:`read_series` would return, from memory once read."""
        key = (city, rule.indicator, rule.scope)
        kept = self._kept.get(key)
        keep_from = start - self.history
        if kept is None or start < kept.since:
            read = await read_series(conn, city, rule, keep_from, None)
            kept = _Kept(keep_from, {p: {pt.start: pt for pt in pts} for p, pts in read.items()})
            self._kept[key] = kept
        elif keep_from > kept.since:  # the horizon moved on: forget what fell out of it
            for place in list(kept.points):
                by_ts = kept.points[place]
                for ts in list(takewhile(lambda ts: ts < keep_from, by_ts)):
                    del by_ts[ts]
                if not by_ts:
                    del kept.points[place]
            kept.since = keep_from
        out = {}
        for place, by_ts in kept.points.items():
            points = [p for p in by_ts.values() if start <= p.start < end]
            if points:
                out[place] = points
        return out
