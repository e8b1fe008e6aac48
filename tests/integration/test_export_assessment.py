"""`kotacerdas export` on real PostgreSQL: values recomputed here, formats, browser, schedule.

Two test cities are written through the writer role exactly as the aggregator writes
them (registry rows, hourly rollups, alerts, live index rows, dead letters), for October
2026: *Kota Uji* (Asia/Makassar; 3 air stations at 60 % of their samples, 3 traffic
counters, 4 bins) and *Kota Sepi* (Asia/Jakarta; bins only). The export then runs as the
reader, and at least five figures are recomputed below from the generated values with
plain Python — not with the exporter's code.
"""

from __future__ import annotations

import io
import json
import statistics
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import openpyxl
import psycopg
import pytest

from kotacerdas.cli import main
from kotacerdas.export import browser, files, schedule

TAG = uuid.uuid4().hex[:6]
UJI, SEPI = f"uji{TAG}", f"sepi{TAG}"
START = datetime(2026, 9, 30, 16, tzinfo=UTC)  # 1 Oct 2026 00:00 WITA
HOURS = 31 * 24
RUSH = (7, 8, 17, 18)
AREA_KM2, DISTRICTS = 120.0, (("utara", 200_000), ("tengah", 250_000), ("selatan", 150_000))
AIR = [f"{UJI}-air-{i:04d}" for i in (1, 2, 3)]
TRAFFIC = [  # id, street, road class, capacity pcu/h, free flow km/h, length km
    (f"{UJI}-traffic-0001", "Jl. Satu", "arteri_primer", 2000.0, 50.0, 3.0),
    (f"{UJI}-traffic-0002", "Jl. Satu", "arteri_primer", 2000.0, 50.0, 3.0),
    (f"{UJI}-traffic-0003", "Jl. Dua", "lokal", 1000.0, 40.0, 2.0),
]
BINS = [f"{UJI}-waste-{i:04d}" for i in (1, 2, 3, 4)]
SEPI_BINS = [f"{SEPI}-waste-{i:04d}" for i in (1, 2)]
AIR_SAMPLES = 36  # of 60 expected per hour: 60 % uptime
GAP = range(100, 131)  # station 3 is silent for 31 hours (days 5 and 6 incomplete)
ALERT_MINUTES = (30, 90, 150)


# --- the generated data (the "truth" the test recomputes from) ----------------------


def pm25(k: int, station: int) -> float:
    return 8.0 + (k * 7 + station * 5) % 17


def air_hours(station: int) -> list[int]:
    return [k for k in range(-23, HOURS) if not (station == 2 and k in GAP)]


def vehicles(k: int) -> float:
    return 2200.0 if k % 24 in RUSH else 800.0


def speed(k: int) -> float:
    return 20.0 if k % 24 in RUSH else 45.0


def fill_max(k: int, b: int) -> float:
    return min(100.0, (k * 4 + b * 8) % 104 + 2.0)


def fill_avg(k: int, b: int) -> float:
    return float((k * 4 + b * 8) % 104)


# --- seeding through the writer role --------------------------------------------------


