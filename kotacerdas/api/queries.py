"""The SQL of every REST resource, built from validated parameters (pure: strings only).

Each builder returns a :class:`Query` (text with ``%(name)s`` placeholders, and the
values): values never enter the text, identifiers come from fixed tables here. Reads go
to the read-contract views only (``kota_reader`` can SELECT nothing else).

Pagination is by keyset, never OFFSET: a page asks for ``limit + 1`` rows after the last
key of the previous page, so a page costs the same at row 10 and at row 10 million, and
rows inserted meanwhile do not shift the pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

#: The NGSI-LD aggregation methods we compute (ETSI GS CIM 009 §4.5.19); SQL per method.
AGGREGATES: Final = {
    "avg": "avg(value)",
    "min": "min(value)",
    "max": "max(value)",
    "sum": "sum(value)",
    "count": "count(value)",
}

CITY_COLUMNS: Final = (
    "slug", "name", "code", "province", "timezone", "area_km2", "population", "lat", "lon",
)  # fmt: skip
DISTRICT_COLUMNS: Final = ("city", "slug", "name", "area_km2", "population", "lat", "lon",
                           "land_use")  # fmt: skip
SENSOR_COLUMNS: Final = (
    "sensor_id", "city", "district", "domain", "lat", "lon", "interval_s", "street",
    "road_class", "lanes", "capacity_pcu_h", "free_flow_kmh", "length_km", "capacity_l",
    "active",
)  # fmt: skip
HEALTH_COLUMNS: Final = ("last_ts", "silent_for_s", "silent")
INDICATOR_COLUMNS: Final = (
    "city", "district", "sensor_id", "code", "window_start", "window_s", "value", "category",
    "coverage", "computed_at",
)  # fmt: skip
ALERT_COLUMNS: Final = (
    "id", "rule", "kind", "severity", "city", "district", "sensor_id", "state", "opened_at",
    "last_seen_at", "closed_at", "close_reason", "value", "peak", "open_threshold",
    "close_threshold", "message",
)  # fmt: skip


@dataclass(frozen=True)
class Query:
    sql: str
    params: dict[str, Any] = field(default_factory=dict)
    columns: tuple[str, ...] = ()


def _where(conditions: Sequence[str]) -> str:
    return (" WHERE " + " AND ".join(conditions)) if conditions else ""


def cities(limit: int, after: str | None = None, slug: str | None = None) -> Query:
    conditions, params = [], {"limit": limit}
    if slug is not None:
        conditions.append("slug = %(slug)s")
        params["slug"] = slug
    if after is not None:
        conditions.append("slug > %(after)s")
        params["after"] = after
    sql = f"SELECT {', '.join(CITY_COLUMNS)} FROM v_city{_where(conditions)} ORDER BY slug "
    return Query(sql + "LIMIT %(limit)s", params, CITY_COLUMNS)


def districts(city: str, limit: int, after: str | None = None) -> Query:
    conditions, params = ["city = %(city)s"], {"city": city, "limit": limit}
    if after is not None:
        conditions.append("slug > %(after)s")
        params["after"] = after
    sql = f"SELECT {', '.join(DISTRICT_COLUMNS)} FROM v_district{_where(conditions)} "
    return Query(sql + "ORDER BY slug LIMIT %(limit)s", params, DISTRICT_COLUMNS)


def sensors(
    limit: int,
    city: str | None = None,
    sensor_id: str | None = None,
    domain: str | None = None,
    district: str | None = None,
    after: str | None = None,
) -> Query:
    """Sensors with their health (v_sensor_health: last reading, silent or not)."""
    conditions: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    for name, value in (("city", city), ("sensor_id", sensor_id), ("domain", domain),
                        ("district", district)):  # fmt: skip
        if value is not None:
            conditions.append(f"s.{name} = %({name})s")
            params[name] = value
    if after is not None:
        conditions.append("s.sensor_id > %(after)s")
        params["after"] = after
    select = ", ".join(f"s.{c}" for c in SENSOR_COLUMNS)
    sql = (
        f"SELECT {select}, h.last_ts, extract(epoch FROM h.silent_for)::double precision, "
        f"h.silent FROM v_sensor s LEFT JOIN v_sensor_health h USING (sensor_id)"
        f"{_where(conditions)} ORDER BY s.sensor_id LIMIT %(limit)s"
    )
    return Query(sql, params, SENSOR_COLUMNS + HEALTH_COLUMNS)


#: ``scope`` of the latest indicators: which places' rows.
SCOPES: Final = {
    "city": "district IS NULL AND sensor_id IS NULL",
    "district": "district IS NOT NULL AND sensor_id IS NULL",
    "sensor": "sensor_id IS NOT NULL",
    "all": "TRUE",
}


def latest_indicators(
    city: str,
    limit: int,
    scope: str = "all",
    district: str | None = None,
    sensor_id: str | None = None,
    codes: Sequence[str] = (),
    after: tuple[str, str, str] | None = None,
) -> Query:
    """v_indicator_latest of one city; key (district, sensor, code), '' for none."""
    conditions = ["city = %(city)s", SCOPES[scope]]
    params: dict[str, Any] = {"city": city, "limit": limit}
    if district is not None:
        conditions.append("district = %(district)s")
        params["district"] = district
    if sensor_id is not None:
        conditions.append("sensor_id = %(sensor_id)s")
        params["sensor_id"] = sensor_id
    if codes:
        conditions.append("code = ANY(%(codes)s)")
        params["codes"] = list(codes)
    key = "(coalesce(district, ''), coalesce(sensor_id, ''), code)"
    if after is not None:
        conditions.append(f"{key} > (%(a_district)s, %(a_sensor)s, %(a_code)s)")
        params |= {"a_district": after[0], "a_sensor": after[1], "a_code": after[2]}
    sql = (
        f"SELECT {', '.join(INDICATOR_COLUMNS)} FROM v_indicator_latest{_where(conditions)} "
        f"ORDER BY {key} LIMIT %(limit)s"
    )
    return Query(sql, params, INDICATOR_COLUMNS)


@dataclass(frozen=True)
class SeriesSpec:
    """One indicator's series at one place, over ``[start, end)``."""

    city: str
    code: str
    start: datetime
    end: datetime
    district: str | None = None
    sensor_id: str | None = None
    methods: tuple[str, ...] = ()  # empty: the raw windows
    period: timedelta | None = None  # None or zero with methods: the whole range


