"""The aggregator's consume loop: batch → one transaction → commit offsets.

Each cycle:
  1. poll a batch (bounded by ``batch_max_records`` and ``batch_max_wait_ms``);
  2. split it (pure): rows per domain, dead letters, next offsets, newest event times;
  3. write rows, dead letters and the rollup work list in ONE database transaction;
     while the database is unreachable, pause fetching and retry the same batch with
     backoff (backpressure; Kafka keeps the data);
  4. commit the offsets, only now that the rows are durable.
A crash between 3 and 4 replays the batch; the natural key makes the replay a no-op:
effectively once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from datetime import UTC, datetime, timedelta

from aggregator.alerts.publisher import AlertPublisher, Webhook
from aggregator.alerts.rules import load_rules
from aggregator.batch import Batch, split
from aggregator.indicators.job import IndicatorJob
from aggregator.kafka_source import ConsumerOptions, HeldPartition, KafkaSource
from aggregator.metrics import AggregatorMetrics
from aggregator.rollups import RollupJob, RollupMetrics
from aggregator.settings import AggregatorSettings
from aggregator.store import BatchHealth, Store, StoreUnavailable, WriteResult
from kotacerdas.backoff import Backoff, sleep_or_stop
from kotacerdas.contract import DOMAINS, Domain
from kotacerdas.ops_http import OpsServer
from kotacerdas.runtime import watch
from kotacerdas.topics import ALERTS, DEAD_LETTER, full_name

log = logging.getLogger("kota.aggregator")

# Partition maintenance runs hourly: partitions exist days ahead, so this is slack.
_MAINTENANCE_INTERVAL_S = 3600.0


class AggregatorService:
    def __init__(self, settings: AggregatorSettings) -> None:
        self.settings = settings
        self.metrics = AggregatorMetrics()
        prefix = settings.kafka.topic_prefix
        self._reading_topics: dict[str, Domain] = {full_name(prefix, d): d for d in DOMAINS}
        self._dead_letter_topic = full_name(prefix, DEAD_LETTER)
        self._source = KafkaSource(
            settings.kafka,
            ConsumerOptions(
                settings.group_id,
                (*self._reading_topics, self._dead_letter_topic),
                settings.batch_max_records,
                settings.batch_max_wait_ms,
                settings.max_poll_interval_ms,
                settings.session_timeout_ms,
                settings.fetch_min_bytes,
                settings.fetch_max_wait_ms,
                tuple(self._reading_topics),
                HeldPartition.parse(settings.fault_hold_partition, settings.fault_hold_file),
            ),
        )
        self._store = Store(settings.db.conninfo(), timedelta(seconds=settings.allowed_lateness_s))
        rules = load_rules(settings.alert_rules)
        webhook = None
        if settings.alert_webhook_url and settings.alert_webhook_secret:
            webhook = Webhook(
                settings.alert_webhook_url,
                settings.alert_webhook_secret.get_secret_value(),
                timedelta(seconds=settings.alert_webhook_retry_s),
            )
        publisher = AlertPublisher(
            settings.kafka,
            full_name(prefix, ALERTS),
            self._store,
            self.metrics.registry,
            webhook,
            timedelta(seconds=settings.alert_live_s),
            settings.fault_crash_before_publish,
        )
        self._indicators = IndicatorJob(
            self._store,
            settings.db.conninfo(),
            rules,
            publisher,
            self.metrics.registry,
            timedelta(seconds=settings.allowed_lateness_s),
            settings.indicators_from,
            settings.group_id,
            timedelta(seconds=settings.city_silence_s),
            self._source.end_offsets,
        )
        self._publisher = publisher
        self._rollups = RollupJob(
            self._store,
            RollupMetrics(self.metrics.registry),
            on_change=self._indicators.note_rollups,
        )
        self._consumer_name = f"{socket.gethostname()}-{os.getpid()}"
        self._store_ok = False
        self._store_error = "not connected yet"
        self._batches_written = 0
        self.ops: OpsServer | None = None
        self._watermarks: dict[tuple[str, int], datetime] = {}

    def readiness(self) -> tuple[bool, str]:
        if not self._source.healthy:
            return False, f"kafka: {self._source.last_error}"
        if not self._store_ok:
            return False, f"database: {self._store_error}"
        return True, "ready"

    async def run(self, stop: asyncio.Event) -> None:
        s = self.settings
        self.ops = OpsServer(s.ops_host, s.ops_port, self.metrics.registry, self.readiness)
        await self.ops.start()
        await self._store.open()
        await self._wait_for_store(stop)
        if not stop.is_set() and await self._source.start(stop):
            jobs = [
                watch(self._maintain(stop), "partitions", stop),
                watch(self._rollups.run(stop, s.rollup_interval_s), "rollups", stop),
                watch(self._indicators.run(stop, s.indicator_interval_s), "indicators", stop),
                watch(self._publisher.run(stop), "alert relay", stop),
            ]
            try:
                await self._consume(stop)
            finally:
                for job in jobs:
                    job.cancel()
                await asyncio.gather(*jobs, return_exceptions=True)
                await self._source.stop()
                await self._final_rollup()
                await self._indicators.close()
                await self._publisher.stop()
        await self._store.close()
        await self.ops.stop()
        log.info("aggregator stopped", extra={"event": "stop"})

    async def _wait_for_store(self, stop: asyncio.Event) -> None:
        backoff = Backoff()
        while not stop.is_set():
            problem = await self._store.ping()
            if problem is None:
                self._store_ok, self._store_error = True, ""
                return
            self._store_error = f"cannot use the database: {problem}"
            delay = backoff.next_delay()
            log.warning(
                self._store_error, extra={"attempt": backoff.attempt, "delay_s": f"{delay:.1f}"}
            )
            await sleep_or_stop(stop, delay)

    async def _consume(self, stop: asyncio.Event) -> None:
        """Poll and split the next batch while the previous one is being written.

        Python decodes on one core while PostgreSQL writes on the other; the writes
        (and so the offset commits) still happen one at a time, in order.
        """
        writing: asyncio.Task[bool] | None = None
        try:
            while not stop.is_set():
                records = await self._source.poll()
                self.metrics.lag.set(self._source.lag())
                if not records:
                    if writing is not None and writing.done() and not writing.result():
                        return
                    continue
                batch = split(
                    records,
                    self._reading_topics,
                    self._dead_letter_topic,
                    datetime.now(UTC),
                    timedelta(days=self.settings.retention_days),
                    self._watermarks,
                )
                if writing is not None and not await writing:
                    return  # stopping during an outage: nothing committed, Kafka replays
                writing = asyncio.create_task(self._write_and_commit(batch, len(records), stop))
        finally:
            if writing is not None:
                await writing

    async def _write_and_commit(self, batch: Batch, records: int, stop: asyncio.Event) -> bool:
        """Write one batch, then commit its offsets; False if stopped during an outage."""
        async with self._source.batch_lock:
            started = time.perf_counter()
            health = BatchHealth(self._consumer_name, self._source.lag())
            result = await self._write_until_durable(batch, health, stop)
            if result is None:
                return False
            self.metrics.write_seconds.observe(time.perf_counter() - started)
            self._batches_written += 1
            if self._batches_written == self.settings.fault_crash_after_batches:
                log.error("fault injection: exiting between DB commit and offset commit")
                os._exit(17)  # no cleanup at all, like a crash
            if not await self._source.commit(batch.offsets):
                self.metrics.commit_failures.inc()
        self._advance_watermarks(batch)
        self._count(records, result, batch)
        return True

    async def _write_until_durable(
        self, batch: Batch, health: BatchHealth, stop: asyncio.Event
    ) -> WriteResult | None:
        backoff = Backoff(initial_s=0.5, cap_s=10)
        paused = False
        try:
            while True:
                try:
                    result = await self._store.write(batch, health)
                    self._store_ok, self._store_error = True, ""
                    return result
                except StoreUnavailable as exc:
                    if self._store_ok:
                        log.warning(
                            f"database unavailable, pausing consumption: {exc}",
                            extra={"event": "db_down"},
                        )
                    self._store_ok, self._store_error = False, str(exc)
                    self.metrics.store_retries.inc()
                    if not paused:
                        self._source.pause()
                        paused = True
                    if await sleep_or_stop(stop, backoff.next_delay()):
                        return None
        finally:
            if paused:
                self._source.resume()
                log.info("database back, consumption resumed", extra={"event": "db_up"})

    def _advance_watermarks(self, batch: Batch) -> None:
        lateness = timedelta(seconds=self.settings.allowed_lateness_s)
        for tp, newest in batch.newest.items():
            mark = newest - lateness
            if tp not in self._watermarks or mark > self._watermarks[tp]:
                self._watermarks[tp] = mark

    def _count(self, records: int, result: WriteResult, batch: Batch) -> None:
        m = self.metrics
        m.late.inc(batch.late)
        m.records.inc(records)
        m.batch_records.observe(records)
        for domain in DOMAINS:
            m.inserted.labels(domain).inc(result.inserted[domain])
            m.duplicates.labels(domain).inc(result.duplicates[domain])
        for item in batch.letters:
            m.letters.labels(item.letter.reason.value).inc()
        for _ in result.poison:
            m.letters.labels("poison_record").inc()
        m.ready.set(1 if self.readiness()[0] else 0)

    async def _final_rollup(self) -> None:
        """Leave no dirty window behind on a clean stop (bounded by the grace period)."""
        try:
            await asyncio.wait_for(self._rollups.run_once(), self.settings.grace_s)
        except (TimeoutError, StoreUnavailable):
            log.warning("final rollup cycle did not finish; the next start completes it")

    async def _maintain(self, stop: asyncio.Event) -> None:
        reported: set[tuple[str, str | None]] = set()
        while not stop.is_set():
            try:
                created = await self._store.maintain_partitions()
                dropped = await self._store.apply_retention(self.settings.retention_days)
                compressed = await self._store.apply_compression()
                if created or dropped or compressed:
                    log.info(
                        f"partitions: {created} created ahead, {dropped} dropped by retention, "
                        f"{compressed} compressed",
                        extra={"event": "partitions"},
                    )
                self._report_failed_policies(await self._store.failed_policies(), reported)
            except StoreUnavailable:
                pass  # the consume loop reports the outage
            await sleep_or_stop(stop, _MAINTENANCE_INTERVAL_S)

    @staticmethod
    def _report_failed_policies(
        failed: list[tuple[int, str, str, str | None]], reported: set[tuple[str, str | None]]
    ) -> None:
        """Warn once per policy kind and error: the work is done here anyway (migration
        012), but a failing TimescaleDB scheduler is the operator's to know about."""
        for job_id, policy, table, error in failed:
            if (policy, error) in reported:
                continue
            reported.add((policy, error))
            log.warning(
                f"TimescaleDB {policy} job {job_id} on {table} failed: {error or 'no message'}; "
                "the aggregator compresses and drops chunks itself, so no data is affected",
                extra={"event": "timescaledb_policy_failed"},
            )
