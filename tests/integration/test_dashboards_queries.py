"""Every dashboard panel's SQL, expanded the way Grafana expands it, runs as kota_reader
against a database that a short real pipeline run has filled, returns rows, and has
the columns its visualisation needs. So do the alert rules' queries.

Data: readings of Jakarta sensors go MQTT → `kotacerdas ingest` → Kafka →
`kotacerdas aggregate` → PostgreSQL (raw rows, dead letters, pipeline_batch,
watermarks). The jobs not merged yet (rollups, indicators, alerts, sensor_state) are
stood in for by rows written as kota_writer: rollups with the aggregator's own
`rollup_sql.recompute`, indicators and alerts as the indicator/alert contract describes.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from kota_testing.mqtt import gateway_publisher
from kota_testing.payloads import native, topic
from kota_testing.services import ServiceProcess

from kotacerdas.dashboards import alerting
from kotacerdas.dashboards.catalogue import CATALOGUE, dashboard_model
from kotacerdas.dashboards.macros import TimeRange, Variable, expand

CITY = "jakarta"
SENSORS = {
    "air": ["jkt-air-0001", "jkt-air-0002", "jkt-air-0003"],
    "traffic": ["jkt-traffic-0001", "jkt-traffic-0002", "jkt-traffic-0003"],
    "waste": ["jkt-waste-0001", "jkt-waste-0002", "jkt-waste-0004"],
}
MINUTES = 45  # one reading per sensor per minute, ending now
WINDOW = timedelta(minutes=5)


# ---------------------------------------------------------------- the pipeline run
def _metrics(domain: str, sensor_index: int, minute: int) -> dict[str, float]:
    if domain == "air":
        return {
            "pm25": 20.0 + 30 * sensor_index + minute,
            "pm10": 40.0 + minute,
            "no2": 30.0,
            "so2": 10.0,
            "o3": 50.0,
            "co": 800.0,
            "temperature": 30.0,
            "humidity": 70.0,
            "noise": 60.0,
        }
    if domain == "traffic":
        return {
            "vehicle_count": 80.0 + minute,
            "avg_speed_kmh": 45.0 - 10 * sensor_index,
            "occupancy": 30.0 + 10 * sensor_index,
            "speeding_count": 2.0 + sensor_index,
        }
    fill = min(99.0, 40.0 + 20 * sensor_index + minute)
    return {
        "fill_level": fill,
        "temperature": 75.0 if sensor_index == 2 else 31.0,
        "weight_kg": fill,
        "lid_open": 0.0,
    }


def _messages(now: datetime) -> list[tuple[str, bytes]]:
    messages = []
    for domain, sensors in SENSORS.items():
        for index, sensor in enumerate(sensors):
            for minute in range(MINUTES):
                ts = now - timedelta(minutes=MINUTES - minute)
                messages.append(
                    (
                        topic(CITY, domain, sensor),
                        native(sensor, domain, ts, minute, _metrics(domain, index, minute)),
                    )
                )
    # Two refusals, so the dead-letter panels have something to show.
    messages.append((topic(CITY, "air", "jkt-air-0001"), b"{not json"))
    messages.append(
        (topic(CITY, "air", "jkt-air-0002"), native("jkt-air-0003", "air", now, 0))
    )  # topic mismatch
    return messages


def _isolated_env(stack: Any) -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    return {
        **stack.env,
        "KOTA_ENV": "test",
        "KOTA_KAFKA_TOPIC_PREFIX": f"d{tag}",
        "KOTA_AGG_GROUP_ID": f"kota-aggregator-{tag}",
        "KOTA_INGEST_SHARED_GROUP": f"kota-ingest-{tag}",
        "KOTA_INGEST_CLIENT_ID": f"kota-ingest-{tag}",
        "KOTA_INGEST_SESSION_EXPIRY_S": "120",
    }


def _run_pipeline(stack: Any, log_dir: Path, now: datetime) -> None:
    import asyncio

    from kotacerdas.settings import KafkaSettings
    from kotacerdas.topics import ensure_topics

    env = _isolated_env(stack)
    asyncio.run(
        ensure_topics(
            KafkaSettings(
                bootstrap=env["KOTA_KAFKA_BOOTSTRAP"], topic_prefix=env["KOTA_KAFKA_TOPIC_PREFIX"]
            )
        )
    )
    services = [ServiceProcess(name, env, log_dir) for name in ("ingest", "aggregate")]
    try:
        for service in services:
            service.start()
        publisher = gateway_publisher(env, client_id=f"kota-dash-{uuid.uuid4().hex[:6]}")
        publisher.publish_all(_messages(now))
        publisher.close()
        _wait_for_rows(stack.conninfo("reader"), sum(map(len, SENSORS.values())) * MINUTES)
    finally:
        for service in services:
            service.stop()


def _wait_for_rows(conninfo: str, expected: int, timeout_s: float = 90) -> None:
    ids = [s for sensors in SENSORS.values() for s in sensors]
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while time.monotonic() < deadline:
            (stored,) = conn.execute(
                """SELECT (SELECT count(*) FROM v_air_reading WHERE sensor_id = ANY(%(s)s))
                        + (SELECT count(*) FROM v_traffic_reading WHERE sensor_id = ANY(%(s)s))
                        + (SELECT count(*) FROM v_waste_reading WHERE sensor_id = ANY(%(s)s))""",
                {"s": ids},
            ).fetchone()
            (letters,) = conn.execute("SELECT count(*) FROM v_dead_letter").fetchone()
            if stored >= expected and letters >= 2:
                return
            time.sleep(0.5)
    raise AssertionError(f"only {stored}/{expected} readings, {letters} dead letters stored")


# ------------------------------------------- stand-ins for the jobs not merged yet
def _rollups(conn: psycopg.Connection) -> None:
    from aggregator.rollup_sql import GRAINS, recompute

    for domain, sensors in SENSORS.items():
        for grain, unit in ((GRAINS[0], "minute"), (GRAINS[1], "hour")):
            source = f"{domain}_reading" if unit == "minute" else f"{domain}_rollup_1m"
            rows = conn.execute(
                f"SELECT DISTINCT sensor_id, date_trunc('{unit}', ts) FROM {source} "
                "WHERE sensor_id = ANY(%s)",
                (sensors,),
            ).fetchall()
            conn.execute(
                recompute(domain, grain),
                {"sensors": [r[0] for r in rows], "buckets": [r[1] for r in rows]},
            )
        conn.execute(
            "INSERT INTO sensor_state (sensor_id, last_ts) "
            f"SELECT sensor_id, max(ts) FROM {domain}_reading "
            "WHERE sensor_id = ANY(%s) GROUP BY sensor_id "
            "ON CONFLICT (sensor_id) DO UPDATE SET last_ts = EXCLUDED.last_ts",
            (sensors,),
        )


@dataclass(frozen=True)
class Row:
    district: str
    sensor_id: str
    code: str
    value: float
    category: str | None = None
    coverage: float | None = 1.0
    detail: str = "{}"


def _sensor_rows(districts: dict[str, str], step: int) -> list[Row]:
    from cityscore import aqi, ispu

    rows: list[Row] = []
    for i, sensor in enumerate(SENSORS["air"]):
        value = 30.0 + 70 * i + step  # newest: baik, tidak_sehat, tidak_sehat
        aqi_value = int(60 + 40 * i + step)
        critical = json.dumps({"critical": "pm25"})
        rows += [
            Row(districts[sensor], sensor, "ispu", value, ispu.category(value), 3 / 7, critical),
            Row(districts[sensor], sensor, "aqi_pm25_nowcast", aqi_value, aqi.category(aqi_value)),
            Row(districts[sensor], sensor, "who_pm25_exceed_h", float(4 * i)),
        ]
        rows += [
            Row(districts[sensor], sensor, f"ispu_{p}", value / k)
            for p, k in (("pm25", 1), ("pm10", 2), ("no2", 3))
        ]
        rows += [
            Row(districts[sensor], sensor, "hazardous_air", 0.0),
            Row(districts[sensor], sensor, "nowcast_pm25", value / 2),
        ]
    letters = "ABCDEF"
    for i, sensor in enumerate(SENSORS["traffic"]):
        rank = 2 + 2 * i  # B, D, F
        rows += [
            Row(districts[sensor], sensor, "los", float(rank), letters[rank - 1]),
            Row(districts[sensor], sensor, "vc_ratio", 0.3 * rank),
            Row(districts[sensor], sensor, "speed_ratio", 1.0 - 0.15 * rank),
            Row(districts[sensor], sensor, "congestion_level", 15.0 * rank),
            Row(districts[sensor], sensor, "speeding_share", 0.05 * (i + 1)),
            Row(districts[sensor], sensor, "gridlock", 1.0 if rank == 6 else 0.0),
        ]
    for i, sensor in enumerate(SENSORS["waste"]):
        fill = 50.0 + 20 * i + step
        rows += [
            Row(districts[sensor], sensor, "fill_level", fill),
            Row(districts[sensor], sensor, "overflowing", 0.0),
            Row(districts[sensor], sensor, "time_to_full_h", 30.0 - 12 * i),
            Row(districts[sensor], sensor, "bin_fire_risk", 1.0 if i == 2 else 0.0),
        ]
    return rows


def _place_rows(districts: set[str], step: int) -> list[Row]:
    codes = {
        "ispu": 120.0,
        "aqi_pm25_nowcast": 110.0,
        "hazardous_air_share": 0.0,
        "congestion_level": 45.0,
        "los": 4.0,
        "gridlock_segments": 1.0,
        "speeding_share": 0.1,
        "bins_overflowing": 1.0,
        "overflow_share": 0.2,
        "collection_efficiency": 0.85,
        "fire_risk_bins": 1.0,
        "silent_sensors": 3.0,
        "green_city_index": 62.0,
        "safety_index": 71.0,
    }
    categories = {"ispu": "tidak_sehat", "aqi_pm25_nowcast": "usg", "los": "D"}
    rows = []
    for place in ("", *sorted(districts)):
        for n, (code, value) in enumerate(codes.items()):
            rows.append(
                Row(
                    place,
                    "",
                    code,
                    value - n % 3 + step,
                    categories.get(code),
                    0.8 if code.endswith("_index") else 1.0,
                )
            )
    return rows


def _indicators(conn: psycopg.Connection, now: datetime) -> None:
    districts = dict(conn.execute("SELECT sensor_id, district FROM sensor").fetchall())
    newest = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 5)
    windows = [newest - i * WINDOW for i in range(12)][::-1]
    sql = (
        "INSERT INTO {table} (city, district, sensor_id, code, ts, window_s, value, "
        "category, coverage, detail) VALUES (%s, %s, %s, %s, %s, 300, %s, %s, %s, %s) "
        "ON CONFLICT DO NOTHING"
    )
    for step, start in enumerate(windows):
        rows = _sensor_rows(districts, step) + _place_rows(
            {districts[s] for sensors in SENSORS.values() for s in sensors}, step
        )
        params = [
            (
                CITY,
                r.district,
                r.sensor_id,
                r.code,
                start,
                r.value,
                r.category,
                r.coverage,
                r.detail,
            )
            for r in rows
        ]
        with conn.cursor() as cur:
            cur.executemany(sql.format(table="indicator"), params)
            if start == newest:
                cur.execute("DELETE FROM indicator_latest WHERE city = %s", (CITY,))
                cur.executemany(sql.format(table="indicator_latest"), params)


def _alerts(conn: psycopg.Connection, now: datetime) -> None:
    alerts = [
        (
            "ispu_hazardous",
            "hazardous_air",
            "critical",
            "gambir",
            "jkt-air-0001",
            "open",
            now - timedelta(minutes=20),
            None,
            320.0,
            "ISPU berbahaya / hazardous",
        ),
        (
            "bin_fire",
            "bin_fire",
            "critical",
            "sawah-besar",
            "jkt-waste-0004",
            "open",
            now - timedelta(minutes=10),
            None,
            75.0,
            "Suhu tinggi / bin hot",
        ),
        (
            "gridlock",
            "gridlock",
            "warning",
            "gambir",
            "jkt-traffic-0003",
            "closed",
            now - timedelta(minutes=40),
            now - timedelta(minutes=22),
            6.0,
            "LOS F",
        ),
        (
            "gridlock",
            "gridlock",
            "warning",
            "gambir",
            "jkt-traffic-0003",
            "open",
            now - timedelta(minutes=8),
            None,
            6.0,
            "LOS F",
        ),
    ]
    conn.execute(
        "UPDATE alert SET state = 'closed', closed_at = now(), close_reason = 'expired' "
        "WHERE city = %s AND state = 'open'",
        (CITY,),
    )
    for rule, kind, severity, district, sensor, state, opened, closed, value, msg in alerts:
        conn.execute(
            "INSERT INTO alert (rule, kind, severity, city, district, sensor_id, place_key, "
            "state, opened_at, last_seen_at, closed_at, close_reason, value, peak, message) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                rule,
                kind,
                severity,
                CITY,
                district,
                sensor,
                f"{CITY}/{district}/{sensor}",
                state,
                opened,
                closed or now,
                closed,
                "cleared" if closed else None,
                value,
                value,
                msg,
            ),
        )


@pytest.fixture(scope="module")
def city_data(stack: Any, tmp_path_factory: pytest.TempPathFactory) -> datetime:
    now = datetime.now(UTC).replace(microsecond=0)
    _run_pipeline(stack, tmp_path_factory.mktemp("dash-services"), now)
    with psycopg.connect(stack.conninfo("writer")) as conn:
        conn.execute(
            "SELECT kota_ensure_partitions(t, %s, %s) FROM unnest(ARRAY["
            "'indicator', 'pipeline_batch']::regclass[]) AS t",
            (date.today() - timedelta(days=1), date.today() + timedelta(days=1)),
        )
        _rollups(conn)
        _indicators(conn, now)
        _alerts(conn, now)
    return now


# ------------------------------------------------------------- running the panels
@dataclass(frozen=True)
class Result:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def column(self, name: str) -> list[Any]:
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _run(conninfo: str, sql: str) -> Result:
    with psycopg.connect(conninfo, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(sql)
        assert cur.description is not None
        return Result([c.name for c in cur.description], cur.fetchall())


def _variables(conninfo: str, model: dict[str, Any], time_range: TimeRange) -> dict[str, Variable]:
    """Resolve the dashboard's SQL variables in order, as Grafana does on load:
    city = jakarta, district = All (every option)."""
    resolved: dict[str, Variable] = {}
    for variable in model.get("templating", {}).get("list", []):
        options = _run(conninfo, expand(variable["query"], time_range, resolved))
        assert options.columns == ["__value", "__text"], variable["name"]
        values = tuple(options.column("__value"))
        assert values, f"variable {variable['name']} has no options"
        if variable.get("includeAll"):
            resolved[variable["name"]] = Variable(
                values, multi=True, texts=tuple(options.column("__text"))
            )
        else:
            assert CITY in values
            resolved[variable["name"]] = Variable.single(CITY)
    return resolved


PANELS = [
    pytest.param(entry, index, id=f"{entry.uid}:{panel['title']}")
    for entry in CATALOGUE
    for index, panel in enumerate(dashboard_model(entry)["panels"])
]


def _check_time_series(result: Result) -> None:
    assert "time" in result.columns, "time series needs a column named time"
    times = result.column("time")
    assert all(t is not None for t in times)
    assert times == sorted(times), "Grafana refuses long-format series not sorted by time"
    others = [c for c in result.columns if c != "time"]
    numeric = [c for c in others if any(_numeric(v) for v in result.column(c))]
    assert numeric, f"no numeric value column in {result.columns}"
    for name in others:
        values = [v for v in result.column(name) if v is not None]
        assert all(_numeric(v) for v in values) or all(isinstance(v, str) for v in values), name


def _check_shape(panel: dict[str, Any], result: Result) -> None:
    kind, fmt = panel["type"], panel["targets"][0]["format"]
    if fmt == "time_series":
        _check_time_series(result)
    elif kind == "geomap":
        layer = panel["options"]["layers"][0]
        lat, lon = layer["location"]["latitude"], layer["location"]["longitude"]
        assert all(_numeric(v) for v in result.column(lat) + result.column(lon))
        colour = layer["config"]["style"]["color"]["field"]
        assert any(_numeric(v) for v in result.column(colour)), colour
    elif kind in ("stat", "bargauge", "barchart"):
        assert any(_numeric(v) for row in result.rows for v in row), result.columns
        if kind == "barchart":
            assert panel["options"]["xField"] in result.columns
    else:
        assert kind == "table", kind


@pytest.mark.parametrize(("entry", "index"), PANELS)
def test_panel_query_runs_as_reader_and_fits_its_visualisation(
    stack, db_backend, city_data, entry, index
):
    model = dashboard_model(entry)
    panel = model["panels"][index]
    time_range = TimeRange.last(timedelta(hours=6))
    variables = _variables(stack.conninfo("reader"), model, time_range)
    assert panel["datasource"]["uid"] == "kota-pg"
    for target in panel["targets"]:
        sql = expand(target["rawSql"], time_range, variables, interval=timedelta(minutes=1))
        assert "$" not in sql.replace("$$", ""), f"unexpanded macro or variable:\n{sql}"
        result = _run(stack.conninfo("reader"), sql)
        assert result.rows, f"no rows for {panel['title']}:\n{sql}"
        _check_shape(panel, result)
        if db_backend == "timescaledb" and "$__timeGroup" in target["rawSql"]:
            # The data source's `timescaledb: true` (deploy/grafana/README.md) expands the
            # same macro to time_bucket(): the same buckets, so the same number of rows.
            bucketed = expand(
                target["rawSql"], time_range, variables, interval=timedelta(minutes=1),
                timescaledb=True,
            )  # fmt: skip
            assert "time_bucket(" in bucketed
            assert len(_run(stack.conninfo("reader"), bucketed).rows) == len(result.rows)


@pytest.mark.parametrize("uid", sorted(alerting.rule_queries()))
def test_alert_rule_query_gives_one_number_per_label_set(stack, city_data, uid):
    query = alerting.rule_queries()[uid]
    result = _run(stack.conninfo("reader"), query.sql)
    assert result.rows, uid
    numeric = [c for c in result.columns if all(_numeric(v) for v in result.column(c))]
    labels = [c for c in result.columns if c not in numeric]
    assert len(numeric) == 1, f"Grafana alerting needs exactly one numeric column: {result}"
    keys = [tuple(row[result.columns.index(c)] for c in labels) for row in result.rows]
    assert len(keys) == len(set(keys)), "label sets must be unique per row"


def test_hazardous_air_rule_fires_only_on_the_berbahaya_band(stack, city_data):
    rule = next(spec for spec in alerting.RULES if spec.uid == "kota-hazardous-air")
    result = _run(stack.conninfo("reader"), alerting.rule_queries()[rule.uid].sql)
    # other tests' cities (ujialert seeds "berbahaya" on purpose) share the database
    ours = [row for row in result.rows if row[0] == CITY]
    assert ours, result.rows
    firing = [row for row in ours if row[-1] > rule.above]
    assert firing == []  # the seeded stations top out in "tidak_sehat"


def test_station_map_colours_follow_the_ispu_category(stack, city_data):
    from kotacerdas.dashboards import overview

    time_range = TimeRange.last(timedelta(hours=1))
    sql = expand(
        overview.STATION_MAP,
        time_range,
        {
            "city": Variable.single(CITY),
            "district": Variable(("gambir", "sawah-besar", "kemayoran"), True),
        },
    )
    result = _run(stack.conninfo("reader"), sql)
    ranks = dict(zip(result.column("category"), result.column("category_rank"), strict=True))
    assert ranks.get("baik") == 1 and ranks.get("tidak_sehat") == 3, ranks
