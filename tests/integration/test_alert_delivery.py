"""Alert events reach Kafka (kota.alerts.v1) and a webhook, signed and retried, through the
outbox (migration 014); undeliverable ones stay in alert_notification as failed; a crash
between an alert's commit and its delivery loses nothing and sends it once."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import psycopg
from kota_testing.kafka import consume_all, produce
from kota_testing.readings import make_reading

from aggregator.alerts import signing
from kotacerdas.stack.procs import free_port

SENSOR = "uja-air-0001"  # a test-only city (tests/data/cities): ours alone
SECRET = "a-webhook-secret-for-tests"


def _last_hour() -> datetime:
    return (datetime.now(UTC) + timedelta(minutes=2)).replace(second=0, microsecond=0) - timedelta(
        hours=1
    )


class _Hook(BaseHTTPRequestHandler):
    """Refuses the first attempt of every notification (503), takes the second; refuses
    (401) a delivery whose signature does not verify."""

    received: ClassVar[list[dict]] = []
    refused: ClassVar[set[tuple[int, str]]] = set()
    unsigned: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        event = json.loads(body)
        problem = signing.verify(SECRET, dict(self.headers.items()), body, time.time())
        if problem is not None or self.headers[signing.EVENT_ID] != event["event_id"]:
            _Hook.unsigned.append(problem or "event id header differs from the body's")
            self.send_response(401)
            self.end_headers()
            return
        key = (event["alert_id"], event["event"])
        if key not in _Hook.refused:
            _Hook.refused.add(key)
            self.send_response(503)
        else:
            _Hook.received.append(event)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_alert_events_go_to_kafka_and_a_flaky_webhook(stack, topics, services):
    # The hook's record is per run: the test runs once per database backend, and the
    # first run's events (same sensor, same alert ids) must not satisfy the second's.
    _Hook.received.clear()
    _Hook.refused.clear()
    _Hook.unsigned.clear()
    server = HTTPServer(("127.0.0.1", free_port()), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {
        **topics,
        "KOTA_AGG_INDICATOR_INTERVAL_S": "1",
        "KOTA_AGG_ALERT_WEBHOOK_URL": f"http://127.0.0.1:{server.server_port}/hook",
        "KOTA_AGG_ALERT_WEBHOOK_SECRET": SECRET,
    }
    services("aggregate", env)
    start = _last_hour()
    produce(
        stack.bootstrap,
        env["KOTA_KAFKA_TOPIC_PREFIX"],
        [
            make_reading(
                SENSOR, "air", start + timedelta(minutes=m), m, city="ujialert", pm25=420.0
            )
            for m in range(45)
        ],
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not any(
        e["sensor_id"] == SENSOR and e["rule"].startswith("hazardous") and e["event"] == "open"
        for e in _Hook.received
    ):
        time.sleep(0.5)
    server.shutdown()

    opened = [
        e
        for e in _Hook.received
        if e["sensor_id"] == SENSOR and e["event"] == "open" and e["rule"].startswith("hazardous")
    ]
    assert opened, _Hook.received
    assert _Hook.unsigned == []  # every delivery signed, fresh, with its event id
    assert opened[0]["severity"] == "critical" and opened[0]["place"].endswith(SENSOR)
    events = [
        json.loads(r.value)
        for r in consume_all(stack.bootstrap, [f"{env['KOTA_KAFKA_TOPIC_PREFIX']}.alerts.v1"])
    ]
    in_kafka = [e for e in events if e["sensor_id"] == SENSOR and e["event"] == "open"]
    assert in_kafka and in_kafka[0]["event_id"] == opened[0]["event_id"]  # one id, both sinks
    # The delivery is recorded after the webhook answered: wait for the record.
    found = None
    deadline = time.monotonic() + 60
    with psycopg.connect(stack.conninfo(), autocommit=True) as conn:
        while time.monotonic() < deadline:
            found = conn.execute(
                "SELECT n.state, n.attempts FROM alert_notification n JOIN alert a "
                "ON a.id = n.alert_id WHERE a.sensor_id = %s AND a.rule LIKE 'hazardous%%' "
                "ORDER BY n.id LIMIT 1",
                (SENSOR,),
            ).fetchone()
            if found is not None and found[0] != "pending":
                break
            time.sleep(0.5)
    assert found == ("delivered", 2)  # one 503, then delivered


def test_an_unreachable_webhook_leaves_a_failed_notification(stack, topics, services):
    dead = f"http://127.0.0.1:{free_port()}/nobody-listens"
    env = {
        **topics,
        "KOTA_AGG_INDICATOR_INTERVAL_S": "1",
        "KOTA_AGG_ALERT_WEBHOOK_URL": dead,
        "KOTA_AGG_ALERT_WEBHOOK_SECRET": SECRET,
        "KOTA_AGG_ALERT_WEBHOOK_RETRY_S": "4",  # 24 h in production
    }
    aggregator = services("aggregate", env)
    sensor = "uja-air-0002"
    start = _last_hour()
    produce(
        stack.bootstrap,
        env["KOTA_KAFKA_TOPIC_PREFIX"],
        [
            make_reading(
                sensor, "air", start + timedelta(minutes=m), m, city="ujialert", pm25=420.0
            )
            for m in range(45)
        ],
    )
    found = None
    deadline = time.monotonic() + 120
    with psycopg.connect(stack.conninfo(), autocommit=True) as conn:
        while time.monotonic() < deadline and found is None:
            found = conn.execute(
                # the other sensors of the city are silent: their alerts are not ours
                "SELECT n.state, n.attempts, n.last_error FROM alert_notification n "
                "JOIN alert a ON a.id = n.alert_id WHERE a.sensor_id = %s "
                "AND a.rule LIKE 'hazardous%%'",
                (sensor,),
            ).fetchone()
            time.sleep(1)
    # retried with backoff (1 s, 2 s, …) until the retry time was up, then failed
    assert found is not None and found[0] == "failed" and found[1] >= 3, found
    assert "refused" in found[2].lower()
    assert aggregator.metric("kota_agg_alert_delivery_failures", 'sink="webhook"') >= 1


def test_a_crash_between_the_alert_commit_and_its_delivery_loses_nothing(stack, topics, services):
    """SIGKILL-like exit (os._exit) right after the transaction that opened alerts: their
    events are in the outbox, not in Kafka; after a restart each arrives exactly once."""
    env = {**topics, "KOTA_AGG_INDICATOR_INTERVAL_S": "1"}
    crashing = services("aggregate", {**env, "KOTA_AGG_FAULT_CRASH_BEFORE_PUBLISH": "1"})
    sensor, start = "uja-air-0003", _last_hour()
    readings = [
        make_reading(sensor, "air", start + timedelta(minutes=m), m, city="ujialert", pm25=420.0)
        for m in range(45)
    ]
    produce(stack.bootstrap, env["KOTA_KAFKA_TOPIC_PREFIX"], readings)
    assert crashing.proc is not None
    assert crashing.proc.wait(timeout=120) == 17, crashing.tail()
    with psycopg.connect(stack.conninfo(), autocommit=True) as conn:
        pending = {
            str(event_id)
            for (event_id,) in conn.execute(
                "SELECT event_id FROM alert_outbox WHERE kafka_at IS NULL"
            ).fetchall()
        }
        assert pending, "the crash came after an alert commit: its events wait in the outbox"

        services("aggregate", env)
        deadline = time.monotonic() + 120
        left = pending
        while time.monotonic() < deadline and left:
            left = {
                str(event_id)
                for (event_id,) in conn.execute(
                    "SELECT event_id FROM alert_outbox WHERE kafka_at IS NULL "
                    "AND event_id = ANY(%s::uuid[])",
                    (list(pending),),
                ).fetchall()
            }
            time.sleep(0.5)
        assert not left, f"{len(left)} of {len(pending)} events never reached Kafka"
    topic = f"{env['KOTA_KAFKA_TOPIC_PREFIX']}.alerts.v1"
    delivered = [json.loads(r.value)["event_id"] for r in consume_all(stack.bootstrap, [topic])]
    counts = {event_id: delivered.count(event_id) for event_id in pending}
    assert set(counts.values()) == {1}, counts  # every one, once


def test_an_event_without_a_value_enters_the_outbox(stack):
    """A close whose value is -inf (lifecycle: an open alert's episode that closes at its
    first point) once failed every indicator cycle: jsonb refuses -Infinity."""
    import asyncio

    from prometheus_client import CollectorRegistry

    from aggregator.alerts.engine import AlertEvent
    from aggregator.alerts.publisher import AlertPublisher
    from aggregator.store import Store
    from kotacerdas.settings import KafkaSettings

    opened = datetime.now(UTC) - timedelta(hours=1)
    with psycopg.connect(stack.conninfo(), autocommit=True) as conn:
        (alert_id,) = conn.execute(
            "INSERT INTO alert (rule, kind, severity, city, place_key, state, opened_at, "
            "last_seen_at, message) VALUES ('hazardous_air', 'hazardous_air', 'critical', "
            "'ujialert', 'ujialert/pusat/uja-air-0009', 'open', %s, %s, 'x') RETURNING id",
            (opened, opened),
        ).fetchone()
    event = AlertEvent(
        "close", alert_id, "hazardous_air", "hazardous_air", "critical", "ujialert", "pusat",
        "uja-air-0009", float("-inf"), float("-inf"), opened, opened + timedelta(minutes=5),
        "cleared", "x",
    )  # fmt: skip

    async def enqueue() -> None:
        store = Store(stack.conninfo(), timedelta(minutes=2))
        await store.open()
        try:
            publisher = AlertPublisher(KafkaSettings(), "unused", store, CollectorRegistry())
            async with store.connection() as conn, conn.transaction():
                await publisher.enqueue(conn, [event])
        finally:
            await store.close()

    asyncio.run(enqueue())
    with psycopg.connect(stack.conninfo(), autocommit=True) as conn:
        body = conn.execute(
            "SELECT body FROM alert_outbox WHERE alert_id = %s", (alert_id,)
        ).fetchone()[0]
        assert body["value"] is None and body["peak"] is None and body["event"] == "close"
        conn.execute("UPDATE alert_outbox SET kafka_at = now() WHERE alert_id = %s", (alert_id,))
