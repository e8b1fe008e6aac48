"""Grafana's SQL macro and template-variable expansion, case by case (kotacerdas.dashboards.macros).

Expected strings follow Grafana's PostgreSQL data source (macros.go, sqleng.Interpolate)
and grafana-sql's variable interpolation, as its documentation describes them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kotacerdas.dashboards.macros import (
    MacroError,
    TimeRange,
    Variable,
    expand,
    format_interval,
    parse_interval,
)

RANGE = TimeRange(
    datetime(2026, 11, 28, 1, 0, tzinfo=UTC), datetime(2026, 11, 28, 7, 0, 0, 250000, tzinfo=UTC)
)
VARS = {
    "city": Variable.single("jakarta"),
    "district": Variable(("gambir", "sawah-besar"), multi=True, texts=("Gambir", "Sawah Besar")),
    "quoted": Variable.single("o'brien"),
}


def run(sql: str, interval: timedelta = timedelta(minutes=1), **kw: bool) -> str:
    return expand(sql, RANGE, VARS, interval, **kw)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("$__timeFilter(ts)", "ts BETWEEN '2026-11-28T01:00:00Z' AND '2026-11-28T07:00:00.25Z'"),
        ("$__timeFrom()", "'2026-11-28T01:00:00Z'"),
        ("$__timeTo()", "'2026-11-28T07:00:00.25Z'"),
        ("$__time(ts)", 'ts AS "time"'),
        ("$__timeEpoch(ts)", 'extract(epoch from ts) as "time"'),
        ("$__timeGroup(ts, 5m)", "floor(extract(epoch from ts)/300)*300"),
        ("$__timeGroup(ts,'1h')", "floor(extract(epoch from ts)/3600)*3600"),
        ("$__timeGroupAlias(ts, 5m)", 'floor(extract(epoch from ts)/300)*300 AS "time"'),
        ("$__timeGroupAlias(ts, $__interval)", 'floor(extract(epoch from ts)/60)*60 AS "time"'),
        ("$__timeGroup(ts, 5m, NULL)", "floor(extract(epoch from ts)/300)*300"),
        ("$__unixEpochFilter(t)", "t >= 1795827600 AND t <= 1795849200"),
        ("$__unixEpochFrom() $__unixEpochTo()", "1795827600 1795849200"),
        ("$__unixEpochGroupAlias(t, 1m)", 'floor((t)/60)*60 AS "time"'),
        ("$__unixEpochNanoFrom()", "1795827600000000000"),
        ("$__interval $__interval_ms", "1m 60000"),
    ],
)
def test_macros_expand_as_grafana_does(sql, expected):
    assert run(sql) == expected


def test_old_style_time_group_followed_by_a_comma_gets_the_alias():
    assert run("SELECT $__timeGroup(ts, 1m), avg(v)") == (
        'SELECT floor(extract(epoch from ts)/60)*60 AS "time", avg(v)'
    )


def test_timescaledb_mode_uses_time_bucket():
    assert run("$__timeGroup(ts, 5m)", timescaledb=True) == "time_bucket('300.000s',ts)"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("city = '$city'", "city = 'jakarta'"),
        ("city = '${city}'", "city = 'jakarta'"),
        ("city = '[[city]]'", "city = 'jakarta'"),
        ("name = '$quoted'", "name = 'o''brien'"),  # single value: quotes doubled, no wrapping
        ("d IN ($district)", "d IN ('gambir','sawah-besar')"),  # multi: quoted literals
        ("d IN (${district:sqlstring})", "d IN ('gambir','sawah-besar')"),
        ("${district:csv}", "gambir,sawah-besar"),
        ("${district:raw}", "gambir,sawah-besar"),
        ("${district:pipe}", "gambir|sawah-besar"),
        ("${district:singlequote}", "'gambir','sawah-besar'"),
        ("${district:doublequote}", '"gambir","sawah-besar"'),
        ("${district:text}", "Gambir,Sawah Besar"),
        ("${quoted:sqlstring}", "'o''brien'"),
        ("$unknown stays", "$unknown stays"),
    ],
)
def test_template_variables_are_interpolated_like_the_sql_data_source(sql, expected):
    assert run(sql) == expected


def test_builtin_range_variables():
    assert run("$__from $__to $__range_s") == "1795827600000 1795849200250 21600"


@pytest.mark.parametrize(
    "sql",
    [
        "$__nope(ts)",
        "$__timeGroup(ts)",
        "$__timeFilter()",
        "$__timeGroup(ts, five)",
        "$__timeGroup(ts, 1m, zero)",
        "${district:bogus}",
    ],
)
def test_what_grafana_refuses_is_refused(sql):
    with pytest.raises(MacroError):
        run(sql)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1m", 60), ("'5m'", 300), ("1h30m", 5400), ("500ms", 0.5), ("1d", 86400), ("2w", 1209600)],
)
def test_parse_interval(text, seconds):
    assert parse_interval(text).total_seconds() == seconds


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.2, "200ms"), (1, "1s"), (90, "1m"), (300, "5m"), (7200, "2h"), (86400 * 3, "3d")],
)
def test_format_interval_uses_the_largest_whole_unit(seconds, text):
    assert format_interval(timedelta(seconds=seconds)) == text
