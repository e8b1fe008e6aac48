"""Every kind of bad input ends in the dead-letter topic with its own reason code, and the
bridge keeps running."""

from __future__ import annotations

import time
import uuid
from collections import Counter

from kota_testing.bad_inputs import catalogue
from kota_testing.kafka import all_topics, consume_all
from kota_testing.mqtt import gateway_publisher, sensor_publisher

from kotacerdas.wire import H_CAUSE, H_MQTT_TOPIC, H_REASON


def test_bad_inputs_are_dead_lettered_with_their_reason(stack, topics, services):
    env, marker = topics, f"b{uuid.uuid4().hex[:6]}"
    bridge = services("ingest", env)
    cases = catalogue(marker)
    duplicate = next(c for c in cases if c.reason == "duplicate")

    sensor, gateway = sensor_publisher(env, "jkt-air-0001"), gateway_publisher(env)
    sensor.publish_all([(duplicate.topic, duplicate.payload)])  # the original
    for case in cases:
        (gateway if case.as_gateway else sensor).publish_all([(case.topic, case.payload)])
    assert sensor.refused == [] and gateway.refused == []
    sensor.close()
    gateway.close()

    expected = Counter((c.reason, c.cause) for c in cases)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        records = consume_all(stack.bootstrap, all_topics(env["KOTA_KAFKA_TOPIC_PREFIX"]), 1.5)
        letters = [dict(r.headers) for r in records if r.topic.endswith("deadletter.v1")]
        found = Counter(
            (h[H_REASON].decode(), h[H_CAUSE].decode() if H_CAUSE in h else None) for h in letters
        )
        if not expected - found:
            break
        time.sleep(1)
    assert len({c.reason for c in cases}) >= 28  # distinct reason codes exercised
    assert expected - found == Counter(), f"missing: {expected - found}"
    assert all(H_MQTT_TOPIC in h for h in letters)
    # raw bytes are preserved exactly
    payloads = {r.value for r in records if r.topic.endswith("deadletter.v1")}
    assert {c.payload for c in cases} <= payloads
    assert bridge.probe()[0] == 200  # still running and ready
    assert bridge.metric("kota_ingest_dead_letters") >= len(cases)
