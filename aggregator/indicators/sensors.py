"""Indicator rows of one sensor at one moment, from its rollups (pure; math in cityscore).

Averaging choices (documented here because the standards leave them to us):
- ISPU uses the 24-hour mean of each pollutant ending at the window (the transcribed
  Lampiran of P.14/2020 says "24 jam" for every parameter, STANDARDS §1.2 [U]); the mean
  is weighted by samples over the station's 1-hour rollups. Until a station has been
  heard for a whole day the mean covers fewer hours; the ``ispu`` row says how many
  (``detail.hours``), so no reader takes it for a full 24-hour ISPU.
- NowCast uses the station's hourly PM2.5 means, most recent first; the current hour
  counts with what it has so far (an operations centre wants "now", not "an hour ago").
- "Hours above the WHO guideline" counts hourly PM2.5 means above the WHO 2021 24-hour
  AQG (15 µg/m³) in the last 24 h: an exposure-hours proxy, not a 24-h exceedance.
- Night noise compares the energy mean of the night hours (22–06 local) in the last
  24 h with the residential limit of KepMenLH 48/1996 (cityscore.safety.night_noise).
- Traffic state is the last 15 minutes; counts are taken as passenger-car units (no
  vehicle-class split in the data yet); gridlock is LOS F per minute for ≥ 15 min.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left
from datetime import datetime, timedelta
from operator import itemgetter
from zoneinfo import ZoneInfo

from aggregator.indicators.model import (
    AIR_LOOKBACK,
    SILENT_INTERVALS,
    TRAFFIC_CURRENT,
    IndicatorRow,
    Rollup,
    SensorMeta,
    WasteSeries,
)
from cityscore import live, noise, safety, traffic, vectorised, waste, who
from cityscore.errors import CityscoreError
from cityscore.tables import policy
from cityscore.tables.ispu import POLLUTANTS

WHO_PM25_24H_AQG = who.levels("pm25", "24h")["AQG"]
_HOUR = timedelta(hours=1)


def _row(meta: SensorMeta, code: str, value: float | None, **extra: object) -> IndicatorRow:
    return IndicatorRow(meta.city, meta.district, meta.sensor_id, code, value, **extra)  # type: ignore[arg-type]


def _weighted(rows: list[Rollup], metric: str) -> tuple[float | None, int]:
    """Mean of ``metric`` over rollup rows, weighted by their sample counts."""
    total = count = 0.0
    for r in rows:
        mean, n = r.values.get(f"{metric}_avg"), r.values.get(f"{metric}_n") or 0
        if mean is not None and n:
            total += mean * n
            count += n
    return (total / count if count else None), int(count)


def silent(meta: SensorMeta, last_seen: datetime | None, as_of: datetime) -> bool:
    limit = timedelta(seconds=SILENT_INTERVALS * meta.interval_s)
    return last_seen is None or as_of - last_seen > limit


def air_rows(
    meta: SensorMeta, hourly: list[Rollup], as_of: datetime, tz: str
) -> list[IndicatorRow]:
    day = [r for r in hourly if as_of - AIR_LOOKBACK <= r.ts < as_of]
    means = {p: _weighted(day, p)[0] for p in POLLUTANTS}
    by_hour = {r.ts: r.values.get("pm25_avg") for r in day}
    newest_hour = as_of.replace(minute=0, second=0, microsecond=0)
    if newest_hour == as_of:
        newest_hour -= _HOUR
    pm25_hourly = [by_hour.get(newest_hour - i * _HOUR) for i in range(12)]
    # How many hours of the 24-hour averaging period the means come from: an ISPU read
    # from fewer is a partial one, and `top` and the dashboards say so.
    hours = sum(1 for r in day if any(r.values.get(f"{p}_n") for p in POLLUTANTS))
    rows = [
        _row(
            meta,
            r.code,
            r.value,
            category=r.category,
            coverage=r.coverage,
            detail={"hours": hours} if r.code == "ispu" else {},
        )
        for r in live.air_indicators(means, pm25_hourly if any(pm25_hourly) else ())
    ]
    pm25_hours = [v for v in by_hour.values() if v is not None]
    if pm25_hours:
        above = sum(1 for v in pm25_hours if v > WHO_PM25_24H_AQG)
        rows.append(
            _row(
                meta, "who_pm25_exceed_h", float(above), detail={"hours_measured": len(pm25_hours)}
            )
        )
    zone = ZoneInfo(tz)
    night = [
        r.values["noise_avg"]
        for r in day
        if r.values.get("noise_avg") is not None and noise.is_night(r.ts.astimezone(zone).hour)
    ]
    if night:
        leq = noise.energy_mean(night)  # type: ignore[arg-type]
        rows.append(
            _row(
                meta,
                "noise_night_exceed",
                float(safety.night_noise(leq)),
                detail={"night_leq_dba": round(leq, 1)},
            )
        )
    return rows


def traffic_rows(meta: SensorMeta, minutes: list[Rollup], as_of: datetime) -> list[IndicatorRow]:
    if not (meta.capacity_pcu_h and meta.free_flow_kmh):
        return []
    current = [r for r in minutes if as_of - TRAFFIC_CURRENT <= r.ts < as_of]
    vehicles = sum(r.values.get("vehicle_count_sum") or 0.0 for r in current)
    observed = sum(r.values.get("observed_s") or 0.0 for r in current)
    speeding = sum(r.values.get("speeding_count_sum") or 0.0 for r in current)
    speed, _ = _weighted(current, "avg_speed_kmh")
    if not observed:
        return []
    try:
        indicators = live.traffic_indicators(
            flow_pcu_h=traffic.hourly_flow(vehicles, observed),
            capacity_pcu_h=meta.capacity_pcu_h,
            avg_speed_kmh=speed,
            free_flow_kmh=meta.free_flow_kmh,
            vehicle_count=vehicles,
            speeding_count=min(speeding, vehicles),
        )
    except CityscoreError:
        return []
    detail = {
        "vehicles": vehicles,
        "speeding": min(speeding, vehicles),
        "length_km": meta.length_km,
    }
    rows = [_row(meta, r.code, r.value, category=r.category, detail=detail) for r in indicators]
    # Gridlock looks at the current run of LOS F only: the minutes from the newest back
    # to the first that is not F (kept, it ends the run), not all 30 (same verdict).
    per_minute = []
    for r in reversed(minutes):
        count, seconds = r.values.get("vehicle_count_sum"), r.values.get("observed_s")
        if count is not None and seconds:
            ratio = traffic.vc_ratio(traffic.hourly_flow(count, seconds), meta.capacity_pcu_h)
            per_minute.append((r.ts, traffic.level_of_service(ratio)))
            if per_minute[-1][1] != policy.GRIDLOCK_LEVEL:
                break
    per_minute.reverse()
    jammed = safety.gridlock(per_minute)
    rows.append(
        _row(
            meta,
            "gridlock",
            float(jammed),
            detail={"los_f_minutes": safety.los_f_duration(per_minute).total_seconds() / 60},
        )
    )
    return rows


def waste_series(minutes: list[Rollup], until: datetime) -> WasteSeries:
    """A bin's fill samples and temperatures from its 1-minute rollups before ``until``."""
    before = minutes[: bisect_left(minutes, until, key=lambda r: r.ts)]
    fills = [(r.ts, v) for r in before if (v := r.values.get("fill_level_avg")) is not None]
    temps = [(r.ts, v) for r in before if (v := r.values.get("temperature_max")) is not None]
    return fills, temps


def waste_rows(
    meta: SensorMeta, series: WasteSeries, as_of: datetime
) -> tuple[list[IndicatorRow], list[waste.ServiceRequest]]:
    """``series``: the bin's day before ``as_of`` (waste_series)."""
    samples, temps = series
    latest_temp = temps[-1][1] if temps else None
    # the baseline is the day's temperatures before the last hour (by time: a bisection)
    earlier = temps[: bisect_left(temps, (as_of - _HOUR,))]
    baseline = statistics.median(map(itemgetter(1), earlier)) if earlier else None
    try:
        checked = waste.validated(samples)
        indicators = live.waste_indicators(checked, latest_temp, baseline, fit=vectorised.theil_sen)
        requests = waste.service_requests(checked) if checked else []
    except CityscoreError:
        return [], []
    rows = [_row(meta, r.code, r.value, category=r.category) for r in indicators]
    return rows, requests
