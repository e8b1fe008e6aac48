"""Alert events reach Kafka (kota.alerts.v1) and a webhook, retried; undeliverable ones
stay in alert_notification as failed, never disappear."""

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

from kotacerdas.stack.procs import free_port

SENSOR = "uja-air-0001"  # a test-only city (tests/data/cities): ours alone


def _last_hour() -> datetime:
    return (datetime.now(UTC) + timedelta(minutes=2)).replace(second=0, microsecond=0) - timedelta(
        hours=1
    )


class _Hook(BaseHTTPRequestHandler):
    """Refuses the first attempt of every notification (503), takes the second."""

    received: ClassVar[list[dict]] = []
    refused: ClassVar[set[tuple[int, str]]] = set()

    def do_POST(self) -> None:
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
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
    server = HTTPServer(("127.0.0.1", free_port()), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {
        **topics,
        "KOTA_AGG_INDICATOR_INTERVAL_S": "1",
        "KOTA_AGG_ALERT_WEBHOOK_URL": f"http://127.0.0.1:{server.server_port}/hook",
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
        e["sensor_id"] == SENSOR and e["rule"].startswith("hazardous") for e in _Hook.received
    ):
        time.sleep(0.5)
    server.shutdown()

    opened = [
        e
        for e in _Hook.received
        if e["sensor_id"] == SENSOR and e["event"] == "open" and e["rule"].startswith("hazardous")
    ]
    assert opened, _Hook.received
    assert opened[0]["severity"] == "critical" and opened[0]["place"].endswith(SENSOR)
    events = [
        json.loads(r.value)
        for r in consume_all(stack.bootstrap, [f"{env['KOTA_KAFKA_TOPIC_PREFIX']}.alerts.v1"])
    ]
    assert any(e["sensor_id"] == SENSOR and e["event"] == "open" for e in events)
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
    env = {**topics, "KOTA_AGG_INDICATOR_INTERVAL_S": "1", "KOTA_AGG_ALERT_WEBHOOK_URL": dead}
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
    assert found is not None and found[0] == "failed" and found[1] == 4, found
    assert "refused" in found[2].lower()
    assert aggregator.metric("kota_agg_alert_delivery_failures", 'sink="webhook"') >= 1
