"""The seam for the aggregator: live ``indicator`` rows for one place and one window.

The aggregator computes window means/counts from its rollups and calls one function per
domain; each returns :class:`LiveIndicator` values matching the ``indicator`` table
(code, value, category, coverage). Nothing here reads or writes storage.

Codes written (stable; the exporter and Grafana read them):

- air: ``ispu`` (category = ISPU category, coverage = share of the 7 ISPU parameters
  present), ``ispu_<pollutant>``, ``hazardous_air`` (1/0), ``nowcast_pm25`` (µg/m³),
  ``aqi_pm25_nowcast`` (category = AQI category);
- traffic: ``vc_ratio`` and ``los`` (category = letter), ``speed_ratio``,
  ``congestion_level`` (%), ``speeding_share``;
- waste: ``fill_level`` (%), ``overflowing`` (1/0), ``time_to_full_h``, ``bin_fire_risk``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cityscore import _series, aqi, ispu, safety, traffic, waste
from cityscore.tables import ispu as ispu_table

__all__ = ["LiveIndicator", "air_indicators", "traffic_indicators", "waste_indicators"]


@dataclass(frozen=True, slots=True)
class LiveIndicator:
    """One ``indicator`` row value (the aggregator adds place and window)."""

    code: str
    value: float
    category: str | None = None
    coverage: float = 1.0


def _flag(code: str, condition: bool) -> LiveIndicator:
    return LiveIndicator(code, 1.0 if condition else 0.0)


def air_indicators(
    means_ugm3: Mapping[str, float | None],
    pm25_hourly: Sequence[float | None] = (),
    expected: Collection[str] = ispu_table.POLLUTANTS,
) -> tuple[LiveIndicator, ...]:
    """Air rows from window means in µg/m³ (pass 24-h rolling means for ISPU [U]).

    Keys that are not ISPU pollutants (``temperature``, ``noise``, …) are ignored, and
    ``None`` means not measured. ``expected`` is what the station should measure; the
    ``ispu`` row's coverage is the share of it present. ``pm25_hourly`` (most recent
    first, up to 12) feeds the NowCast rows.
    """
    present = {
        name: value
        for name, value in means_ugm3.items()
        if name in ispu_table.BREAKPOINTS_UGM3 and value is not None
    }
    rows: list[LiveIndicator] = []
    if present:
        result = ispu.index(present)
        covered = len(set(present) & set(expected)) / len(expected) if expected else 1.0
        rows.append(LiveIndicator("ispu", result.value, result.category, covered))
        rows.append(_flag("hazardous_air", safety.hazardous_air(result.value)))
        rows.extend(
            LiveIndicator(f"ispu_{name}", value, ispu.category(value))
            for name, value in result.sub_indices.items()
        )
    pm25_nowcast = aqi.nowcast(pm25_hourly) if pm25_hourly else None
    if pm25_nowcast is not None:
        aqi_value = aqi.sub_index("pm25", pm25_nowcast)
        rows.append(LiveIndicator("nowcast_pm25", pm25_nowcast))
        rows.append(LiveIndicator("aqi_pm25_nowcast", float(aqi_value), aqi.category(aqi_value)))
    return tuple(rows)


def traffic_indicators(
    *,
    flow_pcu_h: float | None = None,
    capacity_pcu_h: float | None = None,
    avg_speed_kmh: float | None = None,
    free_flow_kmh: float | None = None,
    vehicle_count: float | None = None,
    speeding_count: float | None = None,
) -> tuple[LiveIndicator, ...]:
    """Traffic rows for one segment and window; each row needs only its own inputs.

    ``flow_pcu_h`` is in passenger-car units per hour; converting a mixed vehicle count
    to pcu (MKJI/PKJI *emp* factors) is the caller's job (:func:`traffic.hourly_flow`
    gives vehicles per hour).
    """
    rows: list[LiveIndicator] = []
    if flow_pcu_h is not None and capacity_pcu_h is not None:
        ratio = traffic.vc_ratio(flow_pcu_h, capacity_pcu_h)
        rows.append(LiveIndicator("vc_ratio", ratio))
        los = traffic.level_of_service(ratio)
        rows.append(LiveIndicator("los", float(traffic.los_rank(los)), los))
    if avg_speed_kmh is not None and free_flow_kmh is not None:
        rows.append(LiveIndicator("speed_ratio", traffic.speed_ratio(avg_speed_kmh, free_flow_kmh)))
        if avg_speed_kmh > 0:  # standstill has no finite travel time; gridlock covers it
            rows.append(
                LiveIndicator(
                    "congestion_level", traffic.congestion_level(avg_speed_kmh, free_flow_kmh)
                )
            )
    if vehicle_count is not None and speeding_count is not None:
        share = safety.speeding_share(speeding_count, vehicle_count)
        if share is not None:
            rows.append(LiveIndicator("speeding_share", share))
    return tuple(rows)


def waste_indicators(
    fill_samples: Sequence[tuple[datetime, float]],
    temperature_c: float | None = None,
    baseline_temperature_c: float | None = None,
    fit: waste.SlopeFit = _series.theil_sen,
) -> tuple[LiveIndicator, ...]:
    """Waste rows for one bin: latest fill, overflow, time to full, fire risk."""
    rows: list[LiveIndicator] = []
    series = _series.checked(fill_samples)
    if series:
        latest = series[-1][1]
        rows.append(LiveIndicator("fill_level", latest))
        rows.append(_flag("overflowing", waste.overflowing(latest)))
        remaining = waste.time_to_full(series, fit=fit)
        if remaining is not None:
            rows.append(LiveIndicator("time_to_full_h", remaining / timedelta(hours=1)))
    if temperature_c is not None:
        rows.append(
            _flag("bin_fire_risk", safety.bin_fire_risk(temperature_c, baseline_temperature_c))
        )
    return tuple(rows)
