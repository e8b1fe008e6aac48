"""Kafka stopped for 20 s mid-stream: the bridge holds back (not ready) and loses nothing."""

from __future__ import annotations

import threading
import time
import uuid

from kota_testing.fleet import publish_fleet, reading_ids
from kota_testing.kafka import all_topics, consume_all

OUTAGE_S = 20


def test_kafka_outage_is_backpressure_not_loss(stack, topics, services):
    env, tag = topics, f"o{uuid.uuid4().hex[:6]}"
    bridge = services("ingest", {**env, "KOTA_INGEST_KAFKA_REQUEST_TIMEOUT_MS": "5000"})
    progress: list[int] = []
    result = {}
    publisher = threading.Thread(
        target=lambda: result.update(sent=publish_fleet(env, 1_500, 0, tag, progress))
    )
    publisher.start()
    while sum(progress) < 3_000:
        time.sleep(0.05)
    stack.stop("kafka")
    states = []
    deadline = time.monotonic() + OUTAGE_S
    while time.monotonic() < deadline:
        states.append(bridge.probe())
        time.sleep(0.5)
    stack.restart()
    publisher.join()

    bridge.wait_ready(90)
    expected = result["sent"].valid
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        got = reading_ids(consume_all(stack.bootstrap, all_topics(env["KOTA_KAFKA_TOPIC_PREFIX"])))
        if expected <= got:
            break
        time.sleep(2)
    not_ready = [body for status, body in states if status == 503]
    assert not_ready and all("kafka" in body for body in not_ready), states[-3:]
    assert expected - got == set(), f"{len(expected - got)} readings missing"
