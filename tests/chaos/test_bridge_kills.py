"""The bridge is SIGKILLed twice mid-stream and restarted: nothing is lost."""

from __future__ import annotations

import time
import uuid

from kota_testing.fleet import dead_letters, malformed_ids_in, publish_in_background, reading_ids
from kota_testing.kafka import all_topics, consume_all

PER_SENSOR = 5_000  # x 10 sensors = 50 000 messages
MALFORMED_EVERY = 100


def test_bridge_killed_twice_loses_nothing(stack, topics, services):
    env, tag = topics, f"k{uuid.uuid4().hex[:6]}"
    bridge = services("ingest", env)
    fleet = publish_in_background(env, PER_SENSOR, tag, MALFORMED_EVERY)
    for fraction in (0.25, 0.6):
        fleet.wait_for(int(fraction * PER_SENSOR * 10))
        bridge.kill()  # SIGKILL: no flush, no acks, no goodbye
        time.sleep(1)
        bridge = services("ingest", env)  # same client id: resumes the persistent session
    sent = fleet.join()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        records = consume_all(stack.bootstrap, all_topics(env["KOTA_KAFKA_TOPIC_PREFIX"]))
        got, letters = reading_ids(records), dead_letters(records)
        if sent.valid <= got and sent.malformed <= malformed_ids_in(letters):
            break
        time.sleep(2)
    assert len(sent.valid) + len(sent.malformed) == PER_SENSOR * 10
    assert sent.valid - got == set(), f"{len(sent.valid - got)} valid messages missing"
    assert sent.malformed - malformed_ids_in(letters) == set()
    assert got - sent.valid == set()  # nothing invented
