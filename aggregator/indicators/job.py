"""The indicator job: every few seconds, the indicators and alerts of every city.

Per city, each cycle computes (oldest first):
  1. windows that became *final* since the last cycle: the city's watermark (newest
     event time minus the allowed lateness) passed their end;
  2. windows that late data changed (the rollup job reports the minutes it recomputed);
  3. the current, provisional window, which also refreshes ``indicator_latest``.
Each window's rows replace its earlier rows, the alert rules are re-evaluated over the
series, and the alert events are published after the transaction commits.
A cycle runs at the configured interval, or at once when the rollup job reports new
data that closes a window (so a final window is visible within seconds of its
watermark passing; the time is measured in ``kota_agg_indicator_freshness_seconds``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from datetime import datetime, timedelta
from typing import Any

import psycopg
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from aggregator.alerts import engine
from aggregator.alerts.publisher import AlertPublisher
from aggregator.alerts.rules import RuleSet
from aggregator.alerts.series import SeriesCache
from aggregator.indicators.compute import compute_city
from aggregator.indicators.inputs import MinuteCache, load_sensors, load_windows, newest_per_city
from aggregator.indicators.model import WINDOW, SensorMeta, window_start
from aggregator.indicators.writer import replace_latest, replace_windows
from aggregator.store import Store, StoreUnavailable
from kotacerdas.contract import DOMAINS

log = logging.getLogger("kota.aggregator.indicators")

# Bounds the work of one cycle when a backlog (or compressed simulated time) closes many
# windows at once; the rest follow in the next cycles, oldest first.
MAX_WINDOWS_PER_CITY = 24
# How far back a restart or late data may reach for recomputation.
MAX_RECOMPUTE_AGE = timedelta(days=7)
RUN_GAP = timedelta(hours=1)
MIN_CYCLE_S = 0.5
_BUCKET = timedelta(minutes=1)
_SENSOR_REFRESH_S = 300.0
# Advisory lock of the indicator leader: one leader per consumer group (one deployment);
# the key is "kind" in ASCII in the high half and a hash of the group in the low half.
LEADER_LOCK = 0x6B696E64


def _runs(times: list[datetime]) -> list[list[datetime]]:
    """``times`` (sorted) cut where they are more than RUN_GAP apart: each run's inputs
    are read in one go (a late window days back is not read with today's)."""
    runs: list[list[datetime]] = []
    for time_ in times:
        if runs and time_ - runs[-1][-1] <= RUN_GAP:
            runs[-1].append(time_)
        else:
            runs.append([time_])
    return runs


def leader_key(group_id: str) -> int:
    return (LEADER_LOCK << 32) | zlib.crc32(group_id.encode())


class IndicatorJob:
    def __init__(
        self,
        store: Store,
        conninfo: str,
        rules: RuleSet,
        publisher: AlertPublisher,
        registry: CollectorRegistry,
        lateness: timedelta,
        start_from: datetime | None = None,
        group_id: str = "kota-aggregator",
        city_silence: timedelta = timedelta(minutes=15),
    ) -> None:
        self._store, self._rules, self._publisher = store, rules, publisher
        self._conninfo = conninfo
        self._start_from = start_from
        self._group = group_id
        self._city_silence = city_silence
        self._leader: psycopg.AsyncConnection | None = None
        self._leading = False
        self._lateness = lateness
        self._sensors: dict[str, list[SensorMeta]] = {}
        self._zones: dict[str, str] = {}
        self._loaded_at = 0.0
        self._final_until: dict[str, datetime] = {}  # window starts before this are final
        # What the last cycles read or wrote, so the next reads only what changed.
        self._minutes = MinuteCache()
        self._series = SeriesCache()
        self.wake = asyncio.Event()
        self.windows = Counter(
            "kota_agg_indicator_windows", "Indicator windows computed", ["kind"], registry=registry
        )
        self.progress = Gauge(
            "kota_agg_indicator_final_until",
            "Event time (epoch s) up to which each city's indicator windows are final",
            ["city"],
            registry=registry,
        )
        self.errors = Counter(
            "kota_agg_indicator_errors",
            "City computations that failed (logged)",
            registry=registry,
        )
        self.cycle_seconds = Histogram(
            "kota_agg_indicator_cycle_seconds",
            "Time of one indicator cycle over all cities",
            buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 20),
            registry=registry,
        )
        self.freshness = Histogram(
            "kota_agg_indicator_freshness_seconds",
            "From the watermark passing a window's end to its final indicator rows",
            buckets=(0.5, 1, 2, 3, 5, 7.5, 10, 15, 30, 60, 120),
            registry=registry,
        )

    def note_rollups(self) -> None:
        """The rollup job changed windows: look now rather than at the next interval."""
        self.wake.set()

    async def run(self, stop: asyncio.Event, interval_s: float) -> None:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), interval_s)
            self.wake.clear()
            if stop.is_set():
                return
            started = time.monotonic()
            try:
                if await self._is_leader():
                    await self.run_once()
                    self.cycle_seconds.observe(time.monotonic() - started)
            except StoreUnavailable:
                continue
            except psycopg.Error as exc:
                log.error(f"indicator cycle failed, retrying next cycle: {exc}")
            # At most two cycles a second however busy, but no pause after a long cycle:
            # windows that closed meanwhile are already waiting.
            await asyncio.sleep(max(0.0, MIN_CYCLE_S - (time.monotonic() - started)))

    async def _is_leader(self) -> bool:
        """One aggregator of the group computes indicators: the holder of an advisory
        lock on a connection of its own (released when that process or connection dies,
        so another aggregator takes over within a cycle)."""
        if self._leader is None or self._leader.closed or self._leader.broken:
            try:
                self._leader = await psycopg.AsyncConnection.connect(
                    self._conninfo, autocommit=True
                )
            except psycopg.OperationalError as exc:
                log.warning(f"indicator job cannot connect for the leader lock: {exc}")
                return False
        try:
            cur = await self._leader.execute(
                "SELECT pg_try_advisory_lock(%s)", (leader_key(self._group),)
            )
            found = await cur.fetchone()
        except psycopg.OperationalError:
            self._leader = None
            return False
        leading = bool(found and found[0])
        if leading != self._leading:
            log.info(
                "indicator job: "
                + (
                    "leading"
                    if leading
                    else "standing by (another aggregator computes the indicators)"
                ),
                extra={"event": "leader"},
            )
            self._leading = leading
            self._forget()  # another leader's cycles went by unseen
        return leading

    def _forget(self, city: str | None = None) -> None:
        self._minutes.clear(city)
        self._series.clear(city)

    async def close(self) -> None:
        if self._leader is not None:
            await self._leader.close()

    async def run_once(self) -> int:
        """One cycle over all cities; returns the windows computed."""
        if time.monotonic() - self._loaded_at > _SENSOR_REFRESH_S or not self._sensors:
            async with self._store.connection() as conn:
                self._sensors, self._zones = await load_sensors(conn)
                await conn.commit()
            self._loaded_at = time.monotonic()
        done = 0
        for city, sensors in self._sensors.items():
            # Each city's progress is read just before its turn: windows that closed
            # while the cities before it were computed go in this cycle, not the next.
            as_of = await self._as_of(city)
            if as_of is None:
                continue
            log.debug(f"indicators of {city} as of {as_of}")
            try:
                done += await self._city(city, sensors, as_of)
            except (StoreUnavailable, psycopg.Error):
                self._forget()  # what changed since the last read is not known
                raise
            except Exception:
                self._forget(city)
                self.errors.inc()
                log.exception(f"indicators of {city} failed; the other cities go on")
        return done

    async def _as_of(self, city: str) -> datetime | None:
        """The end of the city's newest data (None: no data yet). A city that went dark
        stops its own event time; the others' keeps going. Past KOTA_AGG_CITY_SILENCE_S
        behind them, its windows are closed on their clock, so its silent sensors (all
        of them) are seen and alerted."""
        async with self._store.connection() as conn:
            newest = await newest_per_city(conn)
            await conn.commit()
        floor = max(newest.values(), default=None)
        if city not in newest or floor is None:
            return None
        return max(newest[city], floor - self._city_silence) + _BUCKET

    async def _city(self, city: str, sensors: list[SensorMeta], newest: datetime) -> int:
        watermark = newest - self._lateness
        final_end = window_start(watermark)  # windows starting before this are final
        if city not in self._final_until:
            # Start at the current window, or backfill from KOTA_AGG_INDICATORS_FROM.
            first = window_start(self._start_from) if self._start_from else final_end - WINDOW
            self._final_until[city] = max(first, window_start(newest - MAX_RECOMPUTE_AGE))
        finals: list[datetime] = []
        start = self._final_until[city]
        while start < final_end and len(finals) < MAX_WINDOWS_PER_CITY:
            finals.append(start)
            start += WINDOW
        # Newly final windows first (what the operations centre is waiting for); late-data
        # redo gets what is left of the cycle's budget, so a flood of late readings (after
        # an outage, a gateway's backlog) cannot hold back the live windows.
        late, changed_from = await self._late_windows(city, MAX_WINDOWS_PER_CITY - len(finals))
        starts = sorted(set(finals) | set(late))
        events = []
        # The windows' ends, the provisional window (up to ``newest``) last: it is read
        # together with the final windows just before it.
        ends = [window + WINDOW for window in starts] + [newest]
        runs = _runs(ends)
        async with self._store.connection() as conn, conn.transaction():
            computed = []
            for number, run in enumerate(runs, 1):
                loaded = await load_windows(
                    conn, city, self._zones[city], sensors, run, self._minutes, changed_from
                )
                if number == len(runs):
                    *loaded, provisional = loaded
                computed += [(inputs.as_of - WINDOW, compute_city(inputs)) for inputs in loaded]
            self.windows.labels("final").inc(len(computed))
            current = window_start(newest - timedelta(microseconds=1))
            provisional.complete_until = watermark
            rows = compute_city(provisional)
            written = [*computed, (current, rows)]
            await replace_windows(conn, city, written)
            self._series.note_written(city, written)
            await replace_latest(conn, city, current, rows)
            self.windows.labels("provisional").inc()
            progress = finals[-1] + WINDOW if finals else self._final_until[city]
            # Caught up: alerts see the provisional window too (fast alerting). Behind
            # on a backlog: only the final windows, in order, as if it were live.
            events = await engine.evaluate(
                conn,
                city,
                self._rules,
                newest if progress >= final_end else progress,
                min(late, default=None),
                self._series,
            )
        if finals:
            self._final_until[city] = progress
            self.progress.labels(city).set(progress.timestamp())
            await self._measure_freshness(sensors, finals)
        await self._publisher.publish(events)
        return len(starts) + 1

    async def _late_windows(self, city: str, budget: int) -> tuple[list[datetime], datetime]:
        """Final windows whose rollups changed since they were computed (late data),
        oldest first and at most ``budget``; the rest wait for later cycles. Also the
        start of the oldest window whose minutes may have changed since the last cycle
        read them: the oldest late window, or else the first window not yet final."""
        final = self._final_until[city]
        async with self._store.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "DELETE FROM indicator_dirty WHERE city = %s AND window_start < %s "
                "RETURNING window_start",
                (city, final),
            )
            late = sorted(row[0] for row in await cur.fetchall())
            if len(late) > budget:
                await conn.execute(
                    "INSERT INTO indicator_dirty (city, window_start) "
                    "SELECT %s, unnest(%s::timestamptz[]) ON CONFLICT DO NOTHING",
                    (city, late[max(budget, 0) :]),
                )
            # windows not yet final become final in due course: nothing to redo
            await conn.execute(
                "DELETE FROM indicator_dirty WHERE city = %s AND window_start >= %s",
                (city, final),
            )
        return late[: max(budget, 0)], min([final, *late])

    async def _measure_freshness(self, sensors: list[SensorMeta], windows: list[datetime]) -> None:
        """Seconds from the first reading that moved the watermark past a window's end
        (its ingest time) to now, when the window's final rows are committed."""
        # By the city's sensor ids: the raw tables' key (sensor_id, ts) answers that from
        # its index; by city and time alone it would scan a day's partition per window.
        ids: dict[str, Any] = {d: [s.sensor_id for s in sensors if s.domain == d] for d in DOMAINS}
        union = " UNION ALL ".join(
            f"SELECT min(ingested_at) AS m FROM {d}_reading "
            f"WHERE sensor_id = ANY(%({d})s) AND ts >= %(t)s AND ts < %(u)s"
            for d in DOMAINS
        )
        async with self._store.connection() as conn:
            for window in windows:
                passing = window + WINDOW + self._lateness
                cur = await conn.execute(
                    f"SELECT min(m) FROM ({union}) x",  # names from DOMAINS
                    {**ids, "t": passing, "u": passing + WINDOW},
                )
                found = await cur.fetchone()
                if found and found[0] is not None:
                    seconds = (datetime.now(found[0].tzinfo) - found[0]).total_seconds()
                    self.freshness.observe(max(0.0, seconds))
            await conn.commit()
