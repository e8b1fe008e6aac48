"""Air-quality evidence: ISO 37120 concentrations, ISPU days, WHO exceedance, noise.

Method (all from hourly rollups, in the city's local days):

- station daily mean of a pollutant = Σ mean·n / Σ n of its hours, valid with ≥ 18 hours
  (:data:`cityscore.period.DAILY_MIN_HOURS`); city daily mean = mean of the valid
  station daily means; period value = Σ city daily means / days measured (ISO 37120);
- ISPU per station-day from the valid daily means (:func:`cityscore.ispu.index`,
  Permen LHK P.14/2020 uses 24-h means [U]);
- WHO: *hours* above the 24-h AQG use the trailing 24-h mean at every station-hour
  (the catalogue's definition; :mod:`air_series`), *days* above it use the daily means
  — both compare a 24-h mean with the 24-h guideline, never single hourly values;
- noise: day (06–22) and night (22–06, :func:`cityscore.noise.is_night`) Leq per
  station-day as the energy mean of the hourly values (:func:`cityscore.noise.energy_mean`,
  ≥ 75 % of the hours), L_SM by KepMenLH 48/1996 (:func:`cityscore.noise.day_night_level`).
  The rollups average decibels arithmetically within an hour, which understates a
  fluctuating Leq a little.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from cityscore import ispu, period, safety, who
from cityscore.tables import ispu as ispu_table
from cityscore.tables import noise as noise_table
from kotacerdas.export.air_series import PM25_AQG, AirSeriesTally
from kotacerdas.export.inputs import Inputs
from kotacerdas.export.results import Coverage, IndicatorResult, QualityOf, result

_ISO_CODES: Final = {
    "pm25": "iso37120_8_1",
    "pm10": "iso37120_8_2",
    "no2": "iso37120_8_x_no2",
    "so2": "iso37120_8_x_so2",
    "o3": "iso37120_8_x_o3",
}
_VIEWS: Final = ("v_air_1h", "v_sensor")
HEALTHY: Final = ispu_table.CATEGORY_CODES[:2]  # baik, sedang: ISPU ≤ 100
#: (station, local day) -> valid daily mean per pollutant.
Daily = dict[tuple[str, date], dict[str, float]]


@dataclass
class AirEvidence:
    indicators: list[IndicatorResult]
    ispu_mean: float | None = None
    hazardous_share: float | None = None
    lsm_mean: float | None = None
    night_noise_share: float | None = None
    ispu_trend: dict[str, dict[str, int]] = field(default_factory=dict)
    pm25_daily: list[tuple[str, float | None]] = field(default_factory=list)


def evaluate(
    inputs: Inputs, coverage: Coverage, quality_of: QualityOf, tally: AirSeriesTally
) -> AirEvidence:
    """Air indicators from the daily sums in ``inputs`` and the hourly-series ``tally``."""
    window = inputs.window
    daily = _station_daily_means(inputs)
    out = AirEvidence(indicators=[_stations_per_km2(inputs, coverage, quality_of)])
    for pollutant, code in _ISO_CODES.items():
        out.indicators.append(_concentration(code, pollutant, daily, coverage, quality_of))
    out.indicators.append(_noise(tally, coverage, quality_of, out))
    out.indicators.append(_hours_above(tally, coverage, quality_of))
    out.indicators.append(_days_above(daily, coverage, quality_of))
    out.indicators.append(_ispu_days(window.bucket, daily, coverage, quality_of, out))
    city_pm25 = _city_daily(daily, "pm25")
    out.pm25_daily = [(d.isoformat(), city_pm25.get(d)) for d in window.days]
    return out


def _station_daily_means(inputs: Inputs) -> Daily:
    active = {s.sensor_id for s in inputs.sensors_of("air")}
    means: Daily = {}
    for day in inputs.air_days:
        if day.sensor_id not in active:
            continue
        valid = {
            p: weighted / n
            for p, (weighted, n, hours) in day.pollutants.items()
            if n > 0 and hours >= period.DAILY_MIN_HOURS
        }
        if valid:
            means[(day.sensor_id, day.day)] = valid
    return means


def _city_daily(daily: Daily, pollutant: str) -> dict[date, float]:
    per_day: dict[date, list[float]] = defaultdict(list)
    for (_, day), means in sorted(daily.items()):
        if pollutant in means:
            per_day[day].append(means[pollutant])
    return _means_by_day(per_day)


def _means_by_day(per_day: dict[date, list[float]]) -> dict[date, float]:
    out: dict[date, float] = {}
    for day, values in sorted(per_day.items()):
        mean = period.mean(values)
        if mean is not None:
            out[day] = mean
    return out


def _stations_per_km2(inputs: Inputs, coverage: Coverage, quality_of: QualityOf) -> IndicatorResult:
    stations = coverage.sensors_reporting
    value = stations / inputs.city.area_km2 if stations else None
    return result(
        "iso37122_8_2",
        value,
        "air stations with at least one sample in the period / city area (v_city.area_km2)",
        quality_of,
        coverage=[coverage],
        numerator=float(stations),
        views=(*_VIEWS, "v_city"),
        denominator=inputs.city.area_km2,
    )


def _concentration(
    code: str,
    pollutant: str,
    daily: Daily,
    coverage: Coverage,
    quality_of: QualityOf,
) -> IndicatorResult:
    city = _city_daily(daily, pollutant)
    stats = period.mean_of_daily_means(list(city.values()))
    station_days = sum(1 for means in daily.values() if pollutant in means)
    return result(
        code,
        stats[0] if stats else None,
        "city daily mean = mean of station daily means (≥ 18 h each); value = Σ city daily "
        "means / days measured",
        quality_of,
        coverage=[coverage],
        views=_VIEWS,
        numerator=stats[1] if stats else None,
        denominator=float(stats[2]) if stats else None,
        details={"station_days": station_days},
    )


def _hours_above(
    tally: AirSeriesTally, coverage: Coverage, quality_of: QualityOf
) -> IndicatorResult:
    above, valid = tally.hours_above, tally.hours_valid
    return result(
        "kc_hours_above_who_aqg_pm25",
        period.percent(above, valid) if valid else None,
        f"station-hours whose trailing 24-h PM2.5 mean (≥ 18 h of data) is above {PM25_AQG} "
        "µg/m³ / station-hours with a valid 24-h mean × 100",
        quality_of,
        coverage=[coverage],
        views=_VIEWS,
        numerator=float(above),
        denominator=float(valid),
    )


def _days_above(daily: Daily, coverage: Coverage, quality_of: QualityOf) -> IndicatorResult:
    pm25 = [means["pm25"] for means in daily.values() if "pm25" in means]
    above = sum(1 for v in pm25 if "AQG" in who.exceedances("pm25", "24h", v))
    return result(
        "kc_days_above_who_aqg_pm25",
        period.percent(above, len(pm25)) if pm25 else None,
        f"station-days whose daily mean PM2.5 is above the WHO 24-h AQG {PM25_AQG} µg/m³",
        quality_of,
        coverage=[coverage],
        views=_VIEWS,
        numerator=float(above),
        denominator=float(len(pm25)),
    )


def _ispu_days(
    bucket: Callable[[date], str],
    daily: Daily,
    coverage: Coverage,
    quality_of: QualityOf,
    out: AirEvidence,
) -> IndicatorResult:
    values: list[float] = []
    categories: list[str] = []
    for (_, day), means in sorted(daily.items(), key=lambda item: (item[0][1], item[0][0])):
        pollutants = {p: v for p, v in means.items() if p in ispu_table.BREAKPOINTS_UGM3}
        if not pollutants:
            continue
        index = ispu.index(pollutants)
        values.append(index.value)
        categories.append(index.category)
        counts = out.ispu_trend.setdefault(bucket(day), dict.fromkeys(ispu_table.CATEGORY_CODES, 0))
        counts[index.category] += 1
    shares = period.distribution(categories, ispu_table.CATEGORY_CODES)
    healthy = sum(1 for c in categories if c in HEALTHY)
    out.ispu_mean = period.mean(values)
    out.hazardous_share = (
        sum(1 for v in values if safety.hazardous_air(v)) / len(values) if values else None
    )
    return result(
        "kc_ispu_category_distribution",
        period.percent(healthy, len(categories)) if categories else None,
        "ISPU per station-day from valid daily means (cityscore.ispu); value = % station-days "
        "baik or sedang (ISPU ≤ 100); breakdown = % per category",
        quality_of,
        coverage=[coverage],
        views=_VIEWS,
        breakdown=shares,
        numerator=float(healthy),
        denominator=float(len(categories)),
        details={"ispu_mean": out.ispu_mean},
    )


def _noise(
    tally: AirSeriesTally, coverage: Coverage, quality_of: QualityOf, out: AirEvidence
) -> IndicatorResult:
    stats = period.mean_of_daily_means(list(_means_by_day(tally.lsm_by_day).values()))
    out.lsm_mean = stats[0] if stats else None
    out.night_noise_share = tally.loud_nights / tally.nights if tally.nights else None
    return result(
        "iso37120_8_x_noise",
        out.lsm_mean,
        "daily L_SM per station (KepMenLH 48/1996) from day/night energy means of hourly "
        "noise; value = Σ city daily L_SM / days measured",
        quality_of,
        coverage=[coverage],
        views=_VIEWS,
        numerator=stats[1] if stats else None,
        denominator=float(stats[2]) if stats else None,
        details={"zone": noise_table.DEFAULT_ZONE, "night_noise_share": out.night_noise_share},
    )
