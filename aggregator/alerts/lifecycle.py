"""Alert lifecycle over an indicator series (pure): episodes, then what to change.

An *episode* is a stretch of windows in which a rule's condition held, with hysteresis:
it opens once the value has been at or above ``open_at`` for ``min_duration_s`` and
closes at the first window below ``close_below``. Episodes are recomputed from the
series every time, so a late reading that changes a window changes the episodes, and
``reconcile`` turns the difference into actions: open a new alert, update a peak, close
one that cleared, or close one that should never have opened (reason ``revised``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from aggregator.alerts.rules import Rule

# A new peak this much above the last one published is worth an `update` event.
PEAK_UPDATE_RATIO = 1.05


@dataclass(frozen=True, slots=True)
class Point:
    start: datetime  # indicator window start
    value: float


@dataclass(frozen=True, slots=True)
class Episode:
    opened_at: datetime  # start of the first window of the run
    closed_at: datetime | None  # start of the first window below close_below
    peak: float
    last_value: float

    def overlaps(self, start: datetime, end: datetime | None) -> bool:
        mine_end = self.closed_at or datetime.max.replace(tzinfo=start.tzinfo)
        other_end = end or datetime.max.replace(tzinfo=start.tzinfo)
        return self.opened_at < other_end and start < mine_end


@dataclass(frozen=True, slots=True)
class Existing:
    id: int
    opened_at: datetime
    closed_at: datetime | None
    peak: float | None

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True, slots=True)
class Action:
    kind: Literal["open", "update", "close", "revise"]
    episode: Episode | None
    alert_id: int | None = None
    reason: str | None = None  # for close: cleared | revised
    opened_at: datetime | None = None  # an earlier start the alert moves to


def episodes(
    points: Sequence[Point], rule: Rule, window: timedelta, open_since: datetime | None = None
) -> list[Episode]:
    """Episodes in ``points``; ``open_since`` seeds an alert already open before them."""
    found: list[Episode] = []
    current = Episode(open_since, None, float("-inf"), float("-inf")) if open_since else None
    candidate: datetime | None = None
    previous: datetime | None = None
    needed = timedelta(seconds=rule.min_duration_s)
    for point in sorted(points, key=lambda p: p.start):
        gap = previous is not None and point.start - previous > window
        previous = point.start
        if current is not None:
            if point.value < rule.close_below:
                found.append(replace(current, closed_at=point.start))
                current, candidate = None, None
            else:
                current = replace(
                    current, peak=max(current.peak, point.value), last_value=point.value
                )
            continue
        if point.value < rule.open_at:
            candidate = None
            continue
        if candidate is None or gap:
            candidate = point.start
        if point.start + window - candidate >= needed:
            current = Episode(candidate, None, point.value, point.value)
    if current is not None:
        found.append(current)
    return found


def reconcile(
    found: Sequence[Episode], existing: Sequence[Existing], since: datetime | None = None
) -> list[Action]:
    """What to do so the stored alerts tell the story ``found`` tells (``since``: where
    the series begins; a closed alert that lies wholly after it and that no episode
    supports any more was raised by data that late readings revised: it is withdrawn)."""
    actions: list[Action] = []
    matched: set[int] = set()
    for episode in found:
        alert = next(
            (
                a
                for a in existing
                if a.id not in matched and episode.overlaps(a.opened_at, a.closed_at)
            ),
            None,
        )
        if alert is None:  # a closed episode is recorded as opened and closed at once
            actions.append(Action("open", episode))
            continue
        matched.add(alert.id)
        # Windows that became final can show the condition began before the provisional
        # window that opened the alert: the start moves earlier, never later (the series
        # may begin inside an episode, where the horizon cuts it).
        earlier = episode.opened_at if episode.opened_at < alert.opened_at else None
        if alert.open and episode.closed_at is not None:
            actions.append(Action("close", episode, alert.id, "cleared", earlier))
        elif alert.open and (earlier or episode.peak >= (alert.peak or 0.0) * PEAK_UPDATE_RATIO):
            actions.append(Action("update", episode, alert.id, opened_at=earlier))
        elif not alert.open and (episode.closed_at != alert.closed_at or earlier):
            # late data moved the end (or the episode goes on): the record follows
            actions.append(Action("revise", episode, alert.id, opened_at=earlier))
    for alert in existing:
        if alert.id in matched:
            continue
        if alert.open or (since is not None and alert.opened_at >= since):
            actions.append(Action("close", None, alert.id, "revised"))
    return actions
