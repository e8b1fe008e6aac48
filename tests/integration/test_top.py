"""`kotacerdas top`: one frame per city from the views, as kota_reader; clear errors."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from kotacerdas.stack.procs import free_port

CITY = "sumedang"


@pytest.fixture(scope="module")
def seeded(stack):
    """City-scope indicators, an open critical alert, a stored reading, a dead letter and a
    committed batch for Sumedang, written as kota_writer (the jobs' contract)."""
    now = datetime.now(UTC)
    window = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 5)
    with psycopg.connect(stack.conninfo("writer")) as conn:
        for code, value, category, coverage in (
            ("ispu", 172.0, "tidak_sehat", 0.9),
            ("green_city_index", 58.0, None, 0.75),
            ("safety_index", 81.0, None, 0.5),
        ):
            conn.execute(
                "INSERT INTO indicator_latest (city, code, ts, window_s, value, category, "
                "coverage) VALUES (%s, %s, %s, 300, %s, %s, %s) ON CONFLICT (city, district, "
                "sensor_id, code) DO UPDATE SET value = EXCLUDED.value, "
                "category = EXCLUDED.category, coverage = EXCLUDED.coverage",
                (CITY, code, window, value, category, coverage),
            )
        conn.execute(
            "INSERT INTO alert (rule, kind, severity, city, place_key, state, opened_at, "
            "last_seen_at, message) VALUES ('top_test', 'bin_fire', 'critical', %s, %s, "
            "'open', now(), now(), 'test') ON CONFLICT DO NOTHING",
            (CITY, f"{CITY}/top"),
        )
        conn.execute(
            "INSERT INTO air_reading (sensor_id, ts, msg_id, city, pm25, source_format) "
            "VALUES ('smd-air-0001', %s, 'top-test', %s, 80, 'kota/v1') "
            "ON CONFLICT DO NOTHING",
            (now - timedelta(seconds=5), CITY),
        )
        conn.execute(
            "INSERT INTO dead_letter (origin, reason, message, city, payload, source, "
            "received_at) VALUES (%s, 'malformed_json', 'test', %s, '\\x00', 'mqtt', now())",
            (f"top-test-{now.timestamp()}", CITY),
        )
        conn.execute(
            "INSERT INTO pipeline_batch (consumer, records, air, traffic, waste, duplicates, "
            "letters, lag, latency_p50_s, latency_p99_s, write_s) "
            "VALUES ('top-test', 60, 30, 20, 10, 0, 2, 1234, 0.1, 0.4, 0.02)"
        )
    return stack


def _top(env: dict[str, str], *args: str, **kw) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kotacerdas.cli", "top", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        **kw,
    )


def test_once_prints_one_frame_with_every_city(seeded):
    done = _top(seeded.env, "--once")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for name in ("Jakarta", "Makassar", "Banyuwangi", "Sumedang"):
        assert name in out
    line = next(row for row in out.splitlines() if "Sumedang" in row)
    assert "Tidak sehat / Unhealthy 172" in line
    assert "58 (75%)" in line and "81 (50%)" in line
    cells = [cell.strip() for cell in line.split("│")]
    # our open critical alert, plus whatever other tests' aggregators opened in the city
    opened, critical = (int(x) for x in cells[5].replace("(", " ").replace(")", " ").split())
    assert opened >= 1 and critical >= 1
    assert float(cells[6]) > 0 and float(cells[7]) > 0  # readings/s, dead letters/s
    pipeline = next(row for row in out.splitlines() if "Pipeline" in row)
    lag = float([c.strip() for c in pipeline.split("│") if c.strip()][-1])
    # the sum of every consumer's newest lag: ours (1234) plus any other test's aggregator
    assert lag >= 1234


