"""Air-quality station physics: pure functions of (sensor, time, state, rng).

Shapes, not a dispersion model: PM2.5/PM10/NO2/CO follow traffic with morning and evening
rush peaks and a shallow night-time boundary layer; O3 is photochemical and peaks after
noon; rain washes particles out (first-order recovery over hours); a dry-season haze episode
adds a regional PM load that pushes ISPU to "sangat tidak sehat"/"berbahaya".
Baselines are order-of-magnitude annual means for each city [U].
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Final, NamedTuple

from kotacerdas.registry import Sensor
from simulators.diurnal import (
    DIURNAL_COS,
    MORNING_PEAK,
    NIGHT_INVERSION,
    O3_SHAPE,
    RUSH_WEEKDAY,
    RUSH_WEEKEND,
    chance,
    decay,
    local_weekday,
    minute_of_day,
)

# Annual-mean PM2.5 (µg/m³) order of magnitude per city; Jakarta's stations report ~35–45 [U].
PM25_BASE: Final = {"jakarta": 38.0, "makassar": 20.0, "banyuwangi": 14.0, "sumedang": 17.0}
LAND_USE_FACTOR: Final = {
    "industrial": 1.3,
    "commercial": 1.15,
    "mixed": 1.1,
    "residential": 1.0,
    "rural": 0.75,
}
# Extra PM2.5 (µg/m³) at the height of a haze episode: 150.4–250.4 is ISPU "sangat tidak
# sehat", above 250.4 "berbahaya" (Permen LHK P.14/2020, STANDARDS.md §1.2).
HAZE_PEAK_PM25: Final = 280.0
RAIN_RATE_PER_H: Final = (0.02, 0.10)  # (night/morning, afternoon convection) onsets per hour
RAIN_MEAN_H: Final = 1.5
WASHOUT_TAU_S: Final = 6 * 3600.0


class AirState(NamedTuple):
    raining: bool = False
    washout: float = 0.0  # 0..0.7 of the particulate load removed


def air_step(
    sensor: Sensor,
    epoch: float,
    dt_s: float,
    state: AirState,
    rng: random.Random,
    *,
    offset_s: int,
    land_use: str,
    haze: float = 0.0,
) -> tuple[dict[str, float], AirState]:
    """One reading at ``epoch`` (UTC seconds) ``dt_s`` after the previous one.

    ``haze`` is the episode's strength 0..1 at this time (scenario ``haze``).
    """
    minute = minute_of_day(epoch, offset_s)
    hour = minute / 60.0
    weekend = local_weekday(epoch, offset_s) >= 5
    rand = rng.random
    # --- weather -----------------------------------------------------------------------
    raining = state.raining
    if raining:
        raining = rand() >= chance(1.0 / RAIN_MEAN_H, dt_s)
    else:
        afternoon = 13.0 <= hour <= 19.0
        raining = rand() < chance(RAIN_RATE_PER_H[afternoon], dt_s)
    washout = state.washout * decay(dt_s, WASHOUT_TAU_S) if state.washout else 0.0
    if raining:
        washout = min(0.7, washout + 0.6 * chance(2.0, dt_s))
    # --- emissions and mixing ------------------------------------------------------------
    traffic = (RUSH_WEEKEND if weekend else RUSH_WEEKDAY)[minute]
    inversion = NIGHT_INVERSION[minute]  # shallow boundary layer before dawn
    lu = LAND_USE_FACTOR[land_use]
    base = PM25_BASE.get(sensor.city, 20.0)
    pm25 = base * lu * (0.55 + 0.55 * traffic) * inversion * (1.0 - washout)
    pm25 = pm25 * _jitter(rand, 0.10) + HAZE_PEAK_PM25 * haze
    pm10 = pm25 * (1.45 + 0.3 * rand())
    no2 = 22.0 * lu * (0.35 + 1.0 * traffic) * inversion * _jitter(rand, 0.12)
    co = 700.0 * lu * (0.45 + 0.9 * traffic) * _jitter(rand, 0.12) + 1500.0 * haze
    # Photochemical O3 lags the sun by ~1.5 h and is titrated by fresh NO at rush hour.
    o3 = (10.0 + 95.0 * O3_SHAPE[minute]) * (0.6 if raining else 1.0)
    o3 = max(2.0, o3 - 0.15 * no2 * MORNING_PEAK[minute]) * _jitter(rand, 0.08)
    so2 = 9.0 * lu * _jitter(rand, 0.2)
    cos = DIURNAL_COS[minute]
    temperature = 27.5 + 4.0 * cos - (2.5 if raining else 0.0) + 0.6 * (rand() - 0.5)
    humidity = 76.0 - 14.0 * cos + (15.0 if raining else 0.0) + 3.0 * (rand() - 0.5)
    activity = 0.15 + 0.85 * min(1.0, traffic) if 5.0 <= hour <= 22.0 else 0.1
    noise = 44.0 + 24.0 * activity + (5.0 if land_use in ("industrial", "commercial") else 0.0)
    noise += 3.0 * (rand() - 0.5)
    if (hour >= 22.0 or hour < 6.0) and rand() < 0.03:
        noise += 14.0  # night events: generators, trucks, music
    metrics = {
        "pm25": round(pm25, 1),
        "pm10": round(pm10, 1),
        "no2": round(no2, 1),
        "co": round(co, 0),
        "o3": round(o3, 1),
        "so2": round(so2, 1),
        "temperature": round(temperature, 1),
        "humidity": round(min(100.0, max(20.0, humidity)), 1),
        "noise": round(noise, 1),
    }
    return metrics, AirState(raining, washout)


def _jitter(rand: Callable[[], float], sigma: float) -> float:
    """A cheap multiplicative noise with standard deviation ``sigma`` (uniform, mean 1)."""
    return 1.0 + sigma * 3.4641016 * (rand() - 0.5)
