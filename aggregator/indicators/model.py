"""Values the indicator job passes around (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

# Indicator history is kept in 5-minute windows: fine enough for gridlock (15 min) and
# alert durations, coarse enough that a day is 288 rows per place and code.
WINDOW: Final = timedelta(minutes=5)
# How far back each input reaches from the window end (the regulation's averaging).
AIR_LOOKBACK: Final = timedelta(hours=24)  # ISPU: 24-h mean [U], see sensors.py
TRAFFIC_LOOKBACK: Final = timedelta(minutes=30)  # 15-min state + gridlock run
TRAFFIC_CURRENT: Final = timedelta(minutes=15)
WASTE_LOOKBACK: Final = timedelta(hours=24)
# A sensor is silent after three of its intervals without a reading (issue 11).
SILENT_INTERVALS: Final = 3


def place_key(city: str, district: str | None, sensor_id: str | None) -> str:
    """ "city", "city/district" or "city/district/sensor" (alerts and events name places so)."""
    return "/".join(p for p in (city, district, sensor_id) if p)


def window_start(ts: datetime) -> datetime:
    seconds = int(WINDOW.total_seconds())
    epoch = int(ts.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, ts.tzinfo)


@dataclass(frozen=True, slots=True)
class SensorMeta:
    sensor_id: str
    city: str
    district: str
    domain: str
    interval_s: int
    capacity_pcu_h: float | None = None
    free_flow_kmh: float | None = None
    length_km: float | None = None


# A bin's (timestamp, fill %) samples and (timestamp, °C) maximum temperatures, by time.
WasteSeries = tuple[Sequence[tuple[datetime, float]], Sequence[tuple[datetime, float]]]


@dataclass(frozen=True, slots=True)
class Rollup:
    """One rollup row: bucket start and the columns the indicators read."""

    ts: datetime
    values: dict[str, float | None]


@dataclass
class CityInputs:
    """Everything one city's indicators need at one moment (``as_of`` = window end)."""

    city: str
    timezone: str
    as_of: datetime
    sensors: list[SensorMeta]
    rollups: dict[str, list[Rollup]] = field(default_factory=dict)  # sensor → rows, by ts
    # Bins: fill samples and temperatures, by ts (what the waste indicators read). The
    # loader slices them from series extracted once per read; without them the bin's
    # rollups are read instead.
    bins: dict[str, WasteSeries] = field(default_factory=dict)
    last_seen: dict[str, datetime] = field(default_factory=dict)  # newest 1-min bucket
    # The oldest 1-min bucket of any sensor in the look-back: before the city has been
    # observed for three intervals, a sensor never heard from is not yet "silent".
    observed_since: datetime | None = None
    # Provisional windows only: the watermark, before which the data is complete. Past
    # it readings may still be on their way, so a sensor quiet only since then is not
    # yet called silent (a late sensor is not a silent one). None: a final window.
    complete_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    city: str
    district: str  # '' = city scope
    sensor_id: str  # '' = district or city scope
    code: str
    value: float | None
    category: str | None = None
    coverage: float | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def place(self) -> str:
        return place_key(self.city, self.district, self.sensor_id)
