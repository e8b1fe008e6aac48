"""The SQL of the export: queries over the ``kota_reader`` views only (no tables).

Executed by :mod:`kotacerdas.export.reader`, which owns the connection, the snapshot
and the streaming; this module is text and the planner settings that go with it.

Determinism: daily sums are integer sums of micro-units (``round(mean·n·10⁶)``), exact in
any order, and hourly series come as arrays (ordered by time by the reader, summed in
Python with exact arithmetic), so the physical order of rows can never change a figure.

Plan: a year of hourly buckets per sensor is read best as sequential scans of the daily
partitions feeding a hash aggregate. Merging hundreds of per-partition index scans by
sensor, which the planner otherwise picks, was 3–5× slower on a city-year, and JIT
compilation of a plan over hundreds of partitions costs a second on its own; so each
transaction turns index scans, sorts and JIT off (``SET LOCAL``: this transaction only).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from kotacerdas.export.air_series import LOOKBACK_HOURS
from kotacerdas.export.inputs import POLLUTANTS

#: Look-back before the window so the first hour has a full 24-h rolling mean.
ROLLING_LOOKBACK: Final = timedelta(hours=LOOKBACK_HOURS)
#: Live composite codes written by the indicator job at city scope.
LIVE_INDEX_CODES: Final = ("green_city_index", "safety_index")


@dataclass(frozen=True, slots=True)
class Query:
    name: str
    views: tuple[str, ...]
    sql: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


CITIES = Query("cities", ("v_city",), "SELECT slug, timezone FROM v_city ORDER BY slug")
CITY = Query(
    "city",
    ("v_city",),
    "SELECT slug, name, code, province, timezone, area_km2, population FROM v_city "
    "WHERE slug = %(city)s",
)
DISTRICTS = Query(
    "districts",
    ("v_district",),
    "SELECT slug, name, area_km2, population FROM v_district WHERE city = %(city)s ORDER BY slug",
)
SENSORS = Query(
    "sensors",
    ("v_sensor",),
    "SELECT sensor_id, district, domain, interval_s, active, street, road_class, "
    "capacity_pcu_h, free_flow_kmh, length_km, capacity_l FROM v_sensor "
    "WHERE city = %(city)s ORDER BY sensor_id",
)
#: Daily sums are taken in integer micro-units: exact, so independent of row order.
MICRO: Final = 1_000_000
_DAY_SUMS = ", ".join(
    f"sum(({p}_avg * {p}_n * {MICRO})::int8)::float8, coalesce(sum({p}_n), 0)::int8, "
    f"count(*) FILTER (WHERE {p}_n > 0)"
    for p in POLLUTANTS
)
#: Planner settings of every export transaction (see the module docstring).
PLAN_SETTINGS: Final = (
    "SET LOCAL TimeZone = 'UTC'",  # timestamps come back in one zone: a stable input hash
    "SET LOCAL jit = off",
    "SET LOCAL enable_indexscan = off",
    "SET LOCAL enable_bitmapscan = off",
    "SET LOCAL enable_sort = off",
)
AIR_DAYS = Query(
    "air_days",
    ("v_air_1h",),
    f"SELECT sensor_id, (ts AT TIME ZONE %(tz)s)::date AS day, count(*), {_DAY_SUMS} "
    "FROM v_air_1h WHERE city = %(city)s AND ts >= %(start)s AND ts < %(end)s "
    "GROUP BY 1, 2",
)


def _hourly(name: str, view: str, columns: tuple[str, ...], since: str) -> Query:
    """One row per sensor: samples and buckets inside the window, then arrays of epoch
    hours and of each column (from ``since``, which may include a look-back) in scan order.
    """
    arrays = ", ".join(f"array_agg({c})" for c in columns)
    return Query(
        name,
        (view,),
        "SELECT sensor_id, coalesce(sum(samples) FILTER (WHERE ts >= %(start)s), 0)::int8, "
        "count(*) FILTER (WHERE ts >= %(start)s), "
        f"array_agg(extract(epoch FROM ts)::int8 / 3600), {arrays} "
        f"FROM {view} WHERE city = %(city)s AND ts >= %({since})s AND ts < %(end)s "
        "GROUP BY sensor_id",
    )


AIR_COLUMNS: Final = ("pm25_avg", "pm25_n", "noise_avg")
TRAFFIC_COLUMNS: Final = (
    "vehicle_count_sum",
    "observed_s",
    "avg_speed_kmh_avg",
    "speeding_count_sum",
)
WASTE_COLUMNS: Final = ("fill_level_max", "fill_level_avg", "temperature_max")
AIR_HOURLY = _hourly("air_hourly", "v_air_1h", AIR_COLUMNS, "lookback")
TRAFFIC_HOURLY = _hourly("traffic_hourly", "v_traffic_1h", TRAFFIC_COLUMNS, "start")
WASTE_HOURLY = _hourly("waste_hourly", "v_waste_1h", WASTE_COLUMNS, "start")
#: No surrogate key: an alert's id is a sequence value, which differs between databases
#: holding the same alerts and would change the input hash. Ordered by every column, so
#: rows that tie are identical and their order cannot matter.
ALERTS = Query(
    "alerts",
    ("v_alert",),
    "SELECT rule, kind, severity, state, opened_at, closed_at FROM v_alert "
    "WHERE city = %(city)s AND opened_at >= %(start)s AND opened_at < %(end)s "
    "ORDER BY opened_at, rule, kind, severity, state, closed_at",
)
#: Mean of the live index over the period (numeric: exact, so order-free).
LIVE_INDICES = Query(
    "live_indices",
    ("v_indicator",),
    "SELECT code, count(*), avg(value::numeric)::float8, avg(coverage::numeric)::float8 "
    "FROM v_indicator WHERE city = %(city)s AND district IS NULL AND sensor_id IS NULL "
    "AND code = ANY(%(codes)s) AND window_start >= %(start)s AND window_start < %(end)s "
    "GROUP BY code ORDER BY code",
)
DEAD_LETTERS = Query(
    "dead_letters",
    ("v_dead_letter",),
    "SELECT reason, count(*) FROM v_dead_letter WHERE city = %(city)s "
    "AND received_at >= %(start)s AND received_at < %(end)s GROUP BY reason ORDER BY reason",
)
