"""Read what the indicators of a city need from the rollups (the job's I/O)."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from psycopg import AsyncConnection, AsyncCursor

from aggregator.indicators.model import (
    AIR_LOOKBACK,
    TRAFFIC_LOOKBACK,
    WASTE_LOOKBACK,
    CityInputs,
    Rollup,
    SensorMeta,
)
from aggregator.indicators.progress import city_progress
from aggregator.indicators.sensors import waste_series
from cityscore import waste
from cityscore.errors import CityscoreError

# (table, lookback, columns) per domain; the columns are what sensors.py reads.
_AIR_COLUMNS = ("pm25", "pm10", "so2", "co", "o3", "no2", "hc", "noise")
_SOURCES = {
    "air": (
        "air_rollup_1h",
        AIR_LOOKBACK,
        [f"{m}_{s}" for m in _AIR_COLUMNS for s in ("avg", "n")],
    ),
    "traffic": (
        "traffic_rollup_1m",
        TRAFFIC_LOOKBACK,
        [
            "vehicle_count_sum",
            "observed_s",
            "speeding_count_sum",
            "avg_speed_kmh_avg",
            "avg_speed_kmh_n",
        ],
    ),
    "waste": ("waste_rollup_1m", WASTE_LOOKBACK, ["fill_level_avg", "temperature_max"]),
}
# How far back "last seen" looks; older silence is silence all the same.
_SEEN_LOOKBACK = TRAFFIC_LOOKBACK * 4


async def load_sensors(conn: AsyncConnection) -> tuple[dict[str, list[SensorMeta]], dict[str, str]]:
    """Active sensors by city, and each city's time zone."""
    cur = await conn.execute(
        "SELECT sensor_id, city, district, domain, interval_s, capacity_pcu_h, free_flow_kmh, "
        "length_km FROM sensor WHERE active ORDER BY city, sensor_id"
    )
    by_city: dict[str, list[SensorMeta]] = defaultdict(list)
    for row in await cur.fetchall():
        by_city[row[1]].append(SensorMeta(*row))
    cur = await conn.execute("SELECT slug, timezone FROM city")
    return dict(by_city), {slug: tz for slug, tz in await cur.fetchall()}


async def newest_per_city(conn: AsyncConnection) -> dict[str, datetime]:
    """The newest event time (1-minute bucket) up to which each city's rollups are
    visible in every domain (``progress.city_progress``)."""
    # One statement, one snapshot: the rollup job deletes a domain's dirty minutes in the
    # transaction that commits their rollups, so each minute is seen on exactly one side.
    # In flight: a dirty minute newer than its own sensor's committed progress (older
    # ones are late data, revised later; they must not hold the live clock).
    cur = await conn.execute(
        "SELECT s.city, s.domain, max(st.last_ts), NULL::timestamptz FROM sensor_state st "
        "JOIN sensor s USING (sensor_id) GROUP BY 1, 2 "
        "UNION ALL SELECT s.city, d.domain, NULL, min(d.bucket) FROM rollup_dirty d "
        "JOIN sensor s USING (sensor_id) LEFT JOIN sensor_state st USING (sensor_id) "
        "WHERE st.last_ts IS NULL OR d.bucket > st.last_ts GROUP BY 1, 2"
    )
    seen: dict[str, dict[str, datetime]] = defaultdict(dict)
    pending: dict[str, dict[str, datetime]] = defaultdict(dict)
    for city, domain, shown, waiting in await cur.fetchall():
        if shown is not None:
            seen[city][domain] = shown
        if waiting is not None:
            pending[city][domain] = waiting
    progress = {city: city_progress(seen[city], pending.get(city, {})) for city in seen}
    return {city: ts for city, ts in progress.items() if ts is not None}


