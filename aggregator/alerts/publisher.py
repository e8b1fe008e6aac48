"""Deliver alert events: Kafka ``kota.alerts.v1`` always, an HTTP webhook if configured.

Kafka delivery uses an idempotent producer (key = place, so one place's events stay in
order). The webhook is retried with backoff; every attempt's outcome is recorded in
``alert_notification`` and a notification that never got through stays there as a
dead letter (state ``failed``) instead of disappearing.

Alerts about the past are *historical*: an event whose episode ended (or, for an
``open``, began) more than ``live_s`` before now (``KOTA_AGG_ALERT_LIVE_S``, 7 days: the
ingest late limit, beyond which only a backfill — ``kotacerdas import`` — brings data)
is recorded (``alert.historical``, migration 011) but neither published to Kafka nor
sent to the webhook: an operator is not paged for a haze of last year.
"""

from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from prometheus_client import CollectorRegistry, Counter

from aggregator.alerts.engine import AlertEvent
from aggregator.store import Store, StoreUnavailable
from kotacerdas.backoff import Backoff
from kotacerdas.settings import KafkaSettings

log = logging.getLogger("kota.aggregator.alerts")

WEBHOOK_ATTEMPTS = 4
WEBHOOK_TIMEOUT_S = 5.0
# The ingest late limit (ingest/settings.py max_age_s): older data is a backfill.
LIVE = timedelta(days=7)


def is_historical(event: AlertEvent, now: datetime, live: timedelta = LIVE) -> bool:
    """The event is about an episode that ended (or began, for an ``open``) before
    ``now - live``; an ``update`` of an open alert is always live."""
    if event.event == "update" and event.closed_at is None:
        return False
    when = event.closed_at if event.closed_at is not None else event.opened_at
    return when < now - live


class AlertPublisher:
    def __init__(
        self,
        kafka: KafkaSettings,
        topic: str,
        store: Store,
        registry: CollectorRegistry,
        webhook_url: str | None = None,
        live: timedelta = LIVE,
    ) -> None:
        self._kafka, self._topic, self._store = kafka, topic, store
        self._webhook = webhook_url
        self._live = live
        self._producer: AIOKafkaProducer | None = None
        self.published = Counter(
            "kota_agg_alert_events", "Alert events published", ["event"], registry=registry
        )
        self.failures = Counter(
            "kota_agg_alert_delivery_failures",
            "Alert events that could not be delivered",
            ["sink"],
            registry=registry,
        )
        self.historical = Counter(
            "kota_agg_alert_events_historical",
            "Alert events about the past: recorded, not notified",
            ["event"],
            registry=registry,
        )

    async def publish(self, events: Sequence[AlertEvent]) -> None:
        now = datetime.now(UTC)
        past = [e for e in events if is_historical(e, now, self._live)]
        if past:
            await self._mark_historical(past)
        for event in events:
            if is_historical(event, now, self._live):
                self.historical.labels(event.event).inc()
                continue
            await self._to_kafka(event)
            if self._webhook:
                await self._to_webhook(event)
            self.published.labels(event.event).inc()

    async def _to_kafka(self, event: AlertEvent) -> None:
        body = json.dumps(event.as_json()).encode()
        backoff = Backoff(initial_s=0.5, cap_s=5)
        for _ in range(5):
            try:
                if self._producer is None:
                    self._producer = AIOKafkaProducer(
                        **self._kafka.client_options(), acks="all", enable_idempotence=True
                    )
                    await self._producer.start()
                await self._producer.send_and_wait(self._topic, body, key=event.place_key.encode())
                return
            except (KafkaError, OSError) as exc:
                log.warning(f"alert event not yet in Kafka: {exc}")
                await asyncio.sleep(backoff.next_delay())
        self.failures.labels("kafka").inc()
        log.error(
            f"alert event {event.event} #{event.alert_id} not published to Kafka; "
            "it stays in the alert table"
        )

    async def _to_webhook(self, event: AlertEvent) -> None:
        assert self._webhook is not None
        body = json.dumps(event.as_json()).encode()
        backoff, error = Backoff(initial_s=1.0, cap_s=10), None
        for attempt in range(1, WEBHOOK_ATTEMPTS + 1):
            error = await asyncio.to_thread(_post, self._webhook, body)
            if error is None:
                break
            if attempt < WEBHOOK_ATTEMPTS:
                await asyncio.sleep(backoff.next_delay())
        if error is not None:
            self.failures.labels("webhook").inc()
        await self._record(event, attempt, error)

    async def _record(self, event: AlertEvent, attempts: int, error: str | None) -> None:
        try:
            async with self._store.connection() as conn, conn.transaction():
                await conn.execute(
                    "INSERT INTO alert_notification (alert_id, event, target, state, attempts, "
                    "last_error) VALUES (%s, %s, %s, %s, %s, %s)",
                    (
                        event.alert_id,
                        event.event,
                        "webhook",
                        "failed" if error else "delivered",
                        attempts,
                        error,
                    ),
                )
        except StoreUnavailable:
            log.error("could not record a webhook delivery (database unavailable)")

    async def _mark_historical(self, events: Sequence[AlertEvent]) -> None:
        try:
            async with self._store.connection() as conn, conn.transaction():
                await conn.execute(
                    "UPDATE alert SET historical = true WHERE id = ANY(%s)",
                    ([e.alert_id for e in events],),
                )
        except StoreUnavailable:
            log.error("could not mark historical alerts (database unavailable)")

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()


def _post(url: str, body: bytes) -> str | None:
    """POST one event; None on a 2xx answer, else what went wrong."""
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:
            return None if 200 <= response.status < 300 else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return str(exc)
