"""Deliver alert events through a transactional outbox (migration 014): never lost.

:meth:`AlertPublisher.enqueue` writes each event into ``alert_outbox`` inside the
indicator job's transaction, the one that changes the alert, so the event exists exactly
when the change does. The relay (:meth:`AlertPublisher.run`, its own task) publishes
what is pending, at least once, with an ``event_id`` that stays the same across retries:

- to Kafka ``kota.alerts.v1`` (idempotent producer, key = place so one place's events
  stay in order, header ``event_id``), in the order the events were written;
- to the webhook (``KOTA_AGG_ALERT_WEBHOOK_URL``), signed (:mod:`signing`), retried with
  capped backoff for ``KOTA_AGG_ALERT_WEBHOOK_RETRY_S`` (24 h), then marked ``failed``;
  the outcome is recorded in ``alert_notification``, where failed ones stay visible. One
  alert's events are delivered in order (none before an earlier one is settled). A
  delivery is leased while its request is out, so a relay that dies mid-request leaves
  it to be retried, and a slow webhook never holds the indicator job up.

Alerts about the past are *historical*: an event whose episode ended (or, for an
``open``, began) more than ``live_s`` before now (``KOTA_AGG_ALERT_LIVE_S``, 7 days: the
ingest late limit, beyond which only a backfill — ``kotacerdas import`` — brings data)
is recorded (``alert.historical``, migration 011) but not notified: an operator is not
paged for a haze of last year.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Counter
from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from aggregator.alerts import signing
from aggregator.alerts.engine import AlertEvent
from aggregator.store import Store, StoreUnavailable
from kotacerdas.backoff import Backoff
from kotacerdas.settings import KafkaSettings

log = logging.getLogger("kota.aggregator.alerts")

WEBHOOK_TIMEOUT_S: Final = 5.0
#: A delivery is leased this long while its request is out (timeout and slack).
WEBHOOK_LEASE: Final = timedelta(seconds=30)
WEBHOOK_FIRST_RETRY_S: Final = 1.0
WEBHOOK_RETRY_CAP_S: Final = 600.0  # then every 10 minutes until the retry time is up
KAFKA_BATCH: Final = 500
WEBHOOKS_PER_TURN: Final = 50
SETTLED_KEPT: Final = timedelta(days=7)
RELAY_IDLE_S: Final = 1.0
# The ingest late limit (ingest/settings.py max_age_s): older data is a backfill.
LIVE = timedelta(days=7)


def is_historical(event: AlertEvent, now: datetime, live: timedelta = LIVE) -> bool:
    """The event is about an episode that ended (or began, for an ``open``) before
    ``now - live``; an ``update`` of an open alert is always live."""
    if event.event == "update" and event.closed_at is None:
        return False
    when = event.closed_at if event.closed_at is not None else event.opened_at
    return when < now - live


def retry_delay(attempts: int) -> timedelta:
    """After ``attempts`` failed deliveries: 1 s, 2 s, 4 s … capped at 10 minutes."""
    return timedelta(seconds=min(WEBHOOK_RETRY_CAP_S, WEBHOOK_FIRST_RETRY_S * 2 ** (attempts - 1)))


@dataclass(frozen=True)
class Webhook:
    url: str
    secret: str
    retry_for: timedelta = timedelta(hours=24)


class AlertPublisher:
    def __init__(
        self,
        kafka: KafkaSettings,
        topic: str,
        store: Store,
        registry: CollectorRegistry,
        webhook: Webhook | None = None,
        live: timedelta = LIVE,
        crash_after_commit: bool = False,
    ) -> None:
        self._kafka, self._topic, self._store = kafka, topic, store
        self._webhook = webhook
        self._live = live
        self._crash_after_commit = crash_after_commit  # fault tests only
        self._producer: AIOKafkaProducer | None = None
        self._wake = asyncio.Event()
        self._pruned_at = 0.0
        self.published = Counter(
            "kota_agg_alert_events", "Alert events published", ["event"], registry=registry
        )
        self.failures = Counter(
            "kota_agg_alert_delivery_failures",
            "Alert deliveries that failed (Kafka: retried; webhook: after the retry time)",
            ["sink"],
            registry=registry,
        )
        self.historical = Counter(
            "kota_agg_alert_events_historical",
            "Alert events about the past: recorded, not notified",
            ["event"],
            registry=registry,
        )

    # --- in the indicator job's transaction --------------------------------------------

    async def enqueue(self, conn: AsyncConnection, events: Sequence[AlertEvent]) -> None:
        """Write the events into the outbox, in the caller's transaction."""
        now = datetime.now(UTC)
        past = [e for e in events if is_historical(e, now, self._live)]
        if past:
            await conn.execute(
                "UPDATE alert SET historical = true WHERE id = ANY(%s)",
                ([e.alert_id for e in past],),
            )
            for event in past:
                self.historical.labels(event.event).inc()
        live = [e for e in events if not is_historical(e, now, self._live)]
        if not live:
            return
        state = "pending" if self._webhook else "none"
        rows = []
        for event in live:
            event_id = str(uuid.uuid4())
            rows.append(
                (event_id, event.alert_id, event.event, event.place_key,
                 Jsonb({"event_id": event_id, **event.as_json()}), state)
            )  # fmt: skip
        async with conn.cursor() as cur:
            await cur.executemany(
                "INSERT INTO alert_outbox (event_id, alert_id, event, place_key, body, "
                "webhook_state) VALUES (%s, %s, %s, %s, %s, %s)",
                rows,
            )

    def committed(self, events: Sequence[AlertEvent]) -> None:
        """After the transaction that enqueued ``events`` committed: wake the relay."""
        if events and self._crash_after_commit:
            log.error("fault injection: exiting between the alert commit and its delivery")
            os._exit(17)  # no cleanup at all, like a crash
        if events:
            self._wake.set()

    # --- the relay ----------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        backoff = Backoff(initial_s=0.5, cap_s=10)
        while not stop.is_set():
            self._wake.clear()
            try:
                moved = await self.relay_once()
                backoff.reset()
                delay = 0.0 if moved else RELAY_IDLE_S
            except StoreUnavailable:
                delay = backoff.next_delay()  # the consume loop reports the outage
            except (KafkaError, OSError) as exc:
                self.failures.labels("kafka").inc()
                log.warning(
                    f"alert events not yet in Kafka, kept in the outbox: {exc}",
                    extra={"event": "alert_kafka_retry"},
                )
                await self._drop_producer()
                delay = backoff.next_delay()
            if delay:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_first(stop, self._wake), delay)

    async def relay_once(self) -> int:
        """Publish what is pending; returns the events moved (Kafka and webhook)."""
        moved = await self._to_kafka()
        if self._webhook is not None:
            moved += await self._to_webhook(self._webhook)
        if time.monotonic() - self._pruned_at > 3600:
            await self._prune()
        return moved

    async def _to_kafka(self) -> int:
        async with self._store.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "SELECT event_id, place_key, body FROM alert_outbox WHERE kafka_at IS NULL "
                "ORDER BY seq LIMIT %s FOR UPDATE SKIP LOCKED",
                (KAFKA_BATCH,),
            )
            rows = await cur.fetchall()
            if not rows:
                return 0
            producer = await self._producer_ready()
            sent = [
                await producer.send(
                    self._topic,
                    json.dumps(body).encode(),
                    key=place.encode(),
                    headers=[("event_id", str(event_id).encode())],
                )
                for event_id, place, body in rows
            ]
            await asyncio.gather(*sent)
            await conn.execute(
                "UPDATE alert_outbox SET kafka_at = now() WHERE event_id = ANY(%s)",
                ([row[0] for row in rows],),
            )
        for *_, body in rows:
            self.published.labels(body["event"]).inc()
        return len(rows)

    async def _to_webhook(self, webhook: Webhook) -> int:
        moved = 0
        for _ in range(WEBHOOKS_PER_TURN):
            claimed = await self._lease_delivery()
            if claimed is None:
                break
            event_id, _, _, body, attempts, _ = claimed
            payload = json.dumps(body).encode()
            headers = signing.headers(webhook.secret, str(event_id), int(time.time()), payload)
            error = await asyncio.to_thread(_post, webhook.url, payload, headers)
            await self._settle(webhook, claimed, attempts + 1, error)
            moved += 1
        return moved

    async def _lease_delivery(self) -> tuple[Any, ...] | None:
        """The next due delivery, leased (its next attempt pushed past the request)."""
        async with self._store.connection() as conn, conn.transaction():
            cur = await conn.execute(
                "UPDATE alert_outbox SET webhook_next_at = now() + %s WHERE event_id = ("
                "SELECT o.event_id FROM alert_outbox o WHERE o.webhook_state = 'pending' "
                "AND o.webhook_next_at <= now() "
                # one alert's events in order: none before an earlier one is settled
                "AND NOT EXISTS (SELECT FROM alert_outbox e WHERE e.alert_id = o.alert_id "
                "AND e.webhook_state = 'pending' AND e.seq < o.seq) "
                "ORDER BY o.webhook_next_at LIMIT 1 FOR UPDATE SKIP LOCKED) "
                "RETURNING event_id, alert_id, event, body, webhook_attempts, created_at",
                (WEBHOOK_LEASE,),
            )
            return await cur.fetchone()

    async def _settle(
        self, webhook: Webhook, claimed: tuple[Any, ...], attempts: int, error: str | None
    ) -> None:
        event_id, alert_id, event, _, _, created_at = claimed
        now = datetime.now(UTC)
        if error is None:
            state = "delivered"
        elif now - created_at >= webhook.retry_for:
            state = "failed"
            self.failures.labels("webhook").inc()
            log.error(
                f"alert event {event} #{alert_id} not delivered to the webhook after "
                f"{attempts} attempts: {error}",
                extra={"event": "alert_webhook_failed"},
            )
        else:
            state = "pending"
        async with self._store.connection() as conn, conn.transaction():
            await conn.execute(
                "UPDATE alert_outbox SET webhook_state = %s, webhook_attempts = %s, "
                "webhook_error = %s, webhook_next_at = %s WHERE event_id = %s",
                (state, attempts, error, now + retry_delay(attempts), event_id),
            )
            if state != "pending":
                await conn.execute(
                    "INSERT INTO alert_notification (alert_id, event, target, state, "
                    "attempts, last_error) VALUES (%s, %s, 'webhook', %s, %s, %s)",
                    (alert_id, event, state, attempts, error),
                )

    async def _prune(self) -> None:
        async with self._store.connection() as conn, conn.transaction():
            await conn.execute(
                "DELETE FROM alert_outbox WHERE kafka_at IS NOT NULL "
                "AND webhook_state <> 'pending' AND created_at < now() - %s",
                (SETTLED_KEPT,),
            )
        self._pruned_at = time.monotonic()

    async def _producer_ready(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                **self._kafka.client_options(), acks="all", enable_idempotence=True
            )
            await producer.start()
            self._producer = producer
        return self._producer

    async def _drop_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(KafkaError, OSError):
                await producer.stop()

    async def stop(self) -> None:
        await self._drop_producer()


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()


def _post(url: str, body: bytes, headers: dict[str, str]) -> str | None:
    """POST one event; None on a 2xx answer, else what went wrong."""
    request = urllib.request.Request(url, body, headers)
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:
            return None if 200 <= response.status < 300 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return str(exc)
