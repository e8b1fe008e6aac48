"""Effectively once into PostgreSQL: replays, crashes between commits, rebalances."""

from __future__ import annotations

import uuid

import psycopg
from kota_testing import db
from kota_testing.kafka import produce, reading_topics, reset_group_to_beginning, wait_caught_up
from kota_testing.readings import make_stream


def _tag() -> str:
    return f"t{uuid.uuid4().hex[:6]}"


def test_replay_from_the_beginning_changes_nothing(stack, topics, services):
    env, tag = topics, _tag()
    prefix, group = env["KOTA_KAFKA_TOPIC_PREFIX"], env["KOTA_AGG_GROUP_ID"]
    readings = make_stream(tag)
    produce(stack.bootstrap, prefix, readings + readings[:50])  # some duplicates too
    like = f"{tag}-%"

    first = services("aggregate", env)
    wait_caught_up(stack.bootstrap, group, reading_topics(prefix))
    db.wait_rollups_done(stack.conninfo(), like)
    first.stop()

    with psycopg.connect(stack.conninfo("writer")) as conn:
        db.snapshot(conn, db.RAW + db.ROLLUPS, like)
        assert sum(db.count(stack.conninfo(), t, like) for t in db.RAW) == len(readings)

        reset_group_to_beginning(stack.bootstrap, group, reading_topics(prefix))
        second = services("aggregate", env)
        wait_caught_up(stack.bootstrap, group, reading_topics(prefix))
        db.wait_rollups_done(stack.conninfo(), like)
        replayed = second.metric("kota_agg_duplicates_dropped")
        second.stop()

        for table in db.RAW + db.ROLLUPS:
            assert db.differences(conn, table, like) == (0, 0), table
    assert replayed == len(readings) + 50


def test_crash_between_database_and_offset_commit_loses_and_doubles_nothing(
    stack, topics, services
):
    env, tag = topics, _tag()
    prefix, group = env["KOTA_KAFKA_TOPIC_PREFIX"], env["KOTA_AGG_GROUP_ID"]
    readings = make_stream(tag, minutes=30)
    produce(stack.bootstrap, prefix, readings)

    crashing = services(
        "aggregate",
        {**env, "KOTA_AGG_FAULT_CRASH_AFTER_BATCHES": "2", "KOTA_AGG_BATCH_MAX_RECORDS": "100"},
        wait_ready=False,
    )
    assert crashing.proc.wait(60) == 17  # died after its 2nd DB commit, before the offsets

    survivor = services("aggregate", {**env, "KOTA_AGG_BATCH_MAX_RECORDS": "100"})
    wait_caught_up(stack.bootstrap, group, reading_topics(prefix))
    replayed = survivor.metric("kota_agg_duplicates_dropped")

    stored = db.msg_ids(stack.conninfo(), f"{tag}-%")
    assert sorted(stored) == sorted(r.msg_id for r in readings)
    assert replayed >= 100  # the batch whose offsets were never committed came again


def test_a_killed_group_member_hands_its_partitions_over(stack, topics, services):
    env, tag = topics, _tag()
    prefix, group = env["KOTA_KAFKA_TOPIC_PREFIX"], env["KOTA_AGG_GROUP_ID"]
    small = {**env, "KOTA_AGG_BATCH_MAX_RECORDS": "200", "KOTA_AGG_SESSION_TIMEOUT_MS": "6000"}
    a = services("aggregate", small)
    b = services("aggregate", small)
    readings = make_stream(tag, sensors_per_domain=6, minutes=40)
    produce(stack.bootstrap, prefix, readings[: len(readings) // 2])
    a.kill()
    produce(stack.bootstrap, prefix, readings[len(readings) // 2 :])

    wait_caught_up(stack.bootstrap, group, reading_topics(prefix), timeout_s=120)
    stored = db.msg_ids(stack.conninfo(), f"{tag}-%")
    assert len(stored) == len(set(stored))  # duplicate-free
    assert set(stored) == {r.msg_id for r in readings}  # complete
    assert b.probe()[0] == 200
