"""Kafka stopped for 20 s mid-stream: the bridge holds back (not ready) and loses nothing."""

from __future__ import annotations

import time
import uuid

from kota_testing.fleet import publish_in_background, reading_ids
from kota_testing.kafka import all_topics, consume_all

OUTAGE_S = 20


def test_kafka_outage_is_backpressure_not_loss(stack, topics, services):
    env, tag = topics, f"o{uuid.uuid4().hex[:6]}"
    bridge = services("ingest", {**env, "KOTA_INGEST_KAFKA_REQUEST_TIMEOUT_MS": "5000"})
    fleet = publish_in_background(env, 1_500, tag)
    fleet.wait_for(3_000)
    stack.stop("kafka")
    states = []
    deadline = time.monotonic() + OUTAGE_S
    while time.monotonic() < deadline:
        states.append(bridge.probe())
        time.sleep(0.5)
    stack.restart()
    expected = fleet.join().valid
    bridge.wait_ready(90)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        got = reading_ids(consume_all(stack.bootstrap, all_topics(env["KOTA_KAFKA_TOPIC_PREFIX"])))
        if expected <= got:
            break
        time.sleep(2)
    not_ready = [body for status, body in states if status == 503]
    assert not_ready and all("kafka" in body for body in not_ready), states[-3:]
    assert expected - got == set(), f"{len(expected - got)} readings missing"
