"""Mobility evidence: LOS distribution, congestion, speeding, streets with live information.

Per segment-hour (hourly rollups):

- flow = vehicles / observed seconds × 3600 (:func:`cityscore.traffic.hourly_flow`),
  counted as pcu — the counters do not classify vehicles, so no MKJI/PKJI *emp* factors;
  V/C against the segment's ``capacity_pcu_h`` and LOS A–F by PM 96/2015
  (:func:`cityscore.traffic.level_of_service`);
- congestion level from the hourly mean speed and ``free_flow_kmh``
  (:func:`cityscore.traffic.congestion_level`, TomTom); standstill hours have no finite
  travel time and count as LOS/gridlock evidence only;
- gridlock share = segment-hours at LOS F: a whole hour with demand above capacity on
  average, the hourly proxy of the live rule (LOS F for ≥ 15 min);
- streets with real-time information = distinct registered streets with a reporting
  counter (both directions of a road are one street), km from ``length_km``.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Final

from cityscore import period, safety, traffic
from cityscore.tables import traffic as traffic_table
from kotacerdas.export import classify
from kotacerdas.export.coverage import in_window
from kotacerdas.export.datafiles import Denominators
from kotacerdas.export.inputs import HourlySeries, Inputs, SensorFacts
from kotacerdas.export.results import Coverage, IndicatorResult, QualityOf, result
from kotacerdas.export.window import Window

#: Road classes (PP 34/2006) counted as "major streets" for ITU U4SSC EC:ICT:T:2C (ours).
MAJOR_ROAD_CLASSES: Final = frozenset(
    {"arteri_primer", "arteri_sekunder", "kolektor_primer", "kolektor_sekunder"}
)
BELOW_CAPACITY: Final = traffic_table.LEVELS[:4]  # A–D: V/C ≤ 0.84
_TOP_RANK: Final = len(traffic_table.LEVELS) - 1
_VIEWS: Final = ("v_traffic_1h", "v_sensor")


@dataclass
class TrafficEvidence:
    indicators: list[IndicatorResult]
    congestion_mean: float | None = None
    gridlock_share: float | None = None
    speeding_share: float | None = None
    congestion_by_hour: list[float | None] = field(default_factory=list)


class TrafficTally:
    """Per segment-hour figures, fed one counter's hourly series at a time.

    Kept: a count per LOS, and per counter the exactly rounded sums (``math.fsum``) of
    its congestion levels (also per local hour) and of its vehicle and speeding counts;
    the period figures sum those partial sums exactly, so neither memory nor the result
    depends on how many counters there are or the order they arrive in. Inactive
    counters are ignored.
    """

    def __init__(self, inputs: Inputs) -> None:
        self._window = inputs.window
        self._sensors = {s.sensor_id: s for s in inputs.sensors_of("traffic")}
        self.levels: Counter[str] = Counter()
        self.congestion: list[float] = []  # one partial sum per counter
        self.congestion_hours = 0
        self.by_hour: dict[int, list[tuple[float, int]]] = defaultdict(list)
        self.vehicles: list[float] = []
        self.speeding: list[float] = []
        self.counted_hours = 0

    def add(self, series: HourlySeries) -> None:
        sensor = self._sensors.get(series.sensor_id)
        if sensor is not None:
            _segment(series, sensor, self._window, self)


def evaluate(
    inputs: Inputs,
    coverage: Coverage,
    quality_of: QualityOf,
    denominators: Denominators,
    tally: TrafficTally,
) -> TrafficEvidence:
    levels = list(tally.levels.elements())
    shares = period.distribution(levels, traffic_table.LEVELS)
    below = sum(tally.levels[los] for los in BELOW_CAPACITY)
    total = math.fsum(tally.congestion)
    congestion = total / tally.congestion_hours if tally.congestion_hours else None
    vehicles, speeding = math.fsum(tally.vehicles), math.fsum(tally.speeding)
    return TrafficEvidence(
        indicators=[
            *_streets(inputs, coverage, quality_of, denominators),
            result(
                "kc_los_distribution",
                period.percent(below, len(levels)) if levels else None,
                "LOS per segment-hour from V/C (vehicles as pcu; PM 96/2015); value = % "
                "segment-hours at LOS A–D (below capacity); breakdown = % per LOS",
                quality_of,
                coverage=[coverage],
                views=_VIEWS,
                breakdown=shares,
                numerator=float(below),
                denominator=float(len(levels)),
            ),
            result(
                "kc_congestion_level",
                congestion,
                "mean over segment-hours of (free_flow / hourly mean speed − 1) × 100",
                quality_of,
                coverage=[coverage],
                views=_VIEWS,
                numerator=total if tally.congestion_hours else None,
                denominator=float(tally.congestion_hours),
            ),
        ],
        congestion_mean=congestion,
        gridlock_share=(shares["F"] / 100.0) if shares else None,
        speeding_share=safety.speeding_share(speeding, vehicles) if tally.counted_hours else None,
        congestion_by_hour=[_hour_mean(tally.by_hour.get(h, [])) for h in range(24)],
    )


def _segment(
    series: HourlySeries, sensor: SensorFacts, window: Window, tally: TrafficTally
) -> None:
    positions = in_window(series, window.first_hour, window.first_hour + window.hours)
    counts, observed = series.column("vehicle_count_sum"), series.column("observed_s")
    speeds, fast = series.column("avg_speed_kmh_avg"), series.column("speeding_count_sum")
    capacity, free_flow = sensor.capacity_pcu_h, sensor.free_flow_kmh
    if capacity:
        flows = [
            traffic.hourly_flow(count, seconds)
            for i in positions
            if (count := counts[i]) is not None and (seconds := observed[i])
        ]
        ranks = classify.ranks(flows, lambda flow: _los_rank(flow, capacity), _TOP_RANK)
        tally.levels.update(traffic_table.LEVELS[r] for r in ranks)
    levels: list[float] = []
    by_hour: dict[int, list[float]] = defaultdict(list)
    vehicles: list[float] = []
    speeding: list[float] = []
    for i in positions:
        speed, count = speeds[i], counts[i]
        if speed and free_flow:
            level = traffic.congestion_level(speed, free_flow)
            levels.append(level)
            by_hour[window.local_hour(series.hours[i])].append(level)
        if count is not None and (over := fast[i]) is not None:
            vehicles.append(count)
            speeding.append(over)
    tally.congestion.append(math.fsum(levels))
    tally.congestion_hours += len(levels)
    for hour, values in by_hour.items():
        tally.by_hour[hour].append((math.fsum(values), len(values)))
    tally.vehicles.append(math.fsum(vehicles))
    tally.speeding.append(math.fsum(speeding))
    tally.counted_hours += len(vehicles)


def _hour_mean(partials: list[tuple[float, int]]) -> float | None:
    hours = sum(n for _, n in partials)
    return math.fsum(total for total, _ in partials) / hours if hours else None


def _los_rank(flow: float, capacity: float) -> int:
    return traffic.los_rank(traffic.level_of_service(traffic.vc_ratio(flow, capacity)))


def street_km(sensors: list[SensorFacts], major_only: bool = False) -> tuple[float, int]:
    """km and number of distinct streets watched by ``sensors``."""
    lengths: dict[str, float] = {}
    for sensor in sensors:
        if sensor.street is None or sensor.length_km is None:
            continue
        if major_only and sensor.road_class not in MAJOR_ROAD_CLASSES:
            continue
        lengths[sensor.street] = max(lengths.get(sensor.street, 0.0), sensor.length_km)
    return math.fsum(lengths.values()), len(lengths)


def _streets(
    inputs: Inputs, coverage: Coverage, quality_of: QualityOf, denominators: Denominators
) -> list[IndicatorResult]:
    reporting = [s for s in inputs.sensors_of("traffic") if s.sensor_id in coverage.sensor_ids]
    out: list[IndicatorResult] = []
    for code, key, major in (
        ("iso37122_19_1", "street_km", False),
        ("u4ssc_ec_ict_t_2c", "major_street_km", True),
    ):
        km, streets = street_km(reporting, major_only=major)
        total = denominators.get(inputs.city.slug, key)
        value = period.percent(km, total.value) if streets and total.value else None
        out.append(
            result(
                code,
                value,
                f"km of distinct {'major (arteri/kolektor) ' if major else ''}streets with a "
                f"reporting counter / {key} from the denominators file × 100",
                quality_of,
                coverage=[coverage],
                views=_VIEWS,
                numerator=km if streets else None,
                denominator=total.value,
                missing_denominator=bool(streets) and total.value is None,
                details={"streets": streets, "denominator_source": total.source},
            )
        )
    return out
