"""The rollup job: recompute the 1-minute, 1-hour and 1-day windows that new rows touched.

Every ``interval``, per domain, in one transaction:
  1. claim up to ``limit`` dirty 1-minute windows (``FOR UPDATE SKIP LOCKED``: two
     aggregators never claim the same window);
  2. recompute those 1-minute rollups from the raw rows under them;
  3. recompute the hours that contain them from the 1-minute rollups, then the days
     from the hours;
  4. advance each sensor's last-seen time.
A window is always recomputed from everything under it, so late and replayed data
give exactly what a batch recomputation from raw would (DESIGN.md, "Late data").
The same job runs on both backends (migration 009): on TimescaleDB the rollup tables
are hypertables, not continuous aggregates.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from aggregator.indicators.model import WINDOW
from aggregator.rollup_sql import CLAIMED, CREATE_CLAIMED, GRAINS, recompute, take_dirty
from aggregator.store import Store, StoreUnavailable
from kotacerdas.backoff import sleep_or_stop
from kotacerdas.contract import DOMAINS, Domain

log = logging.getLogger("kota.aggregator.rollups")

WINDOW_S = int(WINDOW.total_seconds())


@dataclass
class RollupMetrics:
    registry: CollectorRegistry
    windows: Counter = field(init=False)
    seconds: Histogram = field(init=False)
    backlog: Gauge = field(init=False)

    def __post_init__(self) -> None:
        self.windows = Counter(
            "kota_agg_rollup_windows",
            "1-minute windows recomputed",
            ["domain"],
            registry=self.registry,
        )
        self.seconds = Histogram(
            "kota_agg_rollup_seconds",
            "Rollup cycle time",
            registry=self.registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.backlog = Gauge(
            "kota_agg_rollup_backlog",
            "Dirty windows waiting after the last cycle",
            registry=self.registry,
        )


class RollupJob:
    def __init__(
        self,
        store: Store,
        metrics: RollupMetrics,
        limit: int = 50_000,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._on_change = on_change
        self._metrics = metrics
        self._limit = limit
        self.last_cycle_at: float | None = None

    async def run(self, stop: asyncio.Event, interval_s: float) -> None:
        while not await sleep_or_stop(stop, interval_s):
            try:
                await self.run_once()
            except StoreUnavailable:
                continue  # the consume loop reports the outage and pauses
            except psycopg.Error as exc:
                log.error(f"rollup cycle failed, retrying next cycle: {exc}")

    async def run_once(self) -> dict[Domain, int]:
        """One cycle over all domains; returns the 1-minute windows recomputed."""
        started = time.perf_counter()
        done: dict[Domain, int] = {}
        backlog = 0
        for domain in DOMAINS:
            done[domain], full = await self._roll_domain(domain)
            self._metrics.windows.labels(domain).inc(done[domain])
            backlog += self._limit if full else 0
        self._metrics.seconds.observe(time.perf_counter() - started)
        if any(done.values()):
            self._on_change()
        self._metrics.backlog.set(backlog)
        self.last_cycle_at = time.monotonic()
        return done

    async def _roll_domain(self, domain: Domain) -> tuple[int, bool]:
        """All in the database: the claimed windows never travel through Python."""
        async with self._store.connection() as conn, conn.transaction():
            await conn.execute(CREATE_CLAIMED)
            cur = await conn.execute(take_dirty(domain), {"limit": self._limit})
            claimed = cur.rowcount
            if claimed <= 0:
                return 0, False
            for grain in GRAINS:
                await conn.execute(recompute(domain, grain, claimed=True))
            # The 5-minute indicator windows these minutes fall in, for late-data redo;
            # locked like the rollup windows (store.py), so the indicator job cannot take
            # one and recompute it from rollups this transaction has not committed yet.
            await conn.execute(
                "INSERT INTO indicator_dirty (city, window_start) "
                "SELECT DISTINCT s.city, to_timestamp(floor(extract(epoch FROM c.bucket) / %s) "
                f"* %s) FROM {CLAIMED} c JOIN sensor s USING (sensor_id) ORDER BY 1, 2 "
                # changed again: the indicator job must re-read it before revising it
                "ON CONFLICT (city, window_start) DO UPDATE SET noted = false",
                (WINDOW_S, WINDOW_S),
            )
            await conn.execute(
                "INSERT INTO sensor_state AS s (sensor_id, last_ts) "
                f"SELECT sensor_id, max(bucket) FROM {CLAIMED} GROUP BY sensor_id "
                "ON CONFLICT (sensor_id) DO UPDATE "
                "SET last_ts = greatest(s.last_ts, EXCLUDED.last_ts), updated_at = now()"
            )
        return claimed, claimed >= self._limit
