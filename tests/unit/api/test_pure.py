"""The API's pure parts: durations, cursors, ETags, rate limit, $filter, queries, page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kotacerdas.api import cursor, durations, etag, page, queries, sta_filter, sta_model
from kotacerdas.api.ratelimit import RateLimiter


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PT1H", timedelta(hours=1)),
        ("P1D", timedelta(days=1)),
        ("PT15M", timedelta(minutes=15)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("P2W", timedelta(weeks=2)),
        ("PT1.5S", timedelta(seconds=1.5)),
        ("PT0S", timedelta(0)),
    ],
)
def test_durations_parse(text, expected):
    assert durations.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "P1DT", "1H", "PT1X", "P1.5D", "pt1h"])
def test_durations_refused(text):
    with pytest.raises(durations.DurationError):
        durations.parse_duration(text)


def test_calendar_durations_say_why():
    with pytest.raises(durations.DurationError, match="no fixed length"):
        durations.parse_duration("P1M")
    with pytest.raises(durations.DurationError, match="PT1M"):
        durations.bucket_period("PT30S")


@given(st.integers(min_value=60, max_value=366 * 86400))
def test_duration_format_round_trips(seconds):
    period = timedelta(seconds=seconds)
    assert durations.parse_duration(durations.format_duration(period)) == period


# names in any script, up to 60 characters: each is UTF-8 in the cursor, not \u escapes
@given(st.lists(st.one_of(st.text(max_size=60), st.integers(), st.none()), max_size=3))
def test_cursor_round_trips_and_is_bound_to_its_query(key):
    digest = cursor.query_digest({"city": "jakarta", "limit": 10})
    token = cursor.encode(tuple(key), digest)
    assert cursor.decode(token, digest, len(key)) == tuple(key)
    with pytest.raises(cursor.CursorError):
        cursor.decode(token, cursor.query_digest({"city": "makassar", "limit": 10}), len(key))


def test_a_cursor_key_too_long_to_come_back_is_never_issued():
    with pytest.raises(ValueError, match="too long"):
        cursor.encode(("x" * 2000,), "d")


@pytest.mark.parametrize("token", ["", "!!!", "bm90LWpzb24", "W10", "x" * 3000])
def test_foreign_cursors_are_refused(token):
    with pytest.raises(cursor.CursorError):
        cursor.decode(token, "d", 1)


def test_etag_matches_weakly_and_star():
    tag = etag.etag_of(b"body")
    assert etag.matches(tag, tag) and etag.matches(f'"x", W/{tag}', tag)
    assert etag.matches("*", tag) and not etag.matches('"other"', tag)
    assert not etag.matches(None, tag)


def test_rate_limiter_burst_then_retry_after():
    limiter = RateLimiter(rate_per_s=0.5, burst=2, max_clients=2)
    assert [limiter.take("a", 0.0).allowed for _ in range(3)] == [True, True, False]
    assert limiter.take("a", 0.0).retry_after_s == 2
    assert limiter.take("a", 2.0).allowed  # one token back after 2 s
    limiter.take("b", 2.0), limiter.take("c", 2.0)  # "a" is the least recently seen: dropped
    assert limiter.take("a", 2.0).allowed


def test_filter_compiles_the_spec_examples_to_parameters():
    # OGC 18-088 §9.3.3.5 Example Request 1 is "result lt 10.00"; the phenomenonTime
    # comparison uses an unquoted ISO 8601 DateTimeOffset as the spec's time literals do
    compiled = sta_filter.compile_filter(
        "result lt 10.00 and phenomenonTime gt 2015-11-10T12:00:00.000Z"
    )
    assert compiled.sql == "(value < %(f0)s AND ts > %(f1)s)"
    assert compiled.params["f0"] == 10.0
    assert compiled.params["f1"] == datetime(2015, 11, 10, 12, tzinfo=UTC)
    nested = sta_filter.compile_filter("not (result eq 1 or result ge 5)")
    assert nested.sql == "NOT (((value = %(f0)s OR value >= %(f1)s)))"


@pytest.mark.parametrize(
    "text",
    ["name eq 'x'", "result gt", "result gt 'a'", "phenomenonTime gt 5", "result eq 1 junk",
     "(" * 30 + "result eq 1" + ")" * 30, "result eq 1; DROP TABLE x", "result eq 1e999"],
)  # fmt: skip
def test_filter_refuses(text):
    with pytest.raises(sta_filter.FilterError):
        sta_filter.compile_filter(text)


def test_orderby():
    assert sta_filter.compile_orderby("phenomenonTime desc, result") == "ts DESC, value ASC"
    with pytest.raises(sta_filter.FilterError):
        sta_filter.compile_orderby("ts; drop")


def test_series_query_buckets_with_date_bin_and_keyset():
    start = datetime(2026, 11, 1, tzinfo=UTC)
    spec = queries.SeriesSpec("jakarta", "ispu", start, start + timedelta(days=30),
                              None, "jkt-air-0001", ("avg", "max"), timedelta(hours=1))  # fmt: skip
    query = queries.series(spec, 101, after=start + timedelta(hours=5))
    assert "date_bin(%(period)s, window_start, %(origin)s)" in query.sql
    assert query.params["start"] == start + timedelta(hours=6)  # next bucket after the key
    assert query.params["origin"] == start and query.columns == ("bucket", "avg", "max")
    assert "jkt-air" not in query.sql  # values only as parameters


def test_observation_order_ends_on_the_key_so_pages_are_stable():
    # OGC 18-088 §9.3.3.2-3: without a unique $orderby "the service SHALL impose a stable
    # ordering across requests that include $top/$skip"; result has ties, ts does not
    one, _ = sta_model.observations_sql(("air", "s", "pm25"), "TRUE", "value ASC", 10, 0)
    assert "ORDER BY value ASC, ts LIMIT 10" in one
    every, _ = sta_model.observations_sql(None, "TRUE", "value DESC", 10, 0)
    assert "ORDER BY value DESC, sensor_id, metric, ts " in every
    station, params = sta_model.observations_sql(("air", "s"), "TRUE", "ts DESC", 10, 0)
    assert params == {"sensor": "s"} and "v_traffic_reading" not in station


def test_feature_of_interest_is_the_station_point():
    s = sta_model.Station("jkt-air-0001", "jakarta", "gambir", "air", -6.2, 106.8, 60, None)
    feature = sta_model.feature_of_interest("http://x/sta/v1.1", s)
    # OGC 18-088 #featureofinterest (GeoJSON: RFC 7946 order lon, lat)
    assert feature["feature"] == {"type": "Point", "coordinates": [106.8, -6.2]}
    assert feature["Observations@iot.navigationLink"].endswith(
        "/FeaturesOfInterest('jkt-air-0001')/Observations"
    )
    nowhere = sta_model.Station("x", "jakarta", None, "air", None, None, None, None)
    assert sta_model.location("http://x", nowhere)["location"] is None


def test_observation_ids_round_trip():
    ts = datetime(2026, 11, 28, 1, 2, 3, 123000, tzinfo=UTC)
    identifier = sta_model.observation_id("jkt-air-0001", "pm25", ts)
    assert sta_model.parse_observation_id(identifier) == ("jkt-air-0001", "pm25", ts)
    assert sta_model.unquote("'a''b'") == "a'b"


def test_page_renders_categories_in_both_languages():
    now = datetime(2026, 11, 28, 5, tzinfo=UTC)
    view = page.CityPage(
        "jakarta", "DKI Jakarta", "Asia/Jakarta", now, page.Index(150, 0.9, "tidak_sehat"),
        page.Index(60, 0.5), page.Index(70, 0.4),
        [page.Station("jkt-air-0001", "gambir", page.Index(150, 1, "tidak_sehat"),
                      [(now - timedelta(hours=2), 120.0), (now - timedelta(hours=1), 150.0)])],
    )  # fmt: skip
    html_id, html_en = page.render(view, "id"), page.render(view, "en")
    assert "Tidak Sehat" in html_id and "Unhealthy" in html_en and "#e0b400" in html_id
    assert "<polyline" in html_id and "12:00" in html_id  # 05:00 UTC is 12:00 WIB
    assert "<script" not in html_id and "http" not in html_id.split("</head>")[0]