async def _air_hours(
    conn: AsyncConnection, ids: list[str], as_of: datetime, columns: list[str]
) -> AsyncCursor[Any]:
    """Complete hours from the 1-hour rollups, and the hour in progress from the 1-minute
    rollups up to ``as_of`` only: a window's indicators never see data after its end,
    however late they are computed."""
    hour = as_of.replace(minute=0, second=0, microsecond=0)
    partial = ", ".join(
        f"sum({m}_avg * {m}_n) / nullif(sum({m}_n), 0), coalesce(sum({m}_n), 0)"
        for m in _AIR_COLUMNS
    )
    return await conn.execute(
        f"SELECT sensor_id, ts, {', '.join(columns)} FROM air_rollup_1h "
        "WHERE sensor_id = ANY(%(ids)s) AND ts >= %(from)s AND ts < %(hour)s "
        f"UNION ALL SELECT sensor_id, %(hour)s, {partial} FROM air_rollup_1m "
        "WHERE sensor_id = ANY(%(ids)s) AND ts >= %(hour)s AND ts < %(as_of)s "
        "GROUP BY sensor_id ORDER BY 1, 2",
        {"ids": ids, "from": as_of - AIR_LOOKBACK, "hour": hour, "as_of": as_of},
    )


async def load_windows(
    conn: AsyncConnection,
    city: str,
    tz: str,
    sensors: list[SensorMeta],
    ends: list[datetime],
    cache: MinuteCache | None = None,
    changed_from: datetime | None = None,
) -> list[CityInputs]:
    """The inputs of several windows of a city (``ends``: their ends, ``as_of``). The
    1-minute rollups are read once for the span of all of them and sliced per window:
    a run of consecutive windows costs about one window's reading, not one each.
    With a ``cache``, only the minutes from ``changed_from`` on (those that may have
    changed since the last read) and the new ones are read again; without
    ``changed_from`` (older windows revised for late data) what the cache holds is used
    as it is, or else read."""
    windows = [CityInputs(city, tz, as_of, sensors) for as_of in ends]
    for domain, (table, lookback, columns) in _SOURCES.items():
        ids = [s.sensor_id for s in sensors if s.domain == domain]
        if not ids:
            continue
        if domain == "air":  # hourly rollups + the hour in progress: per window
            for inputs in windows:
                cur = await _air_hours(conn, ids, inputs.as_of, columns)
                for row in await cur.fetchall():
                    inputs.rollups.setdefault(row[0], []).append(
                        Rollup(row[1], dict(zip(columns, row[2:], strict=True)))
                    )
            table, back, columns, lookback_ = "air_rollup_1m", _SEEN_LOOKBACK, [], None
        else:
            back, lookback_ = max(lookback, _SEEN_LOOKBACK), lookback
        span = _Span(city, table, ids, columns, min(ends) - back, max(ends))
        if cache is None:
            minutes = await _minutes(conn, span, span.since)
        else:
            minutes = await cache.read(conn, span, changed_from)
        if domain == "waste":
            _slice(windows, minutes, None)
            _slice_bins(windows, minutes, lookback)
        else:
            _slice(windows, minutes, lookback_)
    return windows


# sensor -> (bucket starts, rollups), both by time
_Minutes = dict[str, tuple[list[datetime], list[Rollup]]]


@dataclass(frozen=True)
class _Span:
    """The 1-minute rollups of some sensors of a city in [since, until)."""

    city: str
    table: str
    ids: list[str]
    columns: list[str]
    since: datetime
    until: datetime

    @property
    def source(self) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
        return self.city, self.table, tuple(self.ids), tuple(self.columns)

    def covers(self, other: _Span) -> bool:
        return (
            self.source == other.source and self.since <= other.since and other.until <= self.until
        )


async def _minutes(conn: AsyncConnection, span: _Span, since: datetime) -> _Minutes:
    """The span's rollups from ``since`` (≥ span.since) on."""
    select = ", ".join(["sensor_id", "ts", *span.columns])
    cur = await conn.execute(
        f"SELECT {select} FROM {span.table} WHERE sensor_id = ANY(%s) AND ts >= %s AND ts < %s "
        "ORDER BY sensor_id, ts",
        (span.ids, since, span.until),
    )
    out: _Minutes = {}
    columns = span.columns
    for row in await cur.fetchall():
        times, rollups = out.setdefault(row[0], ([], []))
        times.append(row[1])
        rollups.append(Rollup(row[1], dict(zip(columns, row[2:], strict=True))))
    return out


def merge_minutes(kept: _Minutes, since: datetime, fresh_from: datetime, fresh: _Minutes) -> None:
    """``kept`` (in place) becomes the rollups from ``since`` on: its own before
    ``fresh_from``, then ``fresh`` (a new read of everything from ``fresh_from`` on)."""
    for sid in list(kept):
        times, rollups = kept[sid]
        end = bisect_left(times, fresh_from)
        first = bisect_left(times, since, 0, end)
        del times[end:], rollups[end:], times[:first], rollups[:first]
        if not times:
            del kept[sid]
    for sid, (times, rollups) in fresh.items():
        have = kept.setdefault(sid, ([], []))
        have[0].extend(times)
        have[1].extend(rollups)


