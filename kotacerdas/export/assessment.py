"""The assessment document of one city and period (the JSON the other formats render).

Steps of :func:`assess`:

1. coverage per domain (uptime, share of the city observed) and the hourly-series
   tallies (streamed in by the database shell, or filled here from ``inputs``);
2. the domains' indicators (air, traffic, waste, operations) via cityscore;
3. the period green-city and safety indices with their components;
4. maturity per dimension by the rubric, from each indicator's value and uptime;
5. the document: city, period, summary, indicators (catalogue order), indices, maturity,
   chart data and provenance. No clock is read: the same inputs give the same document.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from cityscore import who
from cityscore.maturity import DimensionResult, Evidence, Rubric, evaluate
from cityscore.tables import ispu as ispu_table
from kotacerdas.export import (
    evidence_air,
    evidence_ops,
    evidence_traffic,
    evidence_waste,
    indices,
    provenance,
    supplement,
)
from kotacerdas.export.collect import Collectors, feed
from kotacerdas.export.datafiles import Denominators, LoadedRubric
from kotacerdas.export.inputs import Inputs
from kotacerdas.export.results import IndicatorResult, rounded

SCHEMA_VERSION: Final = "1.0"
DOCUMENT_KIND: Final = "kotacerdas.maturity_assessment"
#: What ``value`` means where it is not the catalogue unit (distributions publish a share).
HEADLINES: Final[dict[str, tuple[str, str, str]]] = {
    "kc_ispu_category_distribution": (
        "%",
        "stasiun-hari baik atau sedang (ISPU ≤ 100)",
        "station-days good or moderate",
    ),
    "kc_los_distribution": (
        "%",
        "segmen-jam LOS A–D (di bawah kapasitas)",
        "segment-hours LOS A–D",
    ),
}
SUMMARY_CODES: Final = (
    "iso37120_8_1",
    "kc_ispu_category_distribution",
    "kc_congestion_level",
    "kc_overflow_events",
    "kc_green_city_index",
    "kc_safety_index",
    "kc_data_uptime",
)


def assess(
    inputs: Inputs,
    rubric: LoadedRubric,
    denominators: Denominators,
    collected: Collectors | None = None,
) -> dict[str, Any]:
    """The document; ``collected`` are the tallies the series were streamed into (else
    they are filled here from the series in ``inputs``)."""
    tallies = collected or feed(inputs)
    quality_of = rubric.rubric.quality_flag
    coverages = {domain: tally.result() for domain, tally in tallies.coverage.items()}
    air = evidence_air.evaluate(inputs, coverages["air"], quality_of, tallies.air)
    traffic = evidence_traffic.evaluate(
        inputs, coverages["traffic"], quality_of, denominators, tallies.traffic
    )
    waste = evidence_waste.evaluate(
        inputs, coverages["waste"], quality_of, denominators, tallies.waste
    )
    ops = evidence_ops.evaluate(inputs, list(coverages.values()), quality_of)
    period_indices, index_rows = indices.evaluate(
        air, traffic, waste, inputs.live_indices, list(coverages.values()), quality_of
    )
    found = {
        r.code: r
        for r in (*air.indicators, *traffic.indicators, *waste.indicators, *ops, *index_rows)
    }
    ordered = [found[code] for code in supplement.codes() if code in found]
    maturity = evaluate(rubric.rubric, {r.code: Evidence(r.value, r.uptime) for r in ordered})
    window = inputs.window
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": DOCUMENT_KIND,
        "city": _city(inputs),
        "period": {
            "label": window.period.label,
            "kind": window.period.kind,
            "start": window.start.isoformat(),
            "end": window.end.isoformat(),
            "timezone": window.timezone,
            "hours": window.hours,
            "days": len(window.days),
        },
        "summary": _summary(ordered, maturity, rubric.rubric),
        "indicators": [_indicator(r, inputs) for r in ordered],
        "indices": {name: index.as_dict() for name, index in period_indices.items()},
        "maturity": _maturity(maturity, rubric),
        "charts": {
            "ispu_trend": {
                "buckets": list(air.ispu_trend),
                "categories": list(ispu_table.CATEGORY_CODES),
                "counts": [list(counts.values()) for counts in air.ispu_trend.values()],
            },
            "pm25_daily": {
                "days": [day for day, _ in air.pm25_daily],
                "values": [rounded(v) for _, v in air.pm25_daily],
                "who_24h_levels": who.levels("pm25", "24h"),
            },
            "congestion_by_hour": {
                "hours": list(range(24)),
                "values": [rounded(v) for v in traffic.congestion_by_hour],
            },
            "overflow_trend": {
                "buckets": list(waste.overflow_trend),
                "events": list(waste.overflow_trend.values()),
            },
        },
        "provenance": provenance.section(inputs, rubric, denominators, list(coverages.values())),
    }


def _city(inputs: Inputs) -> dict[str, Any]:
    city = inputs.city
    return {
        "slug": city.slug,
        "name": city.name,
        "code": city.code,
        "province": city.province,
        "timezone": city.timezone,
        "area_km2": city.area_km2,
        "population": city.population,
        "districts": len(inputs.districts),
    }


def _indicator(r: IndicatorResult, inputs: Inputs) -> dict[str, Any]:
    d = supplement.definition(r.code)
    return {
        "code": r.code,
        "standard": d.standard,
        "clause": d.clause,
        "clause_status": d.clause_status,
        "dimension": d.dimension,
        "name_id": d.name_id,
        "name_en": d.name_en,
        "unit": d.unit,
        "value_unit": HEADLINES[r.code][0] if r.code in HEADLINES else d.unit,
        "value_label_id": HEADLINES[r.code][1] if r.code in HEADLINES else None,
        "value_label_en": HEADLINES[r.code][2] if r.code in HEADLINES else None,
        "formula": d.formula,
        "numerator_label": d.numerator,
        "denominator_label": d.denominator,
        "value": r.value,
        "numerator": r.numerator,
        "denominator": r.denominator,
        "breakdown": dict(r.breakdown) if r.breakdown is not None else None,
        "uptime": rounded(r.uptime),
        "quality": r.quality,
        "method": r.method,
        "coverage": [provenance.coverage(c) for c in r.coverage],
        "details": dict(r.details),
        "provenance": {
            "views": list(r.views),
            "grain": "1h",
            "window_start": inputs.window.start_utc.isoformat(),
            "window_end": inputs.window.end_utc.isoformat(),
            "sensors": len(r.sensors),
            "sensor_ids": list(r.sensors),
            "rollup_rows": r.buckets,
        },
    }


def _summary(
    ordered: Sequence[IndicatorResult], maturity: Sequence[DimensionResult], rubric: Rubric
) -> dict[str, Any]:
    by_code = {r.code: r for r in ordered}
    return {
        "maturity": {
            d.code: rubric.level(d.rank).code if d.rank is not None else None for d in maturity
        },
        "figures": {
            code: {
                "value": by_code[code].value,
                "quality": by_code[code].quality,
                "uptime": rounded(by_code[code].uptime),
            }
            for code in SUMMARY_CODES
            if code in by_code
        },
    }


def _level(rubric: Rubric, rank: int | None) -> str | None:
    return rubric.level(rank).code if rank is not None else None


def _maturity(results: Sequence[DimensionResult], loaded: LoadedRubric) -> dict[str, Any]:
    rubric = loaded.rubric
    return {
        "rubric": provenance.rubric_fields(loaded),
        "levels": [
            {"code": lv.code, "name_id": lv.name_id, "name_en": lv.name_en} for lv in rubric.levels
        ],
        "dimensions": [
            {
                "code": d.code,
                "name_id": d.name_id,
                "name_en": d.name_en,
                "level": _level(rubric, d.rank),
                "uncapped_level": _level(rubric, d.uncapped_rank),
                "evidence_share": rounded(d.evidence_share),
                "coverage_cap": _level(rubric, d.coverage_cap_rank),
                "criteria": [
                    {
                        "indicator": c.indicator,
                        "value": c.value,
                        "uptime": rounded(c.uptime),
                        "threshold_level": _level(rubric, c.threshold_rank),
                        "uptime_cap": _level(rubric, c.cap_rank),
                        "level": _level(rubric, c.rank),
                    }
                    for c in d.criteria
                ],
            }
            for d in results
        ],
    }


def indicator_map(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Indicators of a document by code."""
    return {row["code"]: row for row in document["indicators"]}
