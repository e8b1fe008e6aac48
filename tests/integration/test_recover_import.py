"""History import (issue 21): readings keep their event times, data older than ingest's
7-day limit takes the backfill path, bad lines are reported with their number and the
rest imports, and importing again stores nothing twice."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kota_testing import db as checks
from kota_testing.kafka import reading_topics, wait_caught_up
from kota_testing.services import run_cli

SENSOR = "ujp-air-0003"  # tests/data/cities/ujipulih.yaml; no other test writes it
CITY = "ujipulih"


def _wait(predicate, timeout_s: float = 60):
    return checks.poll(predicate, timeout_s)


_query = checks.rows


def _kotacerdas(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(env, *args, timeout_s=180)


def _native(ts: datetime, pm25: float, **extra: object) -> str:
    body = {"v": 1, "sensor_id": SENSOR, "ts": ts.isoformat(), "metrics": {"pm25": pm25}}
    return json.dumps({**body, **extra})


def test_an_import_across_the_7_day_limit_reports_bad_lines_and_stores_once(
    stack, topics, services, tmp_path: Path
):
    env = {**topics, "KOTA_RECOVER_ACTOR": "tester"}
    prefix, group = env["KOTA_KAFKA_TOPIC_PREFIX"], env["KOTA_AGG_GROUP_ID"]
    services("aggregate", env)
    db = stack.conninfo()
    # Hourly history from 9 days ago to 5 days ago: it crosses ingest's 7-day limit.
    start = (datetime.now(UTC) - timedelta(days=9)).replace(minute=0, second=0, microsecond=0)
    hours = 4 * 24
    lines = [_native(start + timedelta(hours=h), 20.0 + h % 7) for h in range(hours)]
    bad = {
        3: "{not json",
        10: json.dumps(
            {"v": 1, "sensor_id": "ujp-air-0999", "ts": start.isoformat(), "metrics": {"pm25": 1.0}}
        ),
        20: _native(start, 5.0).replace(start.isoformat(), "2026-13-45T99:00:00+07:00"),
        30: _native(start + timedelta(minutes=30), 5.0, units={"pm25": "furlongs"}),
    }
    for number, text in bad.items():
        lines.insert(number - 1, text)
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(lines) + "\n")
    state = tmp_path / "state"

    done = _kotacerdas(env, "import", str(path), "--state-dir", str(state))
    assert done.returncode == 1, done.stderr  # something was refused
    assert f"imported {hours} readings" in done.stdout, done.stdout
    assert "4 lines refused" in done.stdout
    reported = {
        line.split(":")[1]: line for line in done.stderr.splitlines() if line.startswith(str(path))
    }
    assert set(reported) == {"3", "10", "20", "30"}, done.stderr
    assert "malformed_json" in reported["3"]
    assert "unknown_sensor" in reported["10"]
    assert "invalid_timestamp" in reported["20"]
    assert "unknown_unit" in reported["30"]
    backfill = int(done.stdout.split("(")[1].split(" backfill")[0])
    assert 2 * 24 <= backfill <= 2 * 24 + 1  # the readings older than 7 days

    wait_caught_up(stack.bootstrap, group, reading_topics(prefix))

    def stored() -> list[tuple]:
        return _query(
            db,
            "SELECT count(*), min(ts), max(ts) FROM air_reading WHERE sensor_id = %s",
            SENSOR,
        )

    assert _wait(lambda: stored()[0][0] == hours), stored()
    assert stored()[0][1] == start  # event times kept, beyond the 7-day limit
    # rollups recomputed for the imported range (hours from the recomputed minutes)
    assert _wait(
        lambda: (
            _query(db, "SELECT count(*) FROM air_rollup_1h WHERE sensor_id = %s", SENSOR)[0][0]
            == hours
        )
    )

    # Importing the same file again: resumed (nothing left), and with --restart every
    # line is re-sent and stored once.
    again = _kotacerdas(env, "import", str(path), "--state-dir", str(state))
    assert again.returncode == 0 and "imported 0 readings" in again.stdout, again.stdout
    forced = _kotacerdas(env, "import", str(path), "--state-dir", str(state), "--restart")
    assert f"imported {hours} readings" in forced.stdout
    # An import interrupted after line 50 (its state file says so) resumes after it.
    from ingest.importer import state_path

    state_path(state, path).write_text(json.dumps({"file": str(path), "line": 50, "done": False}))
    resumed = _kotacerdas(env, "import", str(path), "--state-dir", str(state))
    assert resumed.returncode == 0, resumed.stderr
    assert f"imported {hours + 4 - 50} readings" in resumed.stdout, resumed.stdout
    assert "50 lines done before (resumed)" in resumed.stdout
    wait_caught_up(stack.bootstrap, group, reading_topics(prefix))
    assert stored()[0][0] == hours


def test_senml_and_mapped_csv_import(stack, topics, services, tmp_path: Path):
    env = topics
    prefix, group = env["KOTA_KAFKA_TOPIC_PREFIX"], env["KOTA_AGG_GROUP_ID"]
    services("aggregate", env)
    db = stack.conninfo()
    sensor = "ujp-air-0004"
    base = (datetime.now(UTC) - timedelta(days=20)).replace(minute=0, second=0, microsecond=0)
    pack = [{"bn": f"urn:dev:kota:{sensor}:", "bt": base.timestamp(), "bu": "ug/m3"}]
    pack[0].update({"n": "pm2_5", "v": 12.0})
    pack += [{"n": "pm2_5", "t": 3600.0 * h, "v": 12.0 + h} for h in range(1, 24)]
    senml = tmp_path / "pack.json"
    senml.write_text(json.dumps(pack))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "sensor: {column: stasiun, map: {'Stasiun Uji 2': " + sensor + "}}\n"
        "time: {column: waktu, format: '%Y-%m-%d %H:%M', timezone: Asia/Jakarta}\n"
        "metrics:\n  pm10: {column: pm10, unit: mg/m3}\n"
    )
    local = base.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Jakarta"))
    rows = ["stasiun,waktu,pm10"] + [
        f"Stasiun Uji 2,{(local + timedelta(days=1, hours=h)):%Y-%m-%d %H:%M},0.0{h % 9 + 1}"
        for h in range(24)
    ]
    rows.insert(5, "Stasiun Uji 2,kemarin,0.05")  # a bad date: line 6
    table = tmp_path / "ispu.csv"
    table.write_text("\n".join(rows) + "\n")

    done = _kotacerdas(
        env,
        "import",
        str(senml),
        str(table),
        "--mapping",
        str(mapping),
        "--state-dir",
        str(tmp_path / "state"),
    )
    assert done.returncode == 1
    assert "imported 48 readings" in done.stdout, (done.stdout, done.stderr)
    assert f"{table}:6: invalid_timestamp" in done.stderr
    wait_caught_up(stack.bootstrap, group, reading_topics(prefix))
    found = _wait(
        lambda: _query(
            db,
            "SELECT count(pm25), count(pm10), max(pm10) FROM air_reading WHERE sensor_id = %s "
            "AND ts < %s",
            sensor,
            base + timedelta(days=3),
        )
    )
    assert found == [(24, 24, 90.0)]  # mg/m³ converted to µg/m³


def test_a_backfilled_hazard_is_recorded_as_a_historical_alert_without_notification(
    stack, topics, services, tmp_path: Path
):
    from kota_testing.kafka import consume_all

    from kotacerdas.topics import ALERTS, full_name

    env = topics
    prefix, group = env["KOTA_KAFKA_TOPIC_PREFIX"], env["KOTA_AGG_GROUP_ID"]
    services("aggregate", {**env, "KOTA_AGG_INDICATOR_INTERVAL_S": "1"})
    db = stack.conninfo()
    sensor = "ujp-air-0005"
    start = (datetime.now(UTC) - timedelta(days=8)).replace(second=0, microsecond=0)
    # 50 hazardous minutes eight days ago (beyond the live limit), then clean air.
    lines = [
        json.dumps(
            {
                "v": 1,
                "sensor_id": sensor,
                "ts": (start + timedelta(minutes=m)).isoformat(),
                "metrics": {"pm25": 400.0 if m < 50 else 5.0},
            }
        )
        for m in range(120)
    ]
    path = tmp_path / "haze.jsonl"
    path.write_text("\n".join(lines) + "\n")
    done = _kotacerdas(env, "import", str(path), "--state-dir", str(tmp_path / "state"))
    assert done.returncode == 0 and "(120 backfill)" in done.stdout, done.stdout
    wait_caught_up(stack.bootstrap, group, reading_topics(prefix))

    def alerts() -> list[tuple]:
        return _query(
            db,
            "SELECT id, historical FROM alert WHERE rule = 'hazardous_air' AND sensor_id = %s",
            sensor,
        )

    found = _wait(lambda: [a for a in alerts() if a[1]], timeout_s=120)
    assert found, alerts()
    events = consume_all(stack.bootstrap, [full_name(prefix, ALERTS)], idle_s=2.0)
    ours = [json.loads(e.value) for e in events]
    # recorded, not notified (a live `silent_sensor` alert of the same sensor may be)
    assert [e for e in ours if e["sensor_id"] == sensor and e["rule"] == "hazardous_air"] == []


def test_jakarta_ispu_open_data_is_stored_as_published_evidence(stack, tmp_path: Path):
    rows = [
        "periode_data,tanggal,pm10,pm25,so2,co,o3,no2,max,critical,categori,lokasi_spku",
        "202101,2021-01-01,38,53,29,6,31,13,53,PM25,SEDANG,DKI1 (Bunderan HI)",
        "202101,2021-01-02,27,46,27,7,47,7,47,O3,BAIK,DKI1 (Bunderan HI)",
        "202101,2021-01-01,45,---,30,11,33,18,45,PM10,BAIK,DKI2 (Kelapa Gading)",
        "202101,2021-01-03,40,60,29,6,31,13,99,PM25,SEDANG,DKI1 (Bunderan HI)",  # max wrong
    ]
    path = tmp_path / "ispu-2021-01.csv"
    path.write_text("\n".join(rows) + "\n")
    done = _kotacerdas(dict(os.environ), "import", str(path), "--mapping", "jakarta_ispu")
    assert done.returncode == 1, done.stderr
    assert f"{path}:5: inconsistent" in done.stderr
    assert "3 published index rows stored as evidence" in done.stdout, done.stdout
    stored = _query(
        stack.conninfo(),
        "SELECT station, day::text, sub_indices->>'pm25', max_value, category FROM published_index "
        "WHERE source_file = %s ORDER BY station, day",
        path.name,
    )
    assert stored == [
        ("DKI1 (Bunderan HI)", "2021-01-01", "53.0", 53.0, "sedang"),
        ("DKI1 (Bunderan HI)", "2021-01-02", "46.0", 47.0, "baik"),
        ("DKI2 (Kelapa Gading)", "2021-01-01", None, 45.0, "baik"),
    ]
    again = _kotacerdas(dict(os.environ), "import", str(path), "--mapping", "jakarta_ispu")
    assert "3 published index rows" in again.stdout  # replaced in place, not added
    count = "SELECT count(*) FROM published_index WHERE source_file = %s"
    assert _query(stack.conninfo(), count, path.name) == [(3,)]
