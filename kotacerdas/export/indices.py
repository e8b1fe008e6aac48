"""Green-city and safety indices over the period, with their components.

The period index is :func:`cityscore.composite.green_city_index` /
:func:`~cityscore.composite.safety_index` applied to *period* inputs (the same
normalisation and weights as the live 5-minute index):

- green: mean station-day ISPU, mean congestion level, share of bin-hours not
  overflowing, collection efficiency, mean daily L_SM;
- safety: share of station-days with ISPU *berbahaya*, of bin-hours with fire risk, of
  segment-hours at LOS F (gridlock), of vehicles speeding, of station-nights above the
  noise limit.

The mean of the live index history (``v_indicator``, city scope) is published beside it
as a cross-check; it averages 5-minute values, so it weighs busy and quiet hours alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from cityscore import composite
from kotacerdas.export.evidence_air import AirEvidence
from kotacerdas.export.evidence_traffic import TrafficEvidence
from kotacerdas.export.evidence_waste import WasteEvidence
from kotacerdas.export.inputs import LiveIndexRow
from kotacerdas.export.results import Coverage, IndicatorResult, QualityOf, result, rounded

#: Domain each component is measured by (for coverage and the quality flag).
COMPONENT_DOMAIN: Final = {
    "air_quality": "air",
    "mobility": "traffic",
    "bins_not_overflowing": "waste",
    "collection_efficiency": "waste",
    "noise": "air",
    "hazardous_air": "air",
    "bin_fire_risk": "waste",
    "gridlock": "traffic",
    "speeding": "traffic",
    "night_noise": "air",
}


@dataclass(frozen=True)
class PeriodIndex:
    name: str
    result: composite.CompositeResult
    live_mean: float | None
    live_coverage_mean: float | None
    live_rows: int

    def as_dict(self) -> dict[str, object]:
        return {
            "value": rounded(self.result.value),
            "coverage": rounded(self.result.coverage),
            "components": [
                {
                    "name": c.name,
                    "domain": COMPONENT_DOMAIN[c.name],
                    "weight": c.weight,
                    "raw": rounded(c.raw),
                    "score": rounded(c.score),
                    "effective_weight": rounded(c.effective_weight),
                    "contribution": rounded(c.contribution),
                }
                for c in self.result.components.values()
            ],
            "live": {
                "mean": rounded(self.live_mean),
                "coverage_mean": rounded(self.live_coverage_mean),
                "rows": self.live_rows,
                "view": "v_indicator",
            },
        }


def evaluate(
    air: AirEvidence,
    traffic: TrafficEvidence,
    waste: WasteEvidence,
    live: Sequence[LiveIndexRow],
    coverages: Sequence[Coverage],
    quality_of: QualityOf,
) -> tuple[dict[str, PeriodIndex], list[IndicatorResult]]:
    green = composite.green_city_index(
        ispu=air.ispu_mean,
        congestion_level_pct=traffic.congestion_mean,
        bins_not_overflowing_share=waste.not_overflowing_share,
        collection_efficiency=waste.collection_share,
        noise_dba=air.lsm_mean,
    )
    safety = composite.safety_index(
        hazardous_air_share=air.hazardous_share,
        bin_fire_risk_share=waste.fire_risk_share,
        gridlock_share=traffic.gridlock_share,
        speeding_share=traffic.speeding_share,
        night_noise_share=air.night_noise_share,
    )
    indices = {
        "green_city": _with_live("green_city", green, live, "green_city_index"),
        "safety": _with_live("safety", safety, live, "safety_index"),
    }
    rows = [
        _row("kc_green_city_index", indices["green_city"], coverages, quality_of),
        _row("kc_safety_index", indices["safety"], coverages, quality_of),
    ]
    return indices, rows


def _with_live(
    name: str, value: composite.CompositeResult, live: Sequence[LiveIndexRow], code: str
) -> PeriodIndex:
    row = next((row for row in live if row.code == code), None)
    if row is None:
        return PeriodIndex(name, value, None, None, 0)
    return PeriodIndex(name, value, row.mean, row.coverage_mean, row.rows)


def _row(
    code: str, index: PeriodIndex, coverages: Sequence[Coverage], quality_of: QualityOf
) -> IndicatorResult:
    present = {
        COMPONENT_DOMAIN[c.name] for c in index.result.components.values() if c.score is not None
    }
    return result(
        code,
        index.result.value,
        "cityscore.composite on period inputs (see indices); value 0–100, higher is better",
        quality_of,
        coverage=[c for c in coverages if c.domain in present],
        views=("v_air_1h", "v_traffic_1h", "v_waste_1h", "v_sensor"),
        breakdown={c.name: c.score for c in index.result.components.values()},
        details={
            "coverage": index.result.coverage,
            "live_mean": index.live_mean,
            "live_rows": index.live_rows,
        },
    )
