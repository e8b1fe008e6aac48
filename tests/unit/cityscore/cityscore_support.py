"""Shared helpers for the cityscore unit tests (no services, no I/O).

Named ``cityscore_support`` (not ``conftest``/``helpers``) so it cannot collide with
other packages' test helpers on ``sys.path`` under pytest's default import mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from hypothesis import settings

#: database=None: properties must not write an example database into the repo.
PROPERTY = settings(database=None, deadline=None, max_examples=200)

T0 = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)


def fill_series(
    levels: Sequence[float], step: timedelta = timedelta(hours=1), start: datetime = T0
) -> list[tuple[datetime, float]]:
    """``(time, fill %)`` samples one ``step`` apart."""
    return [(start + i * step, level) for i, level in enumerate(levels)]


def los_series(
    letters: str, step: timedelta = timedelta(minutes=5), start: datetime = T0
) -> list[tuple[datetime, str]]:
    """``(time, LOS)`` samples one ``step`` apart, e.g. ``los_series("CDFFFF")``."""
    return [(start + i * step, letter) for i, letter in enumerate(letters)]
