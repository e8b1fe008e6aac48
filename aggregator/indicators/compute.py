"""All indicator rows of one city at one moment (pure): sensors, districts, the city."""

from __future__ import annotations

from datetime import datetime, timedelta

from aggregator.indicators.model import CityInputs, IndicatorRow, SensorMeta
from aggregator.indicators.places import all_place_rows
from aggregator.indicators.sensors import (
    air_rows,
    silent,
    traffic_rows,
    waste_rows,
    waste_series,
)
from cityscore import waste

# A 1-minute rollup bucket proves a reading somewhere inside it: count it as seen at the
# bucket's end (never later than the moment we compute for).
_BUCKET = timedelta(minutes=1)


def _observed_long_enough(inputs: CityInputs, meta: SensorMeta) -> bool:
    since = inputs.observed_since
    return since is not None and silent(meta, since, inputs.as_of)


def _silent_before_watermark(inputs: CityInputs, meta: SensorMeta, seen: datetime | None) -> bool:
    """Whether the silence already shows in the complete part of the data."""
    done = inputs.complete_until
    return done is None or silent(meta, seen, done)


def compute_city(inputs: CityInputs) -> list[IndicatorRow]:
    rows: list[IndicatorRow] = []
    requests: dict[str, list[waste.ServiceRequest]] = {}
    silent_ids: set[str] = set()
    as_of = inputs.as_of
    for meta in inputs.sensors:
        bucket = inputs.last_seen.get(meta.sensor_id)
        seen = min(bucket + _BUCKET, as_of) if bucket is not None else None
        if seen is None and not _observed_long_enough(inputs, meta):
            continue  # too early to tell silence from a sensor yet to speak
        quiet: bool | None = silent(meta, seen, as_of)
        if quiet and not _silent_before_watermark(inputs, meta, seen):
            quiet = None  # undecided: no verdict (no row) yet, counted as reporting
        if quiet is not None:
            rows.append(
                IndicatorRow(
                    meta.city,
                    meta.district,
                    meta.sensor_id,
                    "silent",
                    float(quiet),
                    detail={"last_seen": seen.isoformat() if seen else None},
                )
            )
        if quiet:
            silent_ids.add(meta.sensor_id)
            continue
        series = inputs.rollups.get(meta.sensor_id, [])
        if meta.domain == "air":
            rows += air_rows(meta, series, as_of, inputs.timezone)
        elif meta.domain == "traffic":
            rows += traffic_rows(meta, series, as_of)
        else:
            bin_series = inputs.bins.get(meta.sensor_id) or waste_series(series, as_of)
            bin_rows, requests[meta.sensor_id] = waste_rows(meta, bin_series, as_of)
            rows += bin_rows
    return rows + all_place_rows(inputs.city, inputs.sensors, rows, silent_ids, requests, as_of)