def _registry(conn: psycopg.Connection) -> None:
    conn.execute(
        "INSERT INTO city (slug, name, code, province, timezone, area_km2, population, lat, lon)"
        " VALUES (%s, 'Kota Uji', %s, 'Sulawesi Selatan', 'Asia/Makassar', %s, 600000, -5.1, 119.4),"
        " (%s, 'Kota Sepi', %s, 'Jawa Barat', 'Asia/Jakarta', 50, 100000, -6.9, 107.6)",
        (UJI, UJI, AREA_KM2, SEPI, SEPI),
    )  # fmt: skip
    for slug, population in DISTRICTS:
        conn.execute(
            "INSERT INTO district VALUES (%s, %s, %s, 40, %s, -5.1, 119.4, 'mixed')",
            (UJI, slug, slug.title(), population),
        )
    conn.execute(
        "INSERT INTO district VALUES (%s, 'pusat', 'Pusat', 50, 100000, -6.9, 107.6, 'mixed')",
        (SEPI,),
    )
    for sid, district in zip(AIR, ("utara", "tengah", "selatan"), strict=True):
        conn.execute(
            "INSERT INTO sensor (sensor_id, city, district, domain, lat, lon, interval_s)"
            " VALUES (%s, %s, %s, 'air', -5.1, 119.4, 60)",
            (sid, UJI, district),
        )
    for (sid, street, road, cap, ff, km), district in zip(
        TRAFFIC, ("utara", "tengah", "tengah"), strict=True
    ):
        conn.execute(
            "INSERT INTO sensor (sensor_id, city, district, domain, lat, lon, interval_s, street,"
            " road_class, lanes, capacity_pcu_h, free_flow_kmh, length_km)"
            " VALUES (%s, %s, %s, 'traffic', -5.1, 119.4, 60, %s, %s, 2, %s, %s, %s)",
            (sid, UJI, district, street, road, cap, ff, km),
        )
    for sid, district in zip(BINS, ("utara", "utara", "tengah", "selatan"), strict=True):
        conn.execute(
            "INSERT INTO sensor (sensor_id, city, district, domain, lat, lon, interval_s,"
            " capacity_l) VALUES (%s, %s, %s, 'waste', -5.1, 119.4, 300, 660)",
            (sid, UJI, district),
        )
    for sid in SEPI_BINS:
        conn.execute("INSERT INTO sensor (sensor_id, city, district, domain, lat, lon, interval_s,"
                     " capacity_l) VALUES (%s, %s, 'pusat', 'waste', -6.9, 107.6, 300, 660)",
                     (sid, SEPI))  # fmt: skip


def _rollups(conn: psycopg.Connection) -> None:
    hour = timedelta(hours=1)
    with conn.cursor().copy(
        "COPY air_rollup_1h (sensor_id, ts, city, samples, pm25_avg, pm25_n, pm10_avg, pm10_n,"
        " no2_avg, no2_n, so2_avg, so2_n, o3_avg, o3_n, co_avg, co_n, noise_avg, noise_n)"
        " FROM STDIN"
    ) as copy:
        for s, sid in enumerate(AIR):
            for k in air_hours(s):
                v, n = pm25(k, s), AIR_SAMPLES
                noise = 62.0 if 6 <= k % 24 < 22 else 52.0 + s
                copy.write_row((sid, START + k * hour, UJI, n, v, n, 2 * v, n, 30.0, n, 10.0, n,
                                50.0, n, 900.0, n, noise, n))  # fmt: skip
    with conn.cursor().copy(
        "COPY traffic_rollup_1h (sensor_id, ts, city, samples, vehicle_count_sum, observed_s,"
        " avg_speed_kmh_avg, avg_speed_kmh_n, speeding_count_sum) FROM STDIN"
    ) as copy:
        for sid, *_ in TRAFFIC:
            for k in range(HOURS):
                fast = 0.0 if k % 24 in RUSH else 8.0
                copy.write_row(
                    (sid, START + k * hour, UJI, 60, vehicles(k), 3600.0, speed(k), 60, fast)
                )
    with conn.cursor().copy(
        "COPY waste_rollup_1h (sensor_id, ts, city, samples, fill_level_avg, fill_level_max,"
        " fill_level_n, temperature_max, temperature_n) FROM STDIN"
    ) as copy:
        for city, bins, start in ((UJI, BINS, START), (SEPI, SEPI_BINS, START + hour)):
            for b, sid in enumerate(bins):
                for k in range(HOURS):
                    temp = 75.0 if (b == 3 and k in (200, 201)) else 31.0
                    copy.write_row((sid, start + k * hour, city, 12, fill_avg(k, b),
                                    fill_max(k, b), 12, temp, 12))  # fmt: skip