def test_live_mode_refreshes_until_interrupted(seeded):
    proc = subprocess.Popen(
        [sys.executable, "-m", "kotacerdas.cli", "top", "--interval", "0.5"],
        env={**os.environ, **seeded.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "Sumedang" in out and "Traceback" not in err


def test_an_unreachable_database_is_one_clear_line(seeded):
    env = {
        **seeded.env,
        "KOTA_READER_DB_PORT": str(free_port()),
        "KOTA_READER_DB_CONNECT_TIMEOUT_S": "2",
    }
    done = _top(env, "--once")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("kotacerdas top: cannot reach the database at 127.0.0.1:")


def test_interval_below_the_minimum_is_refused(seeded):
    done = _top(seeded.env, "--interval", "0.1")
    assert done.returncode == 2 and "at least 0.5" in done.stderr


# --- on a real stream: the simulator, the bridge and the aggregator --------------------
STREAM_CITY = "ujitop"  # a test-only city (tests/data/cities): two stations, two roads


def _frame(conn, consumer: str, until, what: str, timeout_s: float = 60):
    """Frames as `top` reads them, until one satisfies ``until``; with the readings/s
    that ``consumer`` (an aggregator) stored in the same snapshot and rate window."""
    from kotacerdas.top import read_snapshot
    from kotacerdas.top_frame import RATE_WINDOW_S

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with conn.transaction():  # read_snapshot's own transaction becomes a savepoint
            frame = read_snapshot(conn)
            (stored,) = conn.execute(
                "SELECT coalesce(sum(air + traffic + waste), 0) FROM v_pipeline_batch "
                f"WHERE consumer = %s AND ts > now() - interval '{RATE_WINDOW_S} s'",
                (consumer,),
            ).fetchone()
        if until(frame):
            return frame, stored / RATE_WINDOW_S
        time.sleep(0.5)
    raise TimeoutError(f"top never showed {what} within {timeout_s} s")


def _city(frame):
    return next(c for c in frame.cities if c.slug == STREAM_CITY)


@pytest.fixture(scope="module")
def streamed(stack, tmp_path_factory):
    """Simulated streets at 300 times real speed (until stopped), through MQTT,
    the bridge, Kafka and the aggregator, watched with `top`'s own reads: before it
    starts, while it flows and while one domain's rollups are held in flight. Returns
    those frames and the city's alerts raised until the pipeline is quiet."""
    import asyncio
    import uuid

    from kota_testing import simulation
    from kota_testing.services import ServiceProcess

    from kotacerdas.top import frame_connection, read_snapshot

    tag = uuid.uuid4().hex[:8]
    env = {
        **stack.env,
        "KOTA_ENV": "test",
        "KOTA_KAFKA_TOPIC_PREFIX": f"top{tag}",
        "KOTA_AGG_GROUP_ID": f"top-aggregator-{tag}",
        "KOTA_INGEST_SHARED_GROUP": f"top-ingest-{tag}",
        "KOTA_INGEST_CLIENT_ID": f"top-ingest-{tag}",
        "KOTA_INGEST_SESSION_EXPIRY_S": "120",
        "KOTA_AGG_INDICATOR_INTERVAL_S": "1",
        # a rollup cycle then spans 10 min of the stream's event time: more than the
        # lateness plus three intervals of a traffic counter (2 + 3 min)
        "KOTA_AGG_ROLLUP_INTERVAL_S": "2",
        # other tests' cities live at other times: this one must not be taken for dark
        "KOTA_AGG_CITY_SILENCE_S": "10000000",
    }
    asyncio.run(_ensure_topics(env))
    work = tmp_path_factory.mktemp("top-stream")
    services = [ServiceProcess(c, env, work) for c in ("ingest", "aggregate")]
    simulator = None
    frames: dict[str, object] = {}
    try:
        for service in services:
            service.start()
        with (
            frame_connection(stack.conninfo("reader")) as conn,
            psycopg.connect(stack.conninfo("owner"), autocommit=True) as owner,
        ):
            frames["before"] = read_snapshot(conn)
            first_new = owner.execute("SELECT coalesce(max(id), 0) + 1 FROM alert").fetchone()[0]
            # Planned long enough for a loaded machine to show every frame while the
            # readings still flow; stopped (SIGTERM) once they have been seen.
            simulator = simulation.start(env, [STREAM_CITY], rate=20.0, duration_s=150.0, seed=5)
            # the aggregator reads this city's topics only: what it stores is the city's
            consumer = f"{socket.gethostname()}-{services[1].proc.pid}"
            frames["steady"], frames["stored_per_s"] = _frame(
                conn,
                consumer,
                lambda f: _city(f).safety is not None and _city(f).readings_per_s > 0,
                "the city's indices while its readings flow",
                timeout_s=140,
            )
            frames["held"] = _hold_traffic_rollups(stack, conn, owner)
            simulator.send_signal(signal.SIGTERM)
            # 130: stopped by the signal, its truth written (kotacerdas.shutdown)
            assert simulator.wait(timeout=60) in (0, 130), simulator.stderr.read()[-2000:]
            _wait_quiet(owner)
            alerts = owner.execute(
                "SELECT rule, place_key, state, close_reason FROM alert "
                "WHERE city = %s AND id >= %s",
                (STREAM_CITY, first_new),
            ).fetchall()
        yield {"frames": frames, "alerts": alerts}
    finally:
        if simulator is not None and simulator.poll() is None:
            simulator.kill()
        for service in services:
            service.stop()


async def _ensure_topics(env: dict[str, str]) -> None:
    from kotacerdas.settings import KafkaSettings
    from kotacerdas.topics import ensure_topics

    await ensure_topics(
        KafkaSettings(
            bootstrap=env["KOTA_KAFKA_BOOTSTRAP"], topic_prefix=env["KOTA_KAFKA_TOPIC_PREFIX"]
        )
    )


def _hold_traffic_rollups(stack, conn, owner) -> list:
    """Keep the rollup job's traffic transaction waiting (as a slow commit would) while
    air's rollups of the same cycle are committed, and return `top`'s frames over two
    indicator cycles of the city in that state."""
    from kotacerdas.top import read_snapshot

    with psycopg.connect(stack.conninfo("owner")) as holder:
        holder.execute("LOCK TABLE traffic_rollup_1h IN SHARE MODE")
        deadline = time.monotonic() + 30
        while not owner.execute(
            "SELECT EXISTS (SELECT FROM pg_locks WHERE NOT granted "
            "AND relation = 'traffic_rollup_1h'::regclass)"
        ).fetchone()[0]:
            assert time.monotonic() < deadline, "the rollup job never reached traffic"
            time.sleep(0.2)
        cycles: set = set()
        frames = []
        deadline = time.monotonic() + 30
        while len(cycles) < 3:  # the cycle running when the job blocked, and two more
            assert time.monotonic() < deadline, "the indicator job stopped computing the city"
            frames.append(read_snapshot(conn))
            cycles |= {
                owner.execute(
                    "SELECT max(computed_at) FROM v_indicator_latest WHERE city = %s",
                    (STREAM_CITY,),
                ).fetchone()[0]
            }
            time.sleep(0.3)
        holder.rollback()
    return frames


def _wait_quiet(owner, timeout_s: float = 60) -> None:
    """Until no rollup or indicator work of the city is left (the job is quiet)."""
    deadline = time.monotonic() + timeout_s
    idle = 0
    while idle < 3:
        assert time.monotonic() < deadline, f"work of {STREAM_CITY} still pending"
        pending = owner.execute(
            "SELECT (SELECT count(*) FROM rollup_dirty d JOIN sensor s USING (sensor_id) "
            "WHERE s.city = %(city)s) + "
            "(SELECT count(*) FROM indicator_dirty WHERE city = %(city)s)",
            {"city": STREAM_CITY},
        ).fetchone()[0]
        idle = idle + 1 if pending == 0 else 0
        time.sleep(1)


def test_each_city_shows_its_own_readings_per_second(streamed):
    frame = streamed["frames"]["steady"]
    assert _city(frame).readings_per_s > 0
    # the same snapshot and clock: exactly what the pipeline stored for the city
    assert _city(frame).readings_per_s == streamed["frames"]["stored_per_s"]


def test_an_ispu_from_part_of_a_day_is_marked_partial_and_a_missing_one_waits(streamed):
    from kotacerdas.top_frame import ispu_text

    before = ispu_text(_city(streamed["frames"]["before"]).ispu)[0]
    assert before == "— menunggu / waiting: the first window, 0/24 h seen"
    ispu = _city(streamed["frames"]["steady"]).ispu
    assert ispu.value is not None and 1 <= ispu.hours < 24  # 2.5 h of simulated time
    assert ispu_text(ispu)[0].endswith(f"(sebagian / partial {ispu.hours}/24 h)")


def test_open_alerts_and_coverage_hold_while_a_domain_is_still_rolling_up(streamed):
    from kotacerdas.top_frame import MIN_COMPOSITE_COVERAGE

    held = streamed["frames"]["held"]
    steady = _city(streamed["frames"]["steady"])
    assert {_city(f).open_alerts for f in held} == {steady.open_alerts}
    for frame in held:
        city = _city(frame)
        assert city.green_coverage >= MIN_COMPOSITE_COVERAGE, city
        assert city.safety_coverage >= MIN_COMPOSITE_COVERAGE, city
    # the stream raises nothing, so nothing may be raised and then withdrawn as revised
    assert streamed["alerts"] == []
