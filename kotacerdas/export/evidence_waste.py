"""Waste evidence: telemetry coverage, overflow events, collection efficiency, fire risk.

Per bin, from its hourly rollups in the window:

- overflowing hour = hourly maximum fill judged by :func:`cityscore.waste.overflowing`
  (≥ 90 %, ours; applied through :mod:`classify`); an *event* is a run of such hours
  (:func:`cityscore.period.run_starts`), gaps in the data do not split a run;
- service requests and collection resets from the hourly mean fill
  (:func:`cityscore.waste.service_requests`), judged at the end of the period
  (:func:`cityscore.period.collection_counts`); a request's time is its hour's start;
- fire-risk hour = hourly maximum temperature flagged by
  :func:`cityscore.safety.bin_fire_risk`, with the bin's period median as its baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Final

from cityscore import period, safety, waste
from kotacerdas.export import classify
from kotacerdas.export.coverage import in_window
from kotacerdas.export.datafiles import Denominators
from kotacerdas.export.inputs import HourlySeries, Inputs
from kotacerdas.export.results import Coverage, IndicatorResult, QualityOf, result
from kotacerdas.export.window import Window

_VIEWS: Final = ("v_waste_1h", "v_sensor")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_HOUR: Final = timedelta(hours=1)


@dataclass
class WasteEvidence:
    indicators: list[IndicatorResult]
    not_overflowing_share: float | None = None
    collection_share: float | None = None
    fire_risk_share: float | None = None
    overflow_trend: dict[str, int] = field(default_factory=dict)


class WasteTally:
    """Counters over the bins' hourly series, fed one bin at a time (order-free)."""

    def __init__(self, inputs: Inputs) -> None:
        self._window = inputs.window
        self._active = {s.sensor_id for s in inputs.sensors_of("waste")}
        self.events = self.bin_hours = self.overflow_hours = 0
        self.on_time = self.due = 0
        self.temperature_hours = self.fire_hours = 0
        self.trend = dict.fromkeys(self._window.buckets(), 0)
        """Overflow events per chart bucket (by the local day each event began)."""
        first = self._window.first_hour
        self.stamps = [_EPOCH + (first + k) * _HOUR for k in range(self._window.hours)]
        """Start of every hour of the window, shared by all bins' fill series."""

    def add(self, series: HourlySeries) -> None:
        if series.sensor_id in self._active:
            _bin(series, self._window, self)


def evaluate(
    inputs: Inputs,
    coverage: Coverage,
    quality_of: QualityOf,
    denominators: Denominators,
    tally: WasteTally,
) -> WasteEvidence:
    bins = coverage.sensors_reporting
    out = WasteEvidence(
        indicators=[
            *_telemetry(inputs, coverage, quality_of, denominators),
            result(
                "kc_overflow_events",
                tally.events / bins * 100.0 if bins else None,
                "runs of hours with hourly max fill ≥ the overflow threshold (cityscore.waste), "
                "per 100 reporting bins",
                quality_of,
                coverage=[coverage],
                views=_VIEWS,
                numerator=float(tally.events),
                denominator=float(bins),
                details={"overflow_hours": tally.overflow_hours, "bin_hours": tally.bin_hours},
            ),
            result(
                "kc_collection_efficiency",
                period.percent(tally.on_time, tally.due) if tally.due else None,
                "service requests (fill ≥ 80 %) emptied within 24 h / requests due at the end "
                "of the period × 100 (cityscore.waste, hourly mean fill)",
                quality_of,
                coverage=[coverage],
                views=_VIEWS,
                numerator=float(tally.on_time),
                denominator=float(tally.due),
            ),
        ],
        not_overflowing_share=1.0 - tally.overflow_hours / tally.bin_hours
        if tally.bin_hours
        else None,
        collection_share=tally.on_time / tally.due if tally.due else None,
        fire_risk_share=tally.fire_hours / tally.temperature_hours
        if tally.temperature_hours
        else None,
        overflow_trend=tally.trend if bins else {},
    )
    return out


def _bin(series: HourlySeries, window: Window, tally: WasteTally) -> None:
    positions = in_window(series, window.first_hour, window.first_hour + window.hours)
    tops, means = series.column("fill_level_max"), series.column("fill_level_avg")
    temps = series.column("temperature_max")
    hours = [series.hours[i] for i in positions if tops[i] is not None]
    levels = [level for i in positions if (level := tops[i]) is not None]
    overflowing = classify.flags(levels, waste.overflowing)
    starts = period.run_starts(overflowing)
    tally.events += len(starts)
    tally.bin_hours += len(overflowing)
    tally.overflow_hours += sum(overflowing)
    for start in starts:
        tally.trend[window.bucket(window.local_day(hours[start]))] += 1
    first, stamps = window.first_hour, tally.stamps
    samples = [
        (stamps[series.hours[i] - first], level)
        for i in positions
        if (level := means[i]) is not None
    ]
    on_time, due = period.collection_counts(waste.service_requests(samples), window.end_utc)
    tally.on_time += on_time
    tally.due += due
    readings = [t for i in positions if (t := temps[i]) is not None]
    baseline = period.median(readings)
    tally.temperature_hours += len(readings)
    tally.fire_hours += sum(classify.flags(readings, lambda t: safety.bin_fire_risk(t, baseline)))


def _telemetry(
    inputs: Inputs, coverage: Coverage, quality_of: QualityOf, denominators: Denominators
) -> list[IndicatorResult]:
    bins = coverage.sensors_reporting
    out: list[IndicatorResult] = []
    for code, key in (
        ("iso37122_16_1", "waste_containers"),
        ("iso37122_16_x_sensor_bins", "public_bins"),
    ):
        total = denominators.get(inputs.city.slug, key)
        value = period.percent(bins, total.value) if bins and total.value else None
        out.append(
            result(
                code,
                value,
                f"bins with a reporting fill sensor / {key} from the denominators file × 100",
                quality_of,
                coverage=[coverage],
                views=_VIEWS,
                numerator=float(bins) if bins else None,
                denominator=total.value,
                missing_denominator=bool(bins) and total.value is None,
                details={"denominator_source": total.source},
            )
        )
    return out