def series(spec: SeriesSpec, limit: int | None, after: datetime | None = None) -> Query:
    """Raw windows, or buckets of ``spec.period`` aligned to ``spec.start`` (date_bin).

    ``after`` is the last row of the previous page: its window start, or its bucket
    start (the next bucket then begins one period later, which keeps the alignment).
    """
    conditions = [
        "code = %(code)s",
        "city = %(city)s",
        "coalesce(district, '') = %(district)s",
        "coalesce(sensor_id, '') = %(sensor_id)s",
        "window_start >= %(start)s",
        "window_start < %(end)s",
    ]
    params: dict[str, Any] = {
        "code": spec.code,
        "city": spec.city,
        "district": spec.district or "",
        "sensor_id": spec.sensor_id or "",
        "start": spec.start,
        "end": spec.end,
    }
    page = ""
    if limit is not None:
        page = " LIMIT %(limit)s"
        params["limit"] = limit
    if not spec.methods:
        if after is not None:
            conditions.append("window_start > %(after)s")
            params["after"] = after
        columns = ("window_start", "window_s", "value", "category", "coverage")
        sql = (
            f"SELECT {', '.join(columns)} FROM v_indicator{_where(conditions)} "
            f"ORDER BY window_start{page}"
        )
        return Query(sql, params, columns)
    aggregates = ", ".join(AGGREGATES[m] for m in spec.methods)
    if spec.period:
        if after is not None:
            params["start"] = max(spec.start, after + spec.period)
        params |= {"period": spec.period, "origin": spec.start}
        bucket = "date_bin(%(period)s, window_start, %(origin)s)"
        sql = (
            f"SELECT {bucket} AS bucket, {aggregates} FROM v_indicator{_where(conditions)} "
            f"GROUP BY 1 ORDER BY 1{page}"
        )
    else:
        if after is not None:
            conditions.append("FALSE")  # the whole range is one bucket: no second page
        sql = (
            f"SELECT %(origin)s::timestamptz AS bucket, {aggregates} FROM v_indicator"
            f"{_where(conditions)} HAVING count(*) > 0{page}"
        )
        params["origin"] = spec.start
    return Query(sql, params, ("bucket", *spec.methods))


