"""What the export reads from the views, as plain values (filled by :mod:`queries`).

Hourly series are per sensor and ordered by time: ``hours`` holds epoch hours
(``unix time // 3600``) of the rollup buckets that exist, the other lists are aligned
with it. Nothing here computes anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from kotacerdas.export.window import Window

# Air pollutants with ISPU breakpoints, in the order the rollup columns appear.
POLLUTANTS = ("pm25", "pm10", "no2", "so2", "o3", "co", "hc")


@dataclass(frozen=True, slots=True)
class CityFacts:
    slug: str
    name: str
    code: str
    province: str
    timezone: str
    area_km2: float
    population: int


@dataclass(frozen=True, slots=True)
class DistrictFacts:
    slug: str
    name: str
    area_km2: float
    population: int


@dataclass(frozen=True, slots=True)
class SensorFacts:
    sensor_id: str
    district: str
    domain: str
    interval_s: int
    active: bool
    street: str | None = None
    road_class: str | None = None
    capacity_pcu_h: float | None = None
    free_flow_kmh: float | None = None
    length_km: float | None = None
    capacity_l: float | None = None


@dataclass(frozen=True, slots=True)
class HourlySeries:
    """One sensor's hourly rollup rows in the query window, oldest first."""

    sensor_id: str
    hours: Sequence[int]
    columns: Mapping[str, Sequence[float | None]]
    samples: int = 0
    """Samples received inside the window (Σ ``samples`` of its buckets)."""
    buckets: int = 0
    """Hourly buckets inside the window."""

    def column(self, name: str) -> Sequence[float | None]:
        return self.columns[name]


@dataclass(frozen=True, slots=True)
class AirDay:
    """One station's local day: per pollutant ``(Σ mean·n, Σ n, hours with data)``."""

    sensor_id: str
    day: date
    pollutants: Mapping[str, tuple[float, int, int]]


@dataclass(frozen=True, slots=True)
class AlertRow:
    rule: str
    kind: str
    severity: str
    state: str
    opened_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class LiveIndexRow:
    """The live (5-minute) history of one composite index over the period, summarised."""

    code: str
    rows: int
    mean: float | None
    coverage_mean: float | None


@dataclass(frozen=True, slots=True)
class QueryRecord:
    """Lineage of one query: what it read, with which parameters, how many rows."""

    name: str
    views: tuple[str, ...]
    sql_sha256: str
    params: Mapping[str, str]
    rows: int
    buckets: int
    """Hourly rollup rows behind the result (0 for registry and event queries)."""


@dataclass(frozen=True)
class Inputs:
    """Everything one city-period export reads, in one database snapshot."""

    city: CityFacts
    window: Window
    districts: tuple[DistrictFacts, ...]
    sensors: tuple[SensorFacts, ...]
    air_days: tuple[AirDay, ...]
    air_hourly: tuple[HourlySeries, ...]
    """Hourly PM2.5/noise per station, from 23 h before the window (24-h rolling means)."""
    traffic_hourly: tuple[HourlySeries, ...]
    waste_hourly: tuple[HourlySeries, ...]
    alerts: tuple[AlertRow, ...]
    live_indices: tuple[LiveIndexRow, ...]
    dead_letters: Mapping[str, int]
    """Dead letters attributed to the city in the window, per reason."""
    queries: tuple[QueryRecord, ...] = field(default=())
    inputs_sha256: str = ""

    def sensors_of(self, domain: str) -> tuple[SensorFacts, ...]:
        return tuple(s for s in self.sensors if s.domain == domain and s.active)
