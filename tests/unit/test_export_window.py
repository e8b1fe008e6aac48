"""Periods in the city's calendar, the previous complete period, run records."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from kotacerdas.export import schedule, window
from kotacerdas.export.errors import InvalidPeriod, UnsupportedTimezone
from kotacerdas.export.fingerprint import Fingerprint, sha256_bytes


@pytest.mark.parametrize(
    ("text", "kind", "first", "end"),
    [
        ("2026-10", "month", date(2026, 10, 1), date(2026, 11, 1)),
        ("2026-12", "month", date(2026, 12, 1), date(2027, 1, 1)),
        ("2026-Q4", "quarter", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-Q1", "quarter", date(2026, 1, 1), date(2026, 4, 1)),
        ("2026", "year", date(2026, 1, 1), date(2027, 1, 1)),
    ],
)
def test_periods_parse_to_their_days(text: str, kind: str, first: date, end: date) -> None:
    period = window.parse(text)
    assert (period.kind, period.first_day, period.end_day, period.label) == (kind, first, end, text)


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26-10", "2026/10", "oktober"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(InvalidPeriod):
        window.parse(text)


def test_a_month_starts_at_local_midnight_of_the_city() -> None:
    makassar = window.window(window.parse("2026-10"), "Asia/Makassar")
    jakarta = window.window(window.parse("2026-10"), "Asia/Jakarta")
    assert makassar.start_utc == datetime(2026, 9, 30, 16, tzinfo=UTC)
    assert jakarta.start_utc == datetime(2026, 9, 30, 17, tzinfo=UTC)
    assert makassar.hours == 31 * 24 and len(makassar.days) == 31
    assert makassar.local_day(makassar.first_hour) == date(2026, 10, 1)
    assert makassar.local_hour(makassar.first_hour) == 0


def test_zones_that_cut_hourly_buckets_are_refused() -> None:
    with pytest.raises(UnsupportedTimezone, match="whole hour"):
        window.window(window.parse("2026-10"), "Asia/Kolkata")
    with pytest.raises(UnsupportedTimezone, match="changes its UTC offset"):
        window.window(window.parse("2026"), "Europe/Berlin")


def test_previous_complete_period_is_in_each_citys_calendar() -> None:
    now = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # 1 Nov 00:30 WITA, 31 Oct 23:30 WIB
    assert window.previous_complete(now, "Asia/Makassar", "month").label == "2026-10"
    assert window.previous_complete(now, "Asia/Jakarta", "month").label == "2026-09"
    assert window.previous_complete(now, "Asia/Makassar", "quarter").label == "2026-Q3"
    assert window.previous_complete(now, "Asia/Makassar", "year").label == "2025"
    with pytest.raises(InvalidPeriod):
        window.previous_complete(datetime(2026, 11, 1), "Asia/Jakarta", "month")


def test_chart_buckets_are_days_weeks_or_months() -> None:
    assert len(window.window(window.parse("2026-10"), "Asia/Jakarta").buckets()) == 31
    quarter = window.window(window.parse("2026-Q4"), "Asia/Jakarta").buckets()
    assert quarter[0] == "2026-10-01" and quarter[1] == "2026-10-05"  # Mondays after the 1st
    assert window.window(window.parse("2026"), "Asia/Jakarta").buckets()[-1] == "2026-12"


def test_unchanged_needs_the_same_hash_and_intact_files(tmp_path: Path) -> None:
    (tmp_path / "uji_2026-10.json").write_bytes(b"{}")
    digest = sha256_bytes(b"{}")
    names = ["uji_2026-10.json"]
    assert not schedule.unchanged(tmp_path, "uji", "2026-10", "h1", names)
    schedule.record(tmp_path, {"city": "uji", "period": "2026-10", "status": "written",
                               "inputs_sha256": "h1", "files": {names[0]: digest}})  # fmt: skip
    assert schedule.unchanged(tmp_path, "uji", "2026-10", "h1", names)
    assert not schedule.unchanged(tmp_path, "uji", "2026-10", "h2", names)  # new data
    assert not schedule.unchanged(tmp_path, "uji", "2026-10", "h1", [*names, "uji_2026-10.csv"])
    (tmp_path / "uji_2026-10.json").write_bytes(b"{ }")  # edited by hand
    assert not schedule.unchanged(tmp_path, "uji", "2026-10", "h1", names)


def test_fingerprint_tells_apart_what_differs_and_only_that() -> None:
    def digest(*values: object) -> str:
        fp = Fingerprint()
        for value in values:
            fp.add(value)
        return fp.hexdigest()

    assert digest(["ab"]) != digest(["a", "b"])
    assert digest([1.0, None, 3.0]) != digest([1.0, 0.0, 3.0])
    assert digest({"a": 1, "b": 2}) == digest({"b": 2, "a": 1})
    assert digest([0.1 + 0.2]) != digest([0.3])  # bits, not a rounded text


def test_the_export_sql_names_only_views() -> None:
    """kota_reader has SELECT on views only: every FROM/JOIN of the export is a v_ view."""
    import re

    from kotacerdas.export import queries

    names = [q for q in vars(queries).values() if isinstance(q, queries.Query)]
    assert len(names) >= 10
    for query in names:
        tables = re.findall(
            r"(?<!epoch )\b(?:FROM|JOIN)\s+([a-z_][a-z0-9_]*)", query.sql, flags=re.I
        )
        assert tables and all(t.startswith("v_") for t in tables), (query.name, tables)
        assert set(query.views) == set(tables), query.name


def test_the_cli_refuses_bad_arguments_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    from kotacerdas.cli import main

    assert main(["export", "--period", "2026-10", "--format", "pdf"]) == 2
    assert "--format 'pdf': choose from csv, json, xlsx, html" in capsys.readouterr().err
    assert main(["export", "--period", "2026-13"]) == 2
    assert "month 13 is not 01–12" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", "--period", "2026-10", "--schedule", "monthly"])
