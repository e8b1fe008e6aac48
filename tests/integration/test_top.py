"""`kotacerdas top`: one frame per city from the views, as kota_reader; clear errors."""

from __future__ import annotations

import os
import signal
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
