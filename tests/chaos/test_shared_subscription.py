"""Two bridges share the subscription: they split the load and lose nothing when one dies."""

from __future__ import annotations

import time
import uuid

from kota_testing.fleet import publish_fleet, publish_in_background, reading_ids
from kota_testing.kafka import all_topics, consume_all


def test_two_bridges_split_the_load_and_survive_a_kill(stack, topics, services):
    env, tag = topics, f"s{uuid.uuid4().hex[:6]}"
    a_env = {**env, "KOTA_INGEST_CLIENT_ID": env["KOTA_INGEST_CLIENT_ID"] + "-a"}
    b_env = {**env, "KOTA_INGEST_CLIENT_ID": env["KOTA_INGEST_CLIENT_ID"] + "-b"}
    a, b = services("ingest", a_env), services("ingest", b_env)

    first = publish_fleet(env, 500, 0, tag + "x")
    share_a = a.metric("kota_ingest_received")
    share_b = b.metric("kota_ingest_received")

    fleet = publish_in_background(env, 1_500, tag)
    fleet.wait_for(5_000)
    a.kill()
    sent = fleet.join()
    # A replica comes back under its own client id (a Deployment restarts it) and
    # finishes what the broker kept in its session; B went on with the rest.
    services("ingest", a_env)

    expected = first.valid | sent.valid
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        got = reading_ids(consume_all(stack.bootstrap, all_topics(env["KOTA_KAFKA_TOPIC_PREFIX"])))
        if expected <= got:
            break
        time.sleep(2)
    assert share_a > 1000 and share_b > 1000, (share_a, share_b)  # both took a share
    assert expected - got == set(), f"{len(expected - got)} readings missing"
