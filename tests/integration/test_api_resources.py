"""The REST resources of `kotacerdas api`, in process, as kota_reader, on seeded data."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import api_seed
import httpx
import pytest
from api_seed import CITY, HOURS, Sync, make_app


@pytest.fixture(scope="module")
def seeded(stack) -> api_seed.Seeded:
    return api_seed.seed(stack)


KEY = "k" * 24


@pytest.fixture(scope="module")
def client(stack):
    app, store = make_app(stack, keys=[KEY])
    transport = httpx.ASGITransport(app=app)
    client = Sync(transport)
    yield client
    client.close()
    store.close()


def _problem(response: httpx.Response, status: int, name: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["detail"]
    if name:
        assert name in [e["name"] for e in body["errors"]], body
    return body


def _all_pages(client, url: str) -> list[dict]:
    rows, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        rows += body["data"]
        url = body["links"]["next"]
        pages += 1
        assert pages < 50
    return rows


def test_cities_page_by_keyset_and_match_one_big_page(client, seeded):
    every = client.get("/v1/cities?limit=100").json()["data"]
    assert {"jakarta", "makassar", "banyuwangi", "sumedang"} <= {c["slug"] for c in every}
    assert _all_pages(client, "/v1/cities?limit=2") == every
    one = client.get(f"/v1/cities/{CITY}").json()
    assert one["timezone"] == "Asia/Jakarta" and one["population"] > 0


def test_unknown_city_and_bad_slug_are_problems(client, seeded):
    _problem(client.get("/v1/cities/atlantis"), 404)
    _problem(client.get("/v1/cities/atlantis/alerts"), 404)
    _problem(client.get("/v1/cities/NOT_A_SLUG"), 400, "city")


def test_sensors_carry_health_and_page(client, seeded):
    rows = _all_pages(client, f"/v1/cities/{CITY}/sensors?domain=air&limit=3")
    ids = [r["sensor_id"] for r in rows]
    assert ids == sorted(ids) and seeded.station in ids
    assert set(rows[0]["health"]) == {"last_ts", "silent_for_s", "silent"}
    one = client.get(f"/v1/sensors/{seeded.station}").json()
    assert one["domain"] == "air" and "health" in one


def test_latest_indicators_per_place(client, seeded):
    city = client.get(f"/v1/cities/{CITY}/indicators/latest?scope=city").json()["data"]
    by_code = {r["code"]: r for r in city}
    assert by_code["green_city_index"]["value"] == 62.0
    assert by_code["safety_index"]["coverage"] == 0.6
    assert all(r["district"] is None and r["sensor_id"] is None for r in city)
    station = client.get(
        f"/v1/cities/{CITY}/indicators/latest?sensor={seeded.station}&code=ispu"
    ).json()["data"]
    assert [(r["sensor_id"], r["category"]) for r in station] == [(seeded.station, "sedang")]
    paged = _all_pages(client, f"/v1/cities/{CITY}/indicators/latest?scope=all&limit=2")
    assert len(paged) == len(client.get(f"/v1/cities/{CITY}/indicators/latest").json()["data"])


def _series_url(seeded, extra: str = "") -> str:
    start = seeded.series_start.isoformat().replace("+00:00", "Z")
    end = (seeded.series_start + timedelta(hours=HOURS)).isoformat().replace("+00:00", "Z")
    return (
        f"/v1/cities/{CITY}/indicators/ispu/series?district={seeded.district}"
        f"&sensor={seeded.station}&from={start}&to={end}{extra}"
    )


def test_raw_series_pages_equal_the_downloads(client, seeded):
    rows = _all_pages(client, _series_url(seeded, "&limit=100"))
    assert len(rows) == HOURS * 12
    assert rows[0]["value"] == 50.0 and rows[11]["value"] == 61.0
    url = _series_url(seeded).replace("/series?", "/series/download?format=json&")
    download = client.get(url)
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert download.json()["data"] == rows
    csv_text = client.get(url.replace("format=json", "format=csv")).text
    table = list(csv.DictReader(io.StringIO(csv_text)))
    assert [float(r["value"]) for r in table] == [r["value"] for r in rows]


def test_aggregated_series_by_hour_and_whole_range(client, seeded):
    body = client.get(
        _series_url(seeded, "&aggrMethods=avg,min,max,sum,count&aggrPeriodDuration=PT1H")
    ).json()
    assert body["aggrPeriodDuration"] == "PT1H"
    buckets = body["data"]
    assert len(buckets) == HOURS
    assert {(b["avg"], b["min"], b["max"], b["sum"], b["count"]) for b in buckets} == {
        (55.5, 50.0, 61.0, 666.0, 12)
    }
    paged = _all_pages(
        client, _series_url(seeded, "&aggrMethods=max&aggrPeriodDuration=PT1H&limit=7")
    )
    assert [b["start"] for b in paged] == [b["start"] for b in buckets]
    whole = client.get(_series_url(seeded, "&aggrMethods=count&aggrPeriodDuration=PT0S"))
    assert whole.json()["data"][0]["count"] == HOURS * 12
    days = client.get(_series_url(seeded, "&aggrMethods=avg&aggrPeriodDuration=P1D")).json()
    assert days["data"][0]["avg"] == 55.5


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("&aggrMethods=avg&aggrPeriodDuration=P1M", "aggrPeriodDuration"),
        ("&aggrMethods=avg&aggrPeriodDuration=PT1S", "aggrPeriodDuration"),
        ("&aggrMethods=avg&aggrPeriodDuration=one-hour", "aggrPeriodDuration"),
        ("&aggrMethods=median&aggrPeriodDuration=PT1H", "aggrMethods"),
        ("&aggrPeriodDuration=PT1H", "aggrPeriodDuration"),
        ("&limit=0", "limit"),
        ("&cursor=bm90LWEtY3Vyc29y", "cursor"),
    ],
)
def test_bad_series_parameters_are_named_problems(client, seeded, query, name):
    _problem(client.get(_series_url(seeded, query)), 400, name)


def test_naive_times_and_long_ranges_are_refused(client, seeded):
    base = f"/v1/cities/{CITY}/indicators/ispu/series"
    _problem(client.get(f"{base}?from=2026-01-01T00:00:00"), 400, "from")
    _problem(client.get(f"{base}?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z"), 400, "to")
    _problem(client.get(f"{base}?from=yesterday"), 400, "from")


def test_a_cursor_of_another_query_is_refused(client, seeded):
    first = client.get(_series_url(seeded, "&limit=10")).json()
    token = first["links"]["next"].split("cursor=")[1].split("&")[0]
    other = _series_url(seeded, f"&limit=11&cursor={token}")
    body = _problem(client.get(other), 400, "cursor")
    assert "another query" in body["detail"]


def test_alerts_open_and_closed_per_place(client, seeded):
    base = f"/v1/cities/{CITY}/alerts?sensor={seeded.station}"
    every = client.get(base).json()["data"]
    ours = [a for a in every if a["rule"].startswith(seeded.rule)]
    assert [a["state"] for a in ours] == ["open", "closed", "closed"]  # newest first
    opened = client.get(base + "&state=open").json()["data"]
    assert f"{seeded.rule}_2" in [a["rule"] for a in opened]
    assert all(a["state"] == "open" for a in opened)
    assert _all_pages(client, base + "&limit=1") == every
    download = client.get(
        f"/v1/cities/{CITY}/alerts/download?format=csv&sensor={seeded.station}&state=closed"
    )
    closed = [
        r for r in csv.DictReader(io.StringIO(download.text)) if r["rule"].startswith(seeded.rule)
    ]
    assert len(closed) == 2


def test_etag_cache_control_and_cors(client, seeded):
    first = client.get(f"/v1/cities/{CITY}")
    assert first.headers["cache-control"].startswith("public, max-age=")
    assert first.headers["access-control-allow-origin"] == "*"
    again = client.get(f"/v1/cities/{CITY}", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    preflight = client.request(
        "OPTIONS", "/v1/cities", headers={"Origin": "https://example.org",
                                          "Access-Control-Request-Method": "GET"}
    )  # fmt: skip
    assert preflight.status_code == 204
    assert "GET" in preflight.headers["access-control-allow-methods"]


def test_ops_scope_needs_an_api_key(client, seeded):
    _problem(client.get("/v1/ops/dead-letters"), 401)
    _problem(client.get("/v1/ops/dead-letters", headers={"X-API-Key": "x" * 20}), 403)
    granted = client.get("/v1/ops/dead-letters", headers={"X-API-Key": KEY})
    assert granted.status_code == 200 and "data" in granted.json()
    assert granted.headers["cache-control"] == "private, no-store"
    assert "access-control-allow-origin" not in granted.headers


def test_rate_limit_answers_429_with_retry_after(stack, seeded):
    app, store = make_app(stack, rate_per_s=0.5, rate_burst=3)
    limited = Sync(httpx.ASGITransport(app=app))
    try:
        statuses = [limited.get("/v1/cities").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = limited.get("/v1/cities")
        _problem(refused, 429)
        assert int(refused.headers["retry-after"]) >= 1
        assert limited.get("/healthz").status_code == 200  # probes are never limited
    finally:
        store.close()


def test_openapi_docs_and_metrics(client, seeded):
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert "/v1/cities/{city}/indicators/{code}/series" in doc["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/openapi.json" in docs.text
    assert "cdn" not in docs.text.lower() and "<script" not in docs.text
    assert client.get("/readyz").status_code == 200
    metrics = client.get("/metrics").text
    assert 'kota_api_requests_total{route="/v1/cities/{city}"' in metrics
