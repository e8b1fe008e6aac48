"""PostgreSQL goes away for 20 s mid-stream: the aggregator pauses, loses nothing, catches up."""

from __future__ import annotations

import threading
import time
import uuid

from kota_testing import db
from kota_testing.kafka import produce, reading_topics, wait_caught_up
from kota_testing.readings import make_stream

OUTAGE_S = 20


def test_database_outage_pauses_consumption_and_loses_nothing(stack, topics, services):
    env, tag = topics, f"t{uuid.uuid4().hex[:6]}"
    prefix, group = env["KOTA_KAFKA_TOPIC_PREFIX"], env["KOTA_AGG_GROUP_ID"]
    aggregator = services("aggregate", {**env, "KOTA_AGG_BATCH_MAX_RECORDS": "500"})
    readings = make_stream(tag, sensors_per_domain=4, minutes=60)
    chunks = [readings[i::10] for i in range(10)]

    def stream() -> None:  # ~10 s of producing, spanning the outage's start
        for chunk in chunks:
            produce(stack.bootstrap, prefix, chunk)
            time.sleep(1)

    producer = threading.Thread(target=stream)
    producer.start()
    time.sleep(3)
    stack.stop("postgresql")
    seen_not_ready = False
    deadline = time.monotonic() + OUTAGE_S
    while time.monotonic() < deadline:
        status, body = aggregator.probe()
        seen_not_ready |= status == 503 and "database" in body
        time.sleep(0.5)
    stack.restart()
    producer.join()

    wait_caught_up(stack.bootstrap, group, reading_topics(prefix), timeout_s=120)
    stored = db.msg_ids(stack.conninfo(), f"{tag}-%")
    assert seen_not_ready, "the aggregator never reported the outage on /readyz"
    assert sorted(stored) == sorted(r.msg_id for r in readings)
    assert aggregator.probe()[0] == 200
    assert aggregator.metric("kota_agg_store_retries") > 0