def _events(conn: psycopg.Connection) -> None:
    opened = START + timedelta(days=3)
    for i, minutes in enumerate((*ALERT_MINUTES, None)):
        closed = None if minutes is None else opened + timedelta(minutes=minutes)
        conn.execute(
            "INSERT INTO alert (rule, kind, severity, city, place_key, state, opened_at,"
            " last_seen_at, closed_at, message) VALUES (%s, %s, 'warning', %s, %s, %s, %s, %s, %s,"
            " 'test alert')",
            ("overflow", "overflow" if i else "hazardous_air", UJI, f"{UJI}-{i}",
             "open" if closed is None else "closed", opened, opened, closed),
        )  # fmt: skip
    before = START - timedelta(days=2)  # opened in September: not this period's
    conn.execute(
        "INSERT INTO alert (rule, kind, severity, city, place_key, state, opened_at, last_seen_at,"
        " closed_at, message) VALUES ('x', 'overflow', 'info', %s, %s, 'closed', %s, %s, %s, 'old')",
        (UJI, f"{UJI}-old", before, before, before + timedelta(minutes=5)),
    )  # fmt: skip
    for value, coverage, minutes in ((50.0, 0.8, 0), (70.0, 1.0, 5)):
        conn.execute(
            "INSERT INTO indicator (city, code, ts, window_s, value, coverage)"
            " VALUES (%s, 'green_city_index', %s, 300, %s, %s)",
            (UJI, START + timedelta(days=1, minutes=minutes), value, coverage),
        )
    for i in range(2):
        conn.execute(
            "INSERT INTO dead_letter (origin, reason, message, city, payload, source, received_at)"
            " VALUES (%s, 'malformed_json', 'bad', %s, 'x', 'test', %s)",
            (f"{UJI}-letter-{i}", UJI, START + timedelta(days=4)),
        )


@pytest.fixture(scope="module")
def seeded(stack) -> Iterator[str]:
    writer = stack.conninfo("writer")
    with psycopg.connect(writer, autocommit=True) as conn:
        for table in ("air_rollup_1h", "traffic_rollup_1h", "waste_rollup_1h", "indicator"):
            conn.execute(
                "SELECT kota_ensure_partitions(%s::regclass, '2026-09-27', '2026-11-02')", (table,)
            )
        with conn.transaction():
            _registry(conn)
            _rollups(conn)
            _events(conn)
    yield writer
    with psycopg.connect(writer, autocommit=True) as conn:  # registry rows; the rest is history
        conn.execute("DELETE FROM city WHERE slug IN (%s, %s)", (UJI, SEPI))


def export(out: Path, *args: str) -> int:
    return main(["export", "--out", str(out), *args])


