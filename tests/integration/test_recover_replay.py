"""Dead-letter replay (issue 21): letters refused for a registry gap pass once the registry
is fixed, go through Kafka and the aggregator like live data, are recorded per letter,
and a second replay stores nothing twice."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kota_testing import db as checks
from kota_testing.kafka import reading_topics, wait_caught_up
from kota_testing.mqtt import gateway_publisher
from kota_testing.payloads import native
from kota_testing.services import run_cli

TEST_CITIES = Path(__file__).parents[1] / "data" / "cities"
CITY = "ujipulih"
MISSING = "ujp-air-0002"  # in tests/data/cities/ujipulih.yaml, not in the bridge's copy
UNKNOWN = "ujp-air-0099"  # in no registry at all


def _wait(predicate, timeout_s: float = 60):
    return checks.poll(predicate, timeout_s)


_query = checks.rows


def _kotacerdas(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(env, *args, timeout_s=120)


def test_replay_after_a_registry_fix_stores_each_reading_once(stack, topics, services, tmp_path):
    env = topics
    prefix, group = env["KOTA_KAFKA_TOPIC_PREFIX"], env["KOTA_AGG_GROUP_ID"]
    # The bridge's registry lacks the city's second and third station (a missing entry).
    partial = tmp_path / "cities"
    partial.mkdir()
    text = (TEST_CITIES / f"{CITY}.yaml").read_text()
    (partial / f"{CITY}.yaml").write_text(text.replace("per_district: 5", "per_district: 1"))
    services("ingest", {**env, "KOTA_REGISTRY_DIR": str(partial)})
    services("aggregate", env)
    db = stack.conninfo()
    since = datetime.now(UTC) - timedelta(seconds=5)
    start = (datetime.now(UTC) - timedelta(hours=2)).replace(second=0, microsecond=0)
    messages = [
        (f"kota/{CITY}/air/{MISSING}", native(MISSING, "air", start + timedelta(minutes=m), m))
        for m in range(20)
    ]
    messages.append((f"kota/{CITY}/air/{UNKNOWN}", native(UNKNOWN, "air", start, 0)))
    gateway = gateway_publisher(env, client_id=f"gw-{prefix}")
    try:
        gateway.publish_all(messages)
    finally:
        gateway.close()

    def letters() -> list[tuple]:
        return _query(
            db,
            "SELECT id, reason, sensor_id FROM dead_letter WHERE city = %s AND received_at >= %s",
            CITY,
            since,
        )

    assert _wait(lambda: len(letters()) == 21), letters()
    assert {r[1] for r in letters()} == {"unknown_sensor"}
    fixed = {**env, "KOTA_REGISTRY_DIR": str(TEST_CITIES)}  # today's registry has the entry
    chosen = ["--city", CITY, "--reason", "unknown_sensor", "--since", since.isoformat()]

    listed = _kotacerdas(fixed, "deadletter", "list", *chosen)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("unknown_sensor") == 21
    shown = _kotacerdas(fixed, "deadletter", "show", str(letters()[0][0]))
    assert shown.returncode == 0 and '"v": 1' in shown.stdout, shown

    dry = _kotacerdas(fixed, "deadletter", "replay", "--dry-run", *chosen)
    assert dry.stdout.count("would forward 1 readings") == 20, dry.stdout
    assert "still refused: unknown_sensor" in dry.stdout
    assert dry.returncode == 1  # one letter is still refused
    recorded = "SELECT count(*) FROM dead_letter_replay p JOIN dead_letter d ON d.id = p.letter_id "
    assert _query(db, recorded + "WHERE d.city = %s", CITY) == [(0,)]  # a dry run records nothing

    done = _kotacerdas(fixed, "deadletter", "replay", *chosen)
    assert done.returncode == 1, done.stderr  # the unknown station stays refused
    assert "20 forwarded (20 readings), 1 still refused; unknown_sensor 1" in done.stdout
    wait_caught_up(stack.bootstrap, group, reading_topics(prefix))

    def stored() -> int:
        return _query(db, "SELECT count(*) FROM air_reading WHERE sensor_id = %s", MISSING)[0][0]

    assert _wait(lambda: stored() == 20), stored()
    outcomes = _query(
        db,
        "SELECT d.sensor_id, p.outcome, p.reason, p.replayed_by LIKE 'replay:%%' "
        "FROM dead_letter_replay p JOIN dead_letter d ON d.id = p.letter_id "
        "WHERE d.city = %s AND d.received_at >= %s",
        CITY,
        since,
    )
    assert sorted(set(outcomes)) == [
        (MISSING, "forwarded", None, True),
        (UNKNOWN, "refused", "unknown_sensor", True),
    ]
    assert len(outcomes) == 21

    # Forwarded letters are skipped by a second replay; with --again they are re-sent,
    # and the aggregator's natural key stores them once.
    again = _kotacerdas(
        fixed,
        "deadletter",
        "replay",
        "--reason",
        "unknown_sensor",
        "--sensor",
        MISSING,
        "--since",
        since.isoformat(),
    )
    assert again.returncode == 0 and again.stdout.startswith("0 letters"), again.stdout
    forced = _kotacerdas(
        fixed, "deadletter", "replay", "--again", "--sensor", MISSING, "--since", since.isoformat()
    )
    assert forced.returncode == 0 and "20 forwarded" in forced.stdout, forced.stdout
    wait_caught_up(stack.bootstrap, group, reading_topics(prefix))
    assert stored() == 20
