"""All indicator rows of one city at one moment (pure): sensors, districts, the city."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

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


# A sensor's indicator rows, and a bin's service requests (for collection efficiency).
_SensorRows = tuple[list[IndicatorRow], list[waste.ServiceRequest]]


class SensorRowsMemo:
    """Each sensor's rows of a city's recent windows, with the inputs they came from.

    Late data changes the minutes of a few sensors; recomputing the window it fell in
    (a revision) then costs those sensors' indicators and a comparison for the others,
    whose rows come from here. A sensor's rows are a function of its inputs and the
    window end alone (its silence is decided outside), so a hit is exact.
    """

    def __init__(self, keep: timedelta) -> None:
        self.keep = keep
        # city → (sensor, window end) → (its inputs, (its rows, its service requests))
        self._kept: dict[str, dict[tuple[str, datetime], tuple[Any, _SensorRows]]] = {}

    def clear(self, city: str | None = None) -> None:
        if city is None:
            self._kept.clear()
        else:
            self._kept.pop(city, None)

    def get(self, city: str, sensor_id: str, as_of: datetime, source: Any) -> _SensorRows | None:
        found = self._kept.get(city, {}).get((sensor_id, as_of))
        if found is None or found[0] != source:
            return None
        return found[1]

    def put(
        self,
        city: str,
        sensor_id: str,
        as_of: datetime,
        source: Any,
        rows: _SensorRows,
    ) -> None:
        self._kept.setdefault(city, {})[sensor_id, as_of] = (source, rows)

    def forget_before(self, city: str, newest: datetime) -> None:
        """Drop what is older than ``keep`` before the city's ``newest`` window end."""
        kept = self._kept.get(city, {})
        for key in [k for k in kept if k[1] < newest - self.keep]:
            del kept[key]


def _sensor_rows(inputs: CityInputs, meta: SensorMeta, source: Any) -> _SensorRows:
    if meta.domain == "air":
        return air_rows(meta, source, inputs.as_of, inputs.timezone), []
    if meta.domain == "traffic":
        return traffic_rows(meta, source, inputs.as_of), []
    return waste_rows(meta, source, inputs.as_of)


def compute_city(inputs: CityInputs, memo: SensorRowsMemo | None = None) -> list[IndicatorRow]:
    """``memo``: rows of earlier computations of the same windows, reused where a
    sensor's inputs did not change (and kept for the next)."""
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
        source: Any = inputs.rollups.get(meta.sensor_id, [])
        if meta.domain == "waste":
            source = inputs.bins.get(meta.sensor_id) or waste_series(source, as_of)
        found = memo.get(inputs.city, meta.sensor_id, as_of, source) if memo else None
        if found is None:
            found = _sensor_rows(inputs, meta, source)
            if memo is not None:
                memo.put(inputs.city, meta.sensor_id, as_of, source, found)
        sensor_rows, sensor_requests = found
        rows += sensor_rows
        if meta.domain == "waste":
            requests[meta.sensor_id] = sensor_requests
    return rows + all_place_rows(inputs.city, inputs.sensors, rows, silent_ids, requests, as_of)
