"""Hourly air series, one station at a time: WHO exceedance hours and the noise levels.

Fed by the export as each station's hourly rollups arrive (:meth:`AirSeriesTally.add`),
so a city-year never has to be held in memory; what remains per station is a handful of
counters and one L_SM value per day. The order stations arrive in does not matter.

- WHO: at every station-hour of the period the trailing 24-h PM2.5 mean (rollup merge,
  ≥ 18 h of data, :func:`cityscore.period.rolling_means`) is compared with the WHO 2021
  24-h AQG (:data:`PM25_AQG`);
- noise: day (06–22) and night (22–06, :func:`cityscore.noise.is_night`) Leq per local
  day as the energy mean of the hourly values (:func:`cityscore.noise.energy_mean`),
  valid with 75 % of their hours; L_SM by :func:`cityscore.noise.day_night_level`; a
  night above the zone limit by :func:`cityscore.safety.night_noise`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Final

from cityscore import noise, period, safety, who
from kotacerdas.export.coverage import in_window
from kotacerdas.export.inputs import HourlySeries, Inputs
from kotacerdas.export.window import Window

PM25_AQG: Final = who.levels("pm25", "24h")["AQG"]
#: Hours before the window a 24-h rolling mean at its first hour needs.
LOOKBACK_HOURS: Final = period.ROLLING_HOURS - 1
#: Local hours of the decree's day (L_S, 06.00–22.00), from cityscore.noise.is_night.
_DAY_HOUR: Final = tuple(not noise.is_night(hour) for hour in range(24))
_MIN_DAY_HOURS: Final = 12  # 75 % of 16
_MIN_NIGHT_HOURS: Final = 6  # 75 % of 8


class AirSeriesTally:
    """Counters over the stations' hourly series (inactive stations are ignored)."""

    def __init__(self, inputs: Inputs) -> None:
        self._window = inputs.window
        self._active = {s.sensor_id for s in inputs.sensors_of("air")}
        self.hours_valid = 0
        """Station-hours with a valid 24-h rolling PM2.5 mean."""
        self.hours_above = 0
        """Of those, the ones above the WHO 24-h AQG."""
        self.lsm_by_day: dict[date, list[float]] = defaultdict(list)
        """Station L_SM values per local day."""
        self.nights = 0
        self.loud_nights = 0

    def add(self, series: HourlySeries) -> None:
        if series.sensor_id not in self._active:
            return
        rolling = [m for _, m in _rolling_pm25(series, self._window)]
        self.hours_valid += len(rolling)
        self.hours_above += period.count_above(rolling, PM25_AQG)
        for day, day_leq, night_leq in _station_noise(series, self._window):
            if night_leq is not None:
                self.nights += 1
                self.loud_nights += safety.night_noise(night_leq)
            if day_leq is not None and night_leq is not None:
                self.lsm_by_day[day].append(noise.day_night_level(day_leq, night_leq))


def _rolling_pm25(series: HourlySeries, window: Window) -> list[tuple[int, float]]:
    start = window.first_hour - LOOKBACK_HOURS
    size = window.hours + LOOKBACK_HOURS
    means: list[float | None] = [None] * size
    counts = [0] * size
    pm25, n = series.column("pm25_avg"), series.column("pm25_n")
    for i in in_window(series, start, window.first_hour + window.hours):
        slot = series.hours[i] - start
        means[slot], counts[slot] = pm25[i], int(n[i] or 0)
    return period.rolling_means(means, counts, LOOKBACK_HOURS)


def _station_noise(
    series: HourlySeries, window: Window
) -> list[tuple[date, float | None, float | None]]:
    """``(local day, day Leq, night Leq)`` of one station, each Leq None if incomplete."""
    parts: dict[tuple[int, bool], list[float]] = defaultdict(list)
    levels, offset = series.column("noise_avg"), window.offset_hours
    for i in in_window(series, window.first_hour, window.first_hour + window.hours):
        if (level := levels[i]) is not None:
            local = series.hours[i] + offset
            parts[(local // 24, _DAY_HOUR[local % 24])].append(level)
    return [
        (
            window.local_day(day * 24 - offset),
            _leq(parts.get((day, True), []), _MIN_DAY_HOURS),
            _leq(parts.get((day, False), []), _MIN_NIGHT_HOURS),
        )
        for day in sorted({d for d, _ in parts})
    ]


def _leq(levels: list[float], minimum: int) -> float | None:
    return noise.energy_mean(levels) if len(levels) >= minimum else None
