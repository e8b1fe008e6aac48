"""The alert series kept between cycles are what reading the indicator table would give."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from aggregator.alerts.rules import Rule
from aggregator.alerts.series import SeriesCache, read_series
from aggregator.indicators.model import WINDOW, IndicatorRow
from aggregator.indicators.writer import replace_windows

T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=12)
PLACES = [("d1", "s1"), ("d1", "s2"), ("d2", "s3"), ("d1", ""), ("d2", ""), ("", "")]


def _rule(indicator: str, scope: str) -> Rule:
    return Rule(
        rule=f"r_{indicator}_{scope}",
        kind="test",
        indicator=indicator,
        scope=scope,  # type: ignore[arg-type]
        severity="info",
        open_at=1,
        close_below=1,
        min_duration_s=0,
        message="{place}",
    )


RULES = [_rule(code, scope) for code in ("a", "b") for scope in ("sensor", "district", "city")]


def _rows(city: str, pick: random.Random) -> list[IndicatorRow]:
    """A window's rows: some places and codes missing, some values NULL."""
    return [
        IndicatorRow(city, district, sensor, code, pick.choice([None, 0.0, 1.0, 2.5]))
        for district, sensor in PLACES
        for code in ("a", "b", "c")
        if pick.random() < 0.8
    ]


@pytest.mark.parametrize("history", [timedelta(hours=1), timedelta(minutes=10)])
async def test_kept_series_follow_every_write_and_horizon_move(stack, history):
    """With an hour of history the horizon's moves back are served from memory; with
    ten minutes, the longer ones are read again."""
    city = f"ujiseri{uuid.uuid4().hex[:6]}"
    pick = random.Random(11)
    cache = SeriesCache(history)
    async with await psycopg.AsyncConnection.connect(stack.conninfo("writer")) as conn:
        newest = T0
        start = T0 - 2 * WINDOW
        for step in range(60):
            # new windows, and now and then a rewrite of an older one (late data)
            starts = [newest + WINDOW * k for k in range(pick.randint(0, 3))]
            if step % 7 == 3:
                starts.append(newest - WINDOW * pick.randint(1, 10))
            newest += WINDOW * max(1, len(starts))
            written = [(s, _rows(city, pick)) for s in sorted(set(starts))]
            await replace_windows(conn, city, written)
            cache.note_written(city, written)
            # the horizon moves on, and sometimes back (late data reaches further)
            start = start + WINDOW if step % 11 != 5 else start - 4 * WINDOW
            end = newest - WINDOW * pick.randint(0, 2)
            for rule in RULES:
                kept = await cache.series(conn, city, rule, start, end)
                assert kept == await read_series(conn, city, rule, start, end), (step, rule)
        assert [await cache.series(conn, city, rule, start, newest) for rule in RULES] != [{}] * 6
        await conn.rollback()