@pytest.fixture(scope="module")
def exported(seeded, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export")
    assert export(out, "--city", f"{UJI},{SEPI}", "--period", "2026-10") == 0
    return out


def load(out: Path, city: str) -> dict:
    return json.loads((out / f"{city}_2026-10.json").read_text(encoding="utf-8"))


def by_code(doc: dict) -> dict:
    return {row["code"]: row for row in doc["indicators"]}


# --- values, recomputed independently -------------------------------------------------


def test_five_and_more_indicators_match_an_independent_recomputation(exported) -> None:
    found = by_code(load(exported, UJI))

    # 1. ISO 37122 8.2: real-time stations per km²
    assert found["iso37122_8_2"]["value"] == pytest.approx(3 / AREA_KM2, abs=1e-6)

    # 2. ISO 37120 8.1: Σ city daily means / days, a station-day needs ≥ 18 hours
    city_days = []
    for day in range(31):
        station_means = []
        for s in range(3):
            values = [pm25(k, s) for k in air_hours(s) if 24 * day <= k < 24 * day + 24]
            if len(values) >= 18:
                station_means.append(sum(values) / len(values))
        city_days.append(sum(station_means) / len(station_means))
    assert found["iso37120_8_1"]["value"] == pytest.approx(sum(city_days) / 31, abs=1e-6)
    assert found["iso37120_8_1"]["details"]["station_days"] == 3 * 31 - 2  # days 5, 6 of #3

    # 3. station-hours whose trailing 24-h PM2.5 mean is above the WHO AQG of 15 µg/m³
    above = valid = 0
    for s in range(3):
        have = set(air_hours(s))
        for k in range(HOURS):
            hours = [j for j in range(k - 23, k + 1) if j in have]
            if len(hours) >= 18:
                valid += 1
                above += sum(pm25(j, s) for j in hours) / len(hours) > 15.0
    assert (found["kc_hours_above_who_aqg_pm25"]["numerator"],
            found["kc_hours_above_who_aqg_pm25"]["denominator"]) == (above, valid)  # fmt: skip
    assert found["kc_hours_above_who_aqg_pm25"]["value"] == pytest.approx(
        100 * above / valid, abs=1e-6
    )

    # 4. LOS by V/C: rush hours are over capacity on both streets (F), the rest B or D
    los = found["kc_los_distribution"]
    assert los["breakdown"]["F"] == pytest.approx(100 * 4 / 24, abs=1e-6)
    assert los["breakdown"]["B"] == pytest.approx(100 * 2 / 3 * 20 / 24, abs=1e-6)  # Jl. Satu ×2
    assert los["breakdown"]["D"] == pytest.approx(100 * 1 / 3 * 20 / 24, abs=1e-6)  # Jl. Dua
    assert los["value"] == pytest.approx(100 * 20 / 24, abs=1e-6)

    # 5. congestion = mean of (free flow / speed − 1) × 100 over segment-hours
    levels = [(ff / speed(k) - 1) * 100 for _, _, _, _, ff, _ in TRAFFIC for k in range(HOURS)]
    assert found["kc_congestion_level"]["value"] == pytest.approx(
        sum(levels) / len(levels), abs=1e-6
    )

    # 6. overflow events: runs of hours with hourly max fill ≥ 90 %, per 100 bins
    events = 0
    for b in range(4):
        flags = [fill_max(k, b) >= 90.0 for k in range(HOURS)]
        events += sum(1 for i, f in enumerate(flags) if f and (i == 0 or not flags[i - 1]))
    assert found["kc_overflow_events"]["numerator"] == events
    assert found["kc_overflow_events"]["value"] == pytest.approx(events / 4 * 100, abs=1e-6)

    # 7. alerts opened in the period and the median minutes to close them
    assert found["kc_alert_count"]["value"] == 4
    assert found["kc_alert_response_time"]["value"] == statistics.median(ALERT_MINUTES)

    # 8. the live index history beside the period index: mean of the two 5-minute rows
    live = load(exported, UJI)["indices"]["green_city"]["live"]
    assert live == {"mean": 60.0, "coverage_mean": 0.9, "rows": 2, "view": "v_indicator"}

    # 9. data uptime: received / expected samples over every active sensor
    expected = HOURS * (3 * 60 + 3 * 60 + 4 * 12)
    received = (3 * HOURS - len(GAP)) * AIR_SAMPLES + HOURS * (3 * 60 + 4 * 12)
    assert found["kc_data_uptime"]["value"] == pytest.approx(100 * received / expected, abs=1e-6)
    assert found["kc_dead_letter_share"]["value"] == pytest.approx(
        100 * 2 / (2 + received), abs=1e-6
    )


def test_sixty_percent_uptime_is_said_and_caps_the_maturity_evidence(exported) -> None:
    doc = load(exported, UJI)
    pm = by_code(doc)["iso37120_8_1"]
    assert pm["quality"] == "partial"
    assert pm["uptime"] == pytest.approx((3 * HOURS - len(GAP)) * 36 / (3 * HOURS * 60), abs=1e-6)
    env = next(d for d in doc["maturity"]["dimensions"] if d["code"] == "smart_environment")
    stations = next(c for c in env["criteria"] if c["indicator"] == "iso37122_8_2")
    assert stations["threshold_level"] == "M3" and stations["uptime_cap"] == "M3"
    pm_criterion = next(c for c in env["criteria"] if c["indicator"] == "iso37120_8_1")
    assert pm_criterion["level"] in ("M1", "M2", "M3")
    page = (exported / f"{UJI}_2026-10.html").read_text(encoding="utf-8")
    badge = f"uptime {round(pm['uptime'] * 100)}\u202f% · sebagian"
    assert badge in page  # next to the value, in the indicator table and the summary card


def test_a_city_without_air_or_traffic_sensors_gets_no_evidence_never_zero(exported) -> None:
    doc = load(exported, SEPI)
    found = by_code(doc)
    for code in ("iso37122_8_2", "iso37120_8_1", "kc_hours_above_who_aqg_pm25",
                 "kc_los_distribution", "kc_congestion_level", "iso37122_19_1"):  # fmt: skip
        assert found[code]["value"] is None and found[code]["quality"] == "no_evidence", code
    assert doc["summary"]["maturity"]["smart_living_mobility"] is None
    assert found["kc_overflow_events"]["value"] is not None


# --- formats ----------------------------------------------------------------------------


def test_json_validates_and_the_xlsx_numbers_match_it(exported) -> None:
    schema = json.loads(Path(files.__file__).with_name("assessment.schema.json").read_text())
    for city in (UJI, SEPI):
        doc = load(exported, city)
        jsonschema.Draft202012Validator(schema).validate(doc)
        book = openpyxl.load_workbook(exported / f"{city}_2026-10.xlsx")
        assert book.sheetnames == ["summary", "indicators", "maturity", "provenance"]
        rows = list(book["indicators"].iter_rows(values_only=True))
        header, body = rows[0], rows[1:]
        found = by_code(doc)
        for row in body:
            cells = dict(zip(header, row, strict=True))
            for column in ("value", "numerator", "denominator"):
                assert cells[column] == found[cells["code"]][column], (city, cells["code"], column)
        levels = {r[0]: r[1] for r in book["maturity"].iter_rows(min_row=2, values_only=True)}
        assert levels == {d["code"]: d["level"] for d in doc["maturity"]["dimensions"]}


def test_streaming_the_series_gives_the_same_document_as_holding_them(seeded, stack) -> None:
    from kotacerdas.export import reader, runner, window
    from kotacerdas.export.assessment import assess
    from kotacerdas.export.datafiles import load_denominators, load_rubric

    conninfo, rubric, denominators = stack.conninfo("reader"), load_rubric(), load_denominators()
    period = window.parse("2026-10")
    held = reader.fetch(conninfo, UJI, "Asia/Makassar", window.window(period, "Asia/Makassar"))
    assert [s.sensor_id for s in held.air_hourly] == AIR
    streamed = runner.build(conninfo, UJI, "Asia/Makassar", period, rubric, denominators)
    assert assess(held, rubric, denominators) == streamed


def test_the_same_data_gives_the_same_files(exported, tmp_path) -> None:
    assert export(tmp_path, "--city", UJI, "--period", "2026-10") == 0
    for fmt in files.FORMATS:
        name = f"{UJI}_2026-10.{fmt}"
        assert (tmp_path / name).read_bytes() == (exported / name).read_bytes(), name


def test_other_alert_ids_for_the_same_alerts_give_the_same_files(exported, stack, tmp_path) -> None:
    """An alert's id is a sequence value: two databases with the same alerts number them
    differently (in the suite, each backend's earlier tests open a different number of
    alerts), so the ids must not reach the input hash."""
    with psycopg.connect(stack.conninfo("owner"), autocommit=True) as conn:
        renumbered = conn.execute("UPDATE alert SET id = DEFAULT WHERE city = %s", (UJI,)).rowcount
    assert renumbered == len(ALERT_MINUTES) + 2
    assert export(tmp_path, "--city", UJI, "--period", "2026-10") == 0
    for fmt in files.FORMATS:
        name = f"{UJI}_2026-10.{fmt}"
        assert (tmp_path / name).read_bytes() == (exported / name).read_bytes(), name


def test_both_backends_give_the_same_files(exported, db_backend, across_backends) -> None:
    """The same rows on plain PostgreSQL and TimescaleDB give byte-equal exports (the
    second backend's run compares with the first's)."""
    import hashlib

    digests = {
        fmt: hashlib.sha256((exported / f"{UJI}_2026-10.{fmt}").read_bytes()).hexdigest()
        for fmt in files.FORMATS
    }
    seen = across_backends.setdefault("export", {})
    seen[db_backend] = digests
    others = {b: d for b, d in seen.items() if b != db_backend}
    if not others:
        pytest.skip("the first backend of the session: the second one compares with it")
    for backend, theirs in others.items():
        assert digests == theirs, f"{db_backend} vs {backend}"


def test_the_report_renders_in_headless_chromium_without_console_errors(exported) -> None:
    try:
        browser.executable()
    except Exception as exc:
        pytest.skip(f"Chromium is not installed: {exc}")
    html = exported / f"{UJI}_2026-10.html"
    pdf = exported / f"{UJI}_2026-10.pdf"
    report = browser.inspect(html, html.with_suffix(".png"), pdf=pdf)
    print(f"screenshot: {report.png}")
    assert report.console_errors == (), report.console_errors
    assert "Kota Uji" in report.text and "Oktober 2026" in report.text and "2026-10" in report.text
    charts = {c["name"]: c for c in report.charts}
    assert set(charts) == {"ispu_trend", "pm25_who", "congestion_by_hour", "waste_overflow"}
    assert all(not c["empty"] and c["shapes"] > 0 for c in charts.values()), charts
    assert report.png.stat().st_size > 50_000, report.png.stat()
    assert report.height > 2000, report.height
    assert report.pdf_pages >= 2 and pdf.read_bytes().startswith(b"%PDF"), report.pdf_pages


# --- periodic runs ------------------------------------------------------------------------


def test_schedule_exports_the_previous_period_once_and_again_when_data_changes(
    seeded, tmp_path
) -> None:
    now = "2026-10-31T16:30:00+00:00"  # 1 Nov 00:30 in Makassar, still 31 Oct in Jakarta
    args = (
        "--city",
        f"{UJI},{SEPI}",
        "--schedule",
        "monthly",
        "--now",
        now,
        "--format",
        "json,csv",
    )
    assert export(tmp_path, *args) == 0
    assert export(tmp_path, *args) == 0
    with psycopg.connect(seeded, autocommit=True) as conn:  # a late alert arrives
        conn.execute(
            "INSERT INTO alert (rule, kind, severity, city, place_key, state, opened_at,"
            " last_seen_at, closed_at, message) VALUES ('late', 'overflow', 'info', %s, %s,"
            " 'closed', %s, %s, %s, 'late')",
            (UJI, f"{UJI}-late", START + timedelta(days=9), START + timedelta(days=9),
             START + timedelta(days=9, minutes=10)),
        )  # fmt: skip
    assert export(tmp_path, *args) == 0
    runs = [(r["city"], r["period"], r["status"]) for r in schedule.runs(tmp_path)]
    assert runs == [  # registry order: sepi… before uji…
        (SEPI, "2026-09", "written"), (UJI, "2026-10", "written"),
        (SEPI, "2026-09", "unchanged"), (UJI, "2026-10", "unchanged"),
        (SEPI, "2026-09", "unchanged"), (UJI, "2026-10", "written"),
    ]  # fmt: skip
    assert sorted(p.name for p in tmp_path.glob("*_2026-*")) == sorted(
        f"{c}_{p}.{f}" for c, p in ((UJI, "2026-10"), (SEPI, "2026-09")) for f in ("csv", "json")
    )
    assert by_code(json.loads((tmp_path / f"{UJI}_2026-10.json").read_text()))[
        "kc_alert_count"]["value"] == 5  # fmt: skip


def test_watch_mode_exports_then_waits_and_stops_cleanly_on_sigterm(seeded, tmp_path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    argv = [sys.executable, "-m", "kotacerdas.cli", "export", "--city", UJI, "--schedule",
            "monthly", "--now", "2026-11-01T00:30:00+08:00", "--format", "json", "--out",
            str(tmp_path), "--watch", "--watch-interval", "60"]  # fmt: skip
    proc = subprocess.Popen(argv, env=dict(os.environ), stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not schedule.runs(tmp_path) and time.monotonic() < deadline:
            assert proc.poll() is None, "the watcher exited instead of waiting"
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert "export watch stopped" in out
    assert [(r["city"], r["period"], r["status"], r["mode"]) for r in schedule.runs(tmp_path)] == [
        (UJI, "2026-10", "written", "schedule:month")
    ]


def test_a_city_that_cannot_be_exported_is_recorded_and_the_others_go_on(seeded, tmp_path) -> None:
    odd = f"kol{TAG}"  # Asia/Kolkata is UTC+5:30: local days do not fall on hourly buckets
    with psycopg.connect(seeded, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO city (slug, name, code, province, timezone, area_km2, population, lat,"
            " lon) VALUES (%s, 'Kota Ganjil', %s, '-', 'Asia/Kolkata', 10, 1000, 0, 0)",
            (odd, odd),
        )
    try:
        code = export(tmp_path, "--city", f"{odd},{UJI}", "--period", "2026-10", "--format", "json")
    finally:
        with psycopg.connect(seeded, autocommit=True) as conn:
            conn.execute("DELETE FROM city WHERE slug = %s", (odd,))
    assert code == 1
    runs = {r["city"]: r for r in schedule.runs(tmp_path)}
    assert runs[odd]["status"] == "failed" and "whole hour" in runs[odd]["message"]
    assert runs[UJI]["status"] == "written"


def test_an_unknown_city_is_a_one_line_error(seeded, tmp_path, capsys) -> None:
    assert export(tmp_path, "--city", "atlantis", "--period", "2026-10") == 2
    assert "unknown city atlantis" in capsys.readouterr().err


def test_the_export_reads_through_the_reader_role_only(stack) -> None:
    with (
        psycopg.connect(stack.conninfo("reader")) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute("SELECT count(*) FROM air_rollup_1h")
    assert io  # the export's own queries are checked to name only views in the unit tests
