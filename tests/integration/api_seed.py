"""Seed data for the read API tests, written as kota_writer, and an app on kota_reader.

Banyuwangi: two air stations with per-station ISPU, one station with a 20-hour series of
5-minute ISPU windows (value 50 + minute/5 within each hour: hourly avg 55.5, min 50,
max 61, sum 666, count 12), city and district indices, three alerts on our station
(one open) and 30 PM2.5 readings at odd seconds (so no simulator's reading collides).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

CITY = "banyuwangi"
HOURS = 20
RULE = "api_test"


@dataclass(frozen=True)
class Seeded:
    stack: object
    station: str
    other: str
    district: str
    series_start: datetime
    readings_start: datetime
    rule: str


# One seed per stack (so per backend) for all the API test modules: seeded again a
# minute later, the readings (placed relative to now) would land beside the first
# ones and every count over them would be off by the overlap.
_SEEDED: dict[str, Seeded] = {}


def seed(stack) -> Seeded:
    key = str(stack.state)
    if key not in _SEEDED:
        _SEEDED[key] = _seed(stack)
    return _SEEDED[key]


def _seed(stack) -> Seeded:
    now = datetime.now(UTC).replace(microsecond=0)
    start = now.replace(minute=0, second=0) - timedelta(hours=HOURS + 1)
    with psycopg.connect(stack.conninfo("writer")) as conn:
        (station, district), (other, other_district) = conn.execute(
            "SELECT sensor_id, district FROM sensor WHERE city = %s AND domain = 'air' "
            "ORDER BY sensor_id LIMIT 2",
            (CITY,),
        ).fetchall()
        latest = [
            ("", "", "ispu", 75.0, "sedang", 0.9),
            ("", "", "green_city_index", 62.0, None, 0.8),
            ("", "", "safety_index", 77.0, None, 0.6),
            (district, "", "ispu", 75.0, "sedang", 1.0),
            (district, "", "green_city_index", 64.0, None, 0.7),
            (district, station, "ispu", 75.0, "sedang", 1.0),
            (other_district, other, "ispu", 140.0, "tidak_sehat", 1.0),
        ]
        for d, s, code, value, category, coverage in latest:
            conn.execute(
                "INSERT INTO indicator_latest (city, district, sensor_id, code, ts, window_s, "
                "value, category, coverage) VALUES (%s, %s, %s, %s, %s, 300, %s, %s, %s) "
                "ON CONFLICT (city, district, sensor_id, code) DO UPDATE SET "
                "value = EXCLUDED.value, category = EXCLUDED.category, "
                "coverage = EXCLUDED.coverage, ts = EXCLUDED.ts",
                (CITY, d, s, code, now, value, category, coverage),
            )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO indicator (city, district, sensor_id, code, ts, window_s, value, "
                "category, coverage) VALUES (%s, %s, %s, 'ispu', %s, 300, %s, 'sedang', 1) "
                "ON CONFLICT DO NOTHING",
                [
                    (CITY, district, station, start + timedelta(minutes=5 * i), 50.0 + i % 12)
                    for i in range(HOURS * 12)
                ],
            )
        tag = uuid.uuid4().hex[:8]  # the writer may not delete: rules of this run only
        for n, (state, opened) in enumerate((("closed", 5), ("closed", 3), ("open", 1))):
            conn.execute(
                "INSERT INTO alert (rule, kind, severity, city, district, sensor_id, place_key, "
                "state, opened_at, last_seen_at, closed_at, close_reason, value, message) "
                "VALUES (%s, 'hazardous_air', 'critical', %s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "%s, 'api test')",
                (
                    f"{RULE}_{tag}_{n}", CITY, district, station, f"{CITY}/{district}/{station}/{tag}/{n}",
                    state, now - timedelta(hours=opened), now,
                    None if state == "open" else now - timedelta(hours=opened - 1),
                    None if state == "open" else "cleared", 150.0 + n,
                ),
            )  # fmt: skip
        readings = now.replace(second=0) - timedelta(minutes=40)
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO air_reading (sensor_id, ts, msg_id, city, pm25, source_format) "
                "VALUES (%s, %s, %s, %s, %s, 'kota/v1') ON CONFLICT DO NOTHING",
                [
                    (station, readings + timedelta(minutes=i, seconds=17, milliseconds=123),
                     f"api-test-{i}", CITY, float(i))
                    for i in range(30)
                ],
            )  # fmt: skip
    return Seeded(stack, station, other, district, start, readings, f"{RULE}_{tag}")


class Sync:
    """A blocking facade over an async httpx client on an ASGI app (its own event loop)."""

    def __init__(self, transport: httpx.ASGITransport) -> None:
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(transport=transport, base_url="http://api.test")

    def get(self, url: str, **kw) -> httpx.Response:
        return self._loop.run_until_complete(self._client.get(url, **kw))

    def request(self, method: str, url: str, **kw) -> httpx.Response:
        return self._loop.run_until_complete(self._client.request(method, url, **kw))

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()


def make_app(stack, **overrides):
    from kotacerdas.api.app import create_app
    from kotacerdas.api.settings import ApiSettings
    from kotacerdas.api.store import Store

    settings = ApiSettings(**({"rate_per_s": 1000.0, "rate_burst": 100_000} | overrides))
    store = Store(stack.conninfo("reader"), 1, 4, 5.0, 10_000)
    return create_app(settings, store), store
