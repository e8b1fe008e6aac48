"""Apply the alert rules to a city's indicator series and store what changed.

For each rule, in the caller's transaction:
  1. read the rule's indicator series of the last ``HORIZON`` for every place of the
     city, and the alerts of that rule that are open or opened within the horizon;
  2. compute episodes and reconcile them with the stored alerts (pure, lifecycle.py);
  3. insert, update or close ``alert`` rows, and return one event per change.
The caller publishes the events (Kafka ``kota.alerts.v1``, optional webhook) after
its transaction commits, so an event never announces a change that was rolled back.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import AsyncConnection

from aggregator.alerts.lifecycle import Action, Episode, Existing, episodes, reconcile
from aggregator.alerts.rules import Rule, RuleSet
from aggregator.alerts.series import SeriesCache, read_series
from aggregator.indicators.model import WINDOW, place_key

# Episodes are recomputed over this much history, and this much before the oldest
# window late data changed (ingest accepts readings up to 7 days old).
HORIZON = timedelta(hours=6)


@dataclass(frozen=True)
class AlertEvent:
    event: str  # open | update | close
    alert_id: int
    rule: str
    kind: str
    severity: str
    city: str
    district: str | None
    sensor_id: str | None
    value: float | None
    peak: float | None
    opened_at: datetime
    closed_at: datetime | None
    close_reason: str | None
    message: str

    @property
    def place_key(self) -> str:
        return place_key(self.city, self.district, self.sensor_id)

    def as_json(self) -> dict[str, Any]:
        """The event as JSON values. JSON has no infinity: an episode seeded from an open
        alert that closes at its first point has no value (-inf in ``lifecycle``), which
        became ``-Infinity`` — refused by PostgreSQL's jsonb (the outbox) and by strict
        JSON parsers (the consumers of kota.alerts.v1). A non-finite number is null."""
        return {k: _json_value(v) for k, v in self.__dict__.items()} | {"place": self.place_key}


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


async def evaluate(
    conn: AsyncConnection,
    city: str,
    rules: RuleSet,
    as_of: datetime,
    revised_from: datetime | None = None,
    cache: SeriesCache | None = None,
) -> list[AlertEvent]:
    """Alert changes from the windows before ``as_of`` (the job's progress, which is
    behind the newest data while it catches up on a backlog). ``revised_from``: the
    oldest window late data just changed; the series then reaches back past it too,
    so an alert those windows no longer support is withdrawn however old it is.
    ``cache``: the series kept by the caller, which notes every window it writes."""
    events: list[AlertEvent] = []
    start = as_of - HORIZON
    if revised_from is not None:
        start = min(start, revised_from - HORIZON)
    for rule in rules.rules:
        if cache is not None:
            series = await cache.series(conn, city, rule, start, as_of)
        else:
            series = await read_series(conn, city, rule, start, as_of)
        stored = await _stored(conn, city, rule, start)
        for place in set(series) | set(stored):
            known = stored.get(place, [])
            earliest_open = min((a.opened_at for a in known if a.open), default=None)
            seed = earliest_open if earliest_open is not None and earliest_open < start else None
            found = episodes(series.get(place, []), rule, WINDOW, seed)
            for action in reconcile(found, known, start):
                events.append(await _apply(conn, city, place, rule, action, known))
    return events


async def _stored(
    conn: AsyncConnection, city: str, rule: Rule, start: datetime
) -> dict[str, list[Existing]]:
    cur = await conn.execute(
        "SELECT place_key, id, opened_at, closed_at, peak FROM alert WHERE rule = %s "
        # withdrawn (`revised`) alerts are history: never matched or revived again
        "AND city = %s AND (state = 'open' OR closed_at >= %s) "
        "AND close_reason IS DISTINCT FROM 'revised' ORDER BY opened_at",
        (rule.rule, city, start),
    )
    out: dict[str, list[Existing]] = defaultdict(list)
    for place, *fields in await cur.fetchall():
        out[place].append(Existing(*fields))
    return out


async def _apply(
    conn: AsyncConnection,
    city: str,
    place: str,
    rule: Rule,
    action: Action,
    known: list[Existing],
) -> AlertEvent:
    parts = place.split("/")
    district = parts[1] if len(parts) > 1 else None
    sensor = parts[2] if len(parts) > 2 else None
    episode = action.episode
    value = episode.last_value if episode else None
    peak = episode.peak if episode else None
    message = rule.message.format(value=value or 0.0, place=place)

    def event(
        kind: str, alert_id: int, opened: datetime, closed: datetime | None, reason: str | None
    ) -> AlertEvent:
        return AlertEvent(
            kind,
            alert_id,
            rule.rule,
            rule.kind,
            rule.severity,
            city,
            district,
            sensor,
            value,
            peak,
            opened,
            closed,
            reason,
            message,
        )

    if action.kind == "open":
        assert episode is not None
        alert_id = await _insert(conn, rule, city, district, sensor, place, episode, message)
        closed = episode.closed_at
        return event(
            "open" if closed is None else "close",
            alert_id,
            episode.opened_at,
            closed,
            None if closed is None else "cleared",
        )
    assert action.alert_id is not None
    previous = next(a for a in known if a.id == action.alert_id)
    # The start only ever moves earlier (reconcile says when); every update sets it.
    opened = action.opened_at or previous.opened_at
    if action.kind == "revise":
        # Late data moved the end (or revived the episode).
        assert episode is not None
        closed = episode.closed_at
        reason = None if closed is None else "cleared"
        if closed is None:
            # Revived: another open alert of this rule and place that the engine did not
            # load (opened outside the windows it read) is the same episode; it is
            # withdrawn in favour of this one, as any alert late data disproves. Else the
            # one-open-alert index refused the revival and failed the whole cycle, for
            # every city, on every retry.
            await conn.execute(
                "UPDATE alert SET state = 'closed', closed_at = greatest(opened_at, %s), "
                "close_reason = 'revised', updated_at = now() "
                "WHERE rule = %s AND place_key = %s AND state = 'open' AND id <> %s",
                (opened, rule.rule, place, action.alert_id),
            )
        await conn.execute(
            "UPDATE alert SET state = %s, opened_at = %s, closed_at = %s, close_reason = %s, "
            "value = %s, peak = greatest(peak, %s), updated_at = now() WHERE id = %s",
            (
                "open" if closed is None else "closed",
                opened,
                closed,
                reason,
                value,
                peak,
                action.alert_id,
            ),
        )
        return event(
            "open" if closed is None else "update",
            action.alert_id,
            opened,
            closed,
            reason,
        )
    if action.kind == "update":
        await conn.execute(
            "UPDATE alert SET opened_at = %s, value = %s, peak = %s, last_seen_at = now(), "
            "updated_at = now() WHERE id = %s",
            (opened, value, peak, action.alert_id),
        )
        return event("update", action.alert_id, opened, None, None)
    closed = episode.closed_at if episode else previous.opened_at
    await conn.execute(
        "UPDATE alert SET state = 'closed', opened_at = %s, closed_at = %s, close_reason = %s, "
        "value = coalesce(%s, value), updated_at = now() WHERE id = %s",
        (opened, closed, action.reason, value, action.alert_id),
    )
    return event("close", action.alert_id, opened, closed, action.reason)


async def _insert(
    conn: AsyncConnection,
    rule: Rule,
    city: str,
    district: str | None,
    sensor: str | None,
    place: str,
    episode: Episode,
    message: str,
) -> int:
    state = "open" if episode.closed_at is None else "closed"
    cur = await conn.execute(
        "INSERT INTO alert (rule, kind, severity, city, district, sensor_id, place_key, state, "
        "opened_at, last_seen_at, closed_at, close_reason, value, peak, open_threshold, "
        "close_threshold, message) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
        "%s, %s, %s, %s, %s) "
        # An open alert of this rule and place that the engine did not load (opened on
        # windows outside what it read, e.g. ahead of a revision, or by another writer)
        # is adopted, not a unique violation: that failed the whole cycle, for every
        # city, on every retry, and no indicator or alert was computed any more.
        "ON CONFLICT (rule, place_key) WHERE state = 'open' DO UPDATE SET "
        "opened_at = least(alert.opened_at, EXCLUDED.opened_at), last_seen_at = now(), "
        "value = EXCLUDED.value, peak = greatest(alert.peak, EXCLUDED.peak), "
        "updated_at = now() RETURNING id",
        (
            rule.rule,
            rule.kind,
            rule.severity,
            city,
            district,
            sensor,
            place,
            state,
            episode.opened_at,
            episode.opened_at,
            episode.closed_at,
            None if state == "open" else "cleared",
            episode.last_value,
            episode.peak,
            rule.open_at,
            rule.close_below,
            message,
        ),
    )
    found = await cur.fetchone()
    assert found is not None
    return int(found[0])