class MinuteCache:
    """The 1-minute rollups of each city's newest windows, kept between the indicator
    job's cycles. Consecutive cycles read mostly the same day of minutes (the waste
    look-back): reading and decoding it again each cycle was most of a cycle's reading.

    A cycle says which minutes may have changed since the last (``changed_from``: the
    oldest window that was not yet final, or that late data changed); those and the new
    ones are read again, the rest is kept. ``history`` more than the live windows need
    is kept, so recent windows revised for late data are sliced from memory too (their
    changes were noted, and so re-read, by the cycle that read last). Older spans are
    read directly and not kept.
    """

    def __init__(self, history: timedelta) -> None:
        self.history = history
        self._kept: dict[tuple[str, str], tuple[_Span, _Minutes]] = {}

    def clear(self, city: str | None = None) -> None:
        """Forget a city's minutes (all cities: ``None``); the next read is a full one."""
        for key in [k for k in self._kept if city is None or k[0] == city]:
            del self._kept[key]

    async def read(
        self, conn: AsyncConnection, span: _Span, changed_from: datetime | None
    ) -> _Minutes:
        """The span's rollups; ``changed_from`` None: an older span (a revision), served
        from memory if kept, else read and not kept."""
        key = (span.city, span.table)
        found = self._kept.get(key)
        if changed_from is None:
            if found is not None and found[0].covers(span):
                return found[1]  # a superset: the callers slice by time
            return await _minutes(conn, span, span.since)
        span = replace(span, since=span.since - self.history)
        if found is None or found[0].source != span.source or span.since < found[0].since:
            minutes = await _minutes(conn, span, span.since)
        else:
            kept_span, minutes = found
            fresh_from = max(span.since, min(changed_from, kept_span.until))
            merge_minutes(minutes, span.since, fresh_from, await _minutes(conn, span, fresh_from))
        self._kept[key] = (span, minutes)
        return minutes


def _slice(windows: list[CityInputs], minutes: _Minutes, lookback: timedelta | None) -> None:
    """Each window's share of ``minutes``: its rollups (if ``lookback``) and what it
    has seen of each sensor (newest and oldest bucket within _SEEN_LOOKBACK)."""
    for inputs in windows:
        as_of = inputs.as_of
        for sid, (times, rollups) in minutes.items():
            end = bisect_left(times, as_of)
            if lookback is not None:
                first = bisect_left(times, as_of - lookback, 0, end)
                if end > first:
                    inputs.rollups[sid] = rollups[first:end]
            seen_from = bisect_left(times, as_of - _SEEN_LOOKBACK, 0, end)
            if end > seen_from:
                inputs.last_seen[sid] = times[end - 1]
                oldest = times[seen_from]
                if inputs.observed_since is None or oldest < inputs.observed_since:
                    inputs.observed_since = oldest


def _slice_bins(windows: list[CityInputs], minutes: _Minutes, lookback: timedelta) -> None:
    """Each window's share of each bin's fill and temperature series, extracted (and the
    fill levels checked) once for all the windows: per window, that pass over a day of
    minutes was a tenth of a cycle."""
    until = max(inputs.as_of for inputs in windows)
    for sid, (_, rollups) in minutes.items():
        fills, temps = waste_series(rollups, until)
        try:
            checked = waste.validated(fills)
        except CityscoreError:
            checked = None  # each window's own check names the bad sample
        for inputs in windows:
            since, as_of = inputs.as_of - lookback, inputs.as_of
            inputs.bins[sid] = (
                waste.between(checked, since, as_of)
                if checked is not None
                else _between(fills, since, as_of),
                _between(temps, since, as_of),
            )


def _between(
    samples: Sequence[tuple[datetime, float]], since: datetime, until: datetime
) -> Sequence[tuple[datetime, float]]:
    """The time-sorted ``samples`` with since <= timestamp < until."""
    first = bisect_left(samples, since, key=itemgetter(0))
    return samples[first : bisect_left(samples, until, first, key=itemgetter(0))]