ALERT_STATES: Final = ("open", "closed")
SEVERITIES: Final = ("info", "warning", "critical")


def alerts(
    city: str,
    limit: int | None,
    state: str | None = None,
    district: str | None = None,
    sensor_id: str | None = None,
    severity: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    after: tuple[datetime, int] | None = None,
) -> Query:
    """Alerts opened in ``[since, until)``, newest first; key (opened_at, id)."""
    conditions = ["city = %(city)s"]
    params: dict[str, Any] = {"city": city}
    for name, value in (("state", state), ("district", district), ("sensor_id", sensor_id),
                        ("severity", severity)):  # fmt: skip
        if value is not None:
            conditions.append(f"{name} = %({name})s")
            params[name] = value
    if since is not None:
        conditions.append("opened_at >= %(since)s")
        params["since"] = since
    if until is not None:
        conditions.append("opened_at < %(until)s")
        params["until"] = until
    if after is not None:
        conditions.append("(opened_at, id) < (%(a_ts)s, %(a_id)s)")
        params |= {"a_ts": after[0], "a_id": after[1]}
    page = ""
    if limit is not None:
        page = " LIMIT %(limit)s"
        params["limit"] = limit
    sql = (
        f"SELECT {', '.join(ALERT_COLUMNS)} FROM v_alert{_where(conditions)} "
        f"ORDER BY opened_at DESC, id DESC{page}"
    )
    return Query(sql, params, ALERT_COLUMNS)


def dead_letter_rate(city: str | None, since: datetime) -> Query:
    """Dead letters per minute and reason (the non-public ``ops`` scope)."""
    conditions = ["minute >= %(since)s"]
    params: dict[str, Any] = {"since": since}
    if city is not None:
        conditions.append("city = %(city)s")
        params["city"] = city
    columns = ("minute", "reason", "city", "letters")
    sql = (
        f"SELECT {', '.join(columns)} FROM v_dead_letter_rate{_where(conditions)} "
        "ORDER BY minute DESC, reason, city LIMIT 10000"
    )
    return Query(sql, params, columns)


def station_hours(city: str, code: str, start: datetime, end: datetime) -> Query:
    """Hourly means of one indicator per sensor of a city (the public page's charts)."""
    columns = ("sensor_id", "hour", "value")
    sql = (
        "SELECT sensor_id, date_bin(interval '1 hour', window_start, %(start)s) AS hour, "
        "avg(value) FROM v_indicator WHERE city = %(city)s AND code = %(code)s "
        "AND sensor_id IS NOT NULL AND window_start >= %(start)s AND window_start < %(end)s "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    )
    return Query(sql, {"city": city, "code": code, "start": start, "end": end}, columns)


STATION_COLUMNS: Final = ("sensor_id", "city", "district", "domain", "lat", "lon", "interval_s",
                          "street")  # fmt: skip


def stations() -> Query:
    """Every active sensor, for the SensorThings registry entities."""
    sql = f"SELECT {', '.join(STATION_COLUMNS)} FROM v_sensor WHERE active ORDER BY sensor_id"
    return Query(sql, {}, STATION_COLUMNS)
