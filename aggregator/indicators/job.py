"""The indicator job: every few seconds, the indicators and alerts of every city.

Each cycle, city by city, the *live* windows:
  1. windows that became *final* since the last cycle: the city's watermark (newest
     event time minus the allowed lateness) passed their end;
  2. the current, provisional window, which also refreshes ``indicator_latest``;
then, in the time left, *revisions*: final windows that late data changed (the rollup
job queues them in ``indicator_dirty``), newest windows first. Revisions never hold back
a live window: a flood of late readings (after an outage, a gateway's backlog) delays
its own recomputation, not what the operations centre is watching.
Each window's rows replace its earlier rows, the alert rules are re-evaluated over the
series, and the alert events are written to the outbox in the same transaction (the
relay, ``alerts/publisher.py``, delivers them once it has committed).
A cycle runs at the configured interval, or at once when the rollup job reports new
data that closes a window (so a final window is visible within seconds of its
watermark passing; the time is measured in ``kota_agg_indicator_freshness_seconds``,
a revision's in ``kota_agg_indicator_revision_seconds``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from aggregator import watermark
from aggregator.alerts import engine
from aggregator.alerts.publisher import AlertPublisher
from aggregator.alerts.rules import RuleSet
from aggregator.alerts.series import SeriesCache
from aggregator.indicators.compute import SensorRowsMemo, compute_city
from aggregator.indicators.inputs import MinuteCache, load_sensors, load_windows, newest_per_city
from aggregator.indicators.model import (
    WINDOW,
    CityInputs,
    IndicatorRow,
    SensorMeta,
    window_start,
)
from aggregator.indicators.progress import city_as_of
from aggregator.indicators.writer import replace_latest, replace_windows
from aggregator.store import Store, StoreUnavailable
from kotacerdas.contract import DOMAINS

EndOffsets = Callable[[], Awaitable[dict[tuple[str, int], int] | None]]
log = logging.getLogger("kota.aggregator.indicators")

# Bounds the work of one cycle when a backlog (or compressed simulated time) closes many
# windows at once; the rest follow in the next cycles, oldest first.
MAX_WINDOWS_PER_CITY = 24
# Windows late data changed are recomputed in batches of this many windows of a city.
REVISION_BATCH = 6
# How far behind the live windows the caches reach (minutes, alert series, sensor rows):
# a revision of a window within it reads nothing and recomputes only changed sensors.
REVISION_REACH = timedelta(hours=1)
# How far back a restart or late data may reach for recomputation.
MAX_RECOMPUTE_AGE = timedelta(days=7)
RUN_GAP = timedelta(hours=1)
MIN_CYCLE_S = 0.5
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
        end_offsets: EndOffsets | None = None,
    ) -> None:
        self._store, self._rules, self._publisher = store, rules, publisher
        # Kafka's end offsets, to see a lagging partition (aggregator/watermark.py)
        self._end_offsets = end_offsets
        self._held: dict[str, datetime] = {}  # per city: the hold of its lagging partitions
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
        self._alerts_until: dict[str, datetime] = {}  # what the city's alerts were derived to
        # What the last cycles read or wrote, so the next reads only what changed.
        self._minutes = MinuteCache(REVISION_REACH)
        self._series = SeriesCache(REVISION_REACH)
        self._memo = SensorRowsMemo(REVISION_REACH)  # final windows' sensor rows
        self.wake = asyncio.Event()
        self.windows = Counter(
            "kota_agg_indicator_windows", "Indicator windows computed", ["kind"], registry=registry
        )
        self.held_cities = Gauge(
            "kota_agg_cities_held_by_partition_lag",
            "Cities whose event time a lagging Kafka partition holds back",
            registry=registry,
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
        self.revision_delay = Histogram(
            "kota_agg_indicator_revision_seconds",
            "From late data changing a final window to its recomputed rows",
            buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800),
            registry=registry,
        )
        self.revisions_waiting = Gauge(
            "kota_agg_indicator_revisions_waiting",
            "Final windows that late data changed, waiting to be recomputed",
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
        self._memo.clear(city)

    async def close(self) -> None:
        if self._leader is not None:
            await self._leader.close()

    async def run_once(self) -> int:
        """One cycle: every city's live windows, then late-data revisions in the time
        left; returns the windows computed."""
        if time.monotonic() - self._loaded_at > _SENSOR_REFRESH_S or not self._sensors:
            async with self._store.connection() as conn:
                self._sensors, self._zones = await load_sensors(conn)
                await conn.commit()
            self._loaded_at = time.monotonic()
            self._memo.clear()  # a sensor's rows depend on its registry entry too
        done = 0
        live: list[str] = []
        self._held = await self._lagging_partitions_hold()
        for city, sensors in self._sensors.items():
            # Each city's progress is read just before its turn: windows that closed
            # while the cities before it were computed go in this cycle, not the next.
            as_of = city_as_of(await self._newest(), city, self._city_silence)
            if as_of is None:
                continue
            log.debug(f"indicators of {city} as of {as_of}")
            computed = await self._guarded(city, self._live(city, sensors, as_of))
            if computed is not None:
                done += computed
                live.append(city)
        return done + await self._revisions(live)

    async def _guarded(self, city: str, work: Coroutine[Any, Any, int]) -> int | None:
        """``work`` on one city: a failure of the database stops the cycle; any other
        is logged and that city is left out (None), the other cities go on."""
        try:
            return await work
        except (StoreUnavailable, psycopg.Error):
            self._forget()  # what changed since the last read is not known
            raise
        except Exception:
            self._forget(city)
            self.errors.inc()
            log.exception(f"indicators of {city} failed; the other cities go on")
            return None

    async def _newest(self) -> dict[str, datetime]:
        """Each city's newest complete minute, held back by its lagging partitions."""
        async with self._store.connection() as conn:
            newest = await newest_per_city(conn)
            await conn.commit()
        return watermark.held_newest(newest, self._held)

    async def _lagging_partitions_hold(self) -> dict[str, datetime]:
        """Once per cycle, before any city's progress is read: Kafka's end offsets first,
        then what is stored, so a record stored in between can only make a partition
        look behind (held back a cycle longer), never caught up too early."""
        if self._end_offsets is None:
            return {}
        ends = await self._end_offsets()
        if ends is None:
            return self._held  # Kafka cannot say now: keep the last holds
        stored, carried = await self._store.partition_progress()
        held = watermark.holds(carried, stored, watermark.behind(stored, ends))
        # Under a steady stream some records are always in flight, so a city is held at
        # its partitions' stored event time most of the time: that is the watermark
        # working, not news (debug, and the gauge below).
        for city in held.keys() - self._held.keys():
            log.debug(f"{city}: event time held at {held[city]:%H:%M:%S} by partition lag")
        self.held_cities.set(len(held))
        return held

    async def _live(self, city: str, sensors: list[SensorMeta], newest: datetime) -> int:
        """The city's newly final windows and its provisional one, and the alerts."""
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
        changed_from = await self._note_changes(city)
        # The windows' ends, the provisional window (up to ``newest``) last: it is read
        # together with the final windows just before it.
        ends = [window + WINDOW for window in finals] + [newest]
        async with self._store.connection() as conn, conn.transaction():
            *loaded, provisional = await self._inputs(conn, city, sensors, ends, changed_from)
            computed = self._final_rows(loaded)
            current = window_start(newest - timedelta(microseconds=1))
            provisional.complete_until = watermark
            rows = compute_city(provisional)
            written = [*computed, (current, rows)]
            await replace_windows(conn, city, written)
            self._series.note_written(city, written)
            await replace_latest(conn, city, current, rows)
            progress = finals[-1] + WINDOW if finals else self._final_until[city]
            # Caught up: alerts see the provisional window too (fast alerting). Behind
            # on a backlog: only the final windows, in order, as if it were live.
            alerts_until = newest if progress >= final_end else progress
            events = await engine.evaluate(
                conn, city, self._rules, alerts_until, None, self._series
            )
            await self._publisher.enqueue(conn, events)  # the outbox: same transaction
        self._publisher.committed(events)
        self._alerts_until[city] = alerts_until
        self.windows.labels("final").inc(len(finals))
        self.windows.labels("provisional").inc()
        if finals:
            self._memo.forget_before(city, progress)
            self._final_until[city] = progress
            self.progress.labels(city).set(progress.timestamp())
            await self._measure_freshness(sensors, finals)
        return len(finals) + 1

    async def _inputs(
        self,
        conn: psycopg.AsyncConnection,
        city: str,
        sensors: list[SensorMeta],
        ends: list[datetime],
        changed_from: datetime | None = None,
    ) -> list[CityInputs]:
        """The inputs of the windows ending at ``ends`` (sorted), each run of nearby
        windows read in one go; ``changed_from``: see ``load_windows``."""
        loaded: list[CityInputs] = []
        for run in _runs(ends):
            loaded += await load_windows(
                conn, city, self._zones[city], sensors, run, self._minutes, changed_from
            )
        return loaded

    def _final_rows(self, loaded: list[CityInputs]) -> list[tuple[datetime, list[IndicatorRow]]]:
        """Each final window's start and rows (sensor rows kept for revisions)."""
        return [(inputs.as_of - WINDOW, compute_city(inputs, self._memo)) for inputs in loaded]

    async def _note_changes(self, city: str) -> datetime:
        """The start of the oldest window whose minutes may have changed since the last
        cycle read them (the cache re-reads from there): the first window not yet final,
        or an older one late data changed. Those changes are noted, to be revised after
        the live windows (``_revisions``); changes to windows not yet final are dropped
        (they are computed from fresh minutes when they go final)."""
        final = self._final_until[city]
        async with self._store.connection() as conn, conn.transaction():
            await conn.execute(
                "DELETE FROM indicator_dirty WHERE city = %s AND window_start >= %s",
                (city, final),
            )
            cur = await conn.execute(
                "UPDATE indicator_dirty SET noted = true WHERE city = %s AND NOT noted "
                "RETURNING window_start",
                (city,),
            )
            changed: list[datetime] = [row[0] for row in await cur.fetchall()]
        return min([final, *changed])

    async def _revisions(self, cities: list[str]) -> int:
        """Recompute final windows that late data changed, after the live windows (what
        the operations centre is waiting for): a batch at a time, the newest windows
        first, while no live window is due. While live windows are due, one batch of
        recent windows still goes each cycle, so a steady stream of late readings is
        not starved: their inputs are still in the cycle's caches (minutes, alert
        series, sensor rows), so they cost little. A backlog of older ones (a gateway's
        buffer after an outage) waits for a quiet moment. Only cities whose live windows
        were computed this cycle take part: their cached minutes are current."""
        done = 0
        waiting = set(cities)
        guaranteed = True
        while waiting:
            async with self._store.connection() as conn:
                cur = await conn.execute(
                    "SELECT city, max(window_start) FROM indicator_dirty "
                    "WHERE noted AND city = ANY(%s) GROUP BY city ORDER BY 2 DESC LIMIT 1",
                    (list(waiting),),
                )
                found = await cur.fetchone()
                await conn.commit()
            if found is None:
                break
            city, newest = found
            recent = self._final_until[city] - REVISION_REACH
            cheap = guaranteed and newest >= recent  # the cycle's one batch regardless
            if not cheap and await self._live_due():
                self.wake.set()  # the next cycle at once; revisions go on after it
                break
            since = recent if cheap else None
            guaranteed = False
            revised = await self._guarded(city, self._revise(city, self._sensors[city], since))
            if not revised:
                waiting.discard(city)
                continue
            done += revised
        async with self._store.connection() as conn:
            cur = await conn.execute("SELECT count(*) FROM indicator_dirty WHERE noted")
            pending = await cur.fetchone()
            await conn.commit()
        self.revisions_waiting.set(pending[0] if pending else 0)
        return done

    async def _revise(
        self, city: str, sensors: list[SensorMeta], since: datetime | None = None
    ) -> int:
        """One batch of the city's revisions (its newest windows, from ``since`` if
        given), in one transaction: taken from the queue, recomputed, written, and the
        alerts re-derived."""
        async with self._store.connection() as conn, conn.transaction():
            # Only changes already noted (re-read): a window changed again since then
            # stays queued, and is re-read by the next cycle first.
            cur = await conn.execute(
                "DELETE FROM indicator_dirty WHERE city = %(city)s AND noted "
                "AND window_start IN (SELECT window_start FROM indicator_dirty "
                "WHERE city = %(city)s AND noted AND window_start < %(final)s "
                "AND window_start >= %(since)s "
                "ORDER BY window_start DESC LIMIT %(batch)s) RETURNING window_start, marked_at",
                {
                    "city": city,
                    "final": self._final_until[city],
                    "since": since or datetime.min.replace(tzinfo=UTC),
                    "batch": REVISION_BATCH,
                },
            )
            taken = sorted(await cur.fetchall())
            if not taken:
                return 0
            ends = [start + WINDOW for start, _ in taken]
            written = self._final_rows(await self._inputs(conn, city, sensors, ends))
            await replace_windows(conn, city, written)
            self._series.note_written(city, written)
            events = await engine.evaluate(
                conn, city, self._rules, self._alerts_until[city], taken[0][0], self._series
            )
            await self._publisher.enqueue(conn, events)
        self._publisher.committed(events)
        self.windows.labels("revised").inc(len(taken))
        now = datetime.now(UTC)
        for _, marked_at in taken:
            self.revision_delay.observe(max(0.0, (now - marked_at).total_seconds()))
        return len(taken)

    async def _live_due(self) -> bool:
        """Whether some city has a window whose watermark passed since its live turn."""
        newest = await self._newest()
        for city, final in self._final_until.items():
            as_of = city_as_of(newest, city, self._city_silence)
            if as_of is not None and window_start(as_of - self._lateness) > final:
                return True
        return False

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
