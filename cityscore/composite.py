"""Composite green-city and safety indices, 0–100, higher is better, with coverage.

Why these components (weights in :mod:`cityscore.tables.policy`, all *ours*):

- **Green-city index** serves DESIGN goal 1 ("air people breathe, streets people can move
  on") and the green half of goal 2. Components follow ISO 37120 themes Environment &
  climate change (air quality, noise), Transportation (congestion) and Solid waste (bins
  not overflowing, collection efficiency), which ISO 37122 extends with real-time air
  monitoring, waste telemetry and real-time traffic information — the evidence our
  sensors produce. Weights: air 0.35, mobility 0.25, waste 0.25 (two halves), noise 0.15.
- **Safety index** serves DESIGN goal 2 (*ketenteraman, ketertiban umum dan pelindungan
  masyarakat*), ISO 37120/37122 Safety: hazardous-air exposure 0.30, bin fire risk 0.20,
  speeding 0.20, gridlock 0.15, night noise 0.15 — life-threatening exposures first.

Normalisation to a 0–100 score per component (100 = best):

- air quality: ``100 × (1 − min(ISPU, 300) / 300)`` — 0 from the *berbahaya* boundary;
- mobility: ``100 × (1 − clamp(congestion %, 0, 100) / 100)`` — 0 when travel time doubles;
- noise: 100 at or below the KepMenLH 48/1996 zone limit, 0 at 10 dB above, linear;
- shares ``s`` of good outcomes (bins not overflowing, collection efficiency): ``100 s``;
- shares ``s`` of bad outcomes (hazardous air, fire risk, gridlock, speeding, night
  noise — each a share of monitored station-hours, bins or segments): ``100 (1 − s)``.

Missing inputs (``None``) are never read as 0 or as perfect: weights are renormalised over
the present components, ``coverage`` = present weight / total weight (0–1), and ``value``
is None when coverage is 0. Each component's ``contribution`` is its renormalised weight
× score, so contributions sum to ``value``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from cityscore import _checks, noise
from cityscore.tables import ispu as ispu_table
from cityscore.tables import noise as noise_table
from cityscore.tables import policy

__all__ = ["ComponentScore", "CompositeResult", "green_city_index", "safety_index"]

#: ISPU at which the air score reaches 0: upper bound of "sangat tidak sehat" (§1.1).
AIR_ZERO_SCORE_ISPU = ispu_table.CATEGORIES[-2][0]


@dataclass(frozen=True, slots=True)
class ComponentScore:
    name: str
    weight: float
    """Nominal weight from the policy table."""
    raw: float | None
    """The input as given; None when missing."""
    score: float | None
    """0–100 after normalisation; None when missing."""
    effective_weight: float
    """Weight after renormalisation over present components (0 when missing)."""
    contribution: float
    """``effective_weight × score``; the contributions sum to the composite value."""


@dataclass(frozen=True, slots=True)
class CompositeResult:
    value: float | None
    """0–100, higher is better; None when no input was present."""
    coverage: float
    """Share (0–1) of the nominal weight whose inputs were present."""
    components: Mapping[str, ComponentScore] = field(hash=False)


def _clamp_score(value: float) -> float:
    return min(max(value, 0.0), policy.SCORE_MAX)


def air_quality_score(ispu_value: float) -> float:
    value = _checks.non_negative("ispu", ispu_value)
    return _clamp_score(
        policy.SCORE_MAX * (1.0 - min(value, AIR_ZERO_SCORE_ISPU) / AIR_ZERO_SCORE_ISPU)
    )


def mobility_score(congestion_level_pct: float) -> float:
    level = _checks.finite("congestion_level_pct", congestion_level_pct)
    top = policy.CONGESTION_ZERO_SCORE_PERCENT
    return _clamp_score(policy.SCORE_MAX * (1.0 - min(max(level, 0.0), top) / top))


def noise_score(leq_dba: float, zone: str = noise_table.DEFAULT_ZONE) -> float:
    excess = _checks.finite("noise_dba", leq_dba) - noise.limit(zone)
    span = policy.NOISE_ZERO_SCORE_EXCESS_DB
    return _clamp_score(policy.SCORE_MAX * (1.0 - min(max(excess, 0.0), span) / span))


def _good_share(name: str) -> Callable[[float], float]:
    return lambda value: policy.SCORE_MAX * _checks.share(name, value)


def _bad_share(name: str) -> Callable[[float], float]:
    return lambda value: policy.SCORE_MAX * (1.0 - _checks.share(name, value))


def _score(raw: float | None, scorer: Callable[[float], float]) -> float | None:
    return None if raw is None else scorer(raw)


def _combine(
    specs: tuple[policy.ComponentSpec, ...],
    inputs: Mapping[str, float | None],
    scorers: Mapping[str, Callable[[float], float]],
) -> CompositeResult:
    scores = {spec.name: _score(inputs[spec.name], scorers[spec.name]) for spec in specs}
    total = sum(spec.weight for spec in specs)
    present = sum(spec.weight for spec in specs if scores[spec.name] is not None)
    components: dict[str, ComponentScore] = {}
    for spec in specs:
        score = scores[spec.name]
        effective = spec.weight / present if score is not None else 0.0
        components[spec.name] = ComponentScore(
            name=spec.name,
            weight=spec.weight,
            raw=inputs[spec.name],
            score=score,
            effective_weight=effective,
            contribution=effective * score if score is not None else 0.0,
        )
    value = _clamp_score(sum(c.contribution for c in components.values())) if present else None
    return CompositeResult(value, present / total, MappingProxyType(components))


def green_city_index(
    *,
    ispu: float | None = None,
    congestion_level_pct: float | None = None,
    bins_not_overflowing_share: float | None = None,
    collection_efficiency: float | None = None,
    noise_dba: float | None = None,
    noise_zone: str = noise_table.DEFAULT_ZONE,
) -> CompositeResult:
    """Green-city index for one place and window (module docstring for the method)."""
    noise.limit(noise_zone)  # an unknown zone is an error even when noise is missing
    inputs = {
        "air_quality": ispu,
        "mobility": congestion_level_pct,
        "bins_not_overflowing": bins_not_overflowing_share,
        "collection_efficiency": collection_efficiency,
        "noise": noise_dba,
    }
    scorers: dict[str, Callable[[float], float]] = {
        "air_quality": air_quality_score,
        "mobility": mobility_score,
        "bins_not_overflowing": _good_share("bins_not_overflowing_share"),
        "collection_efficiency": _good_share("collection_efficiency"),
        "noise": lambda value: noise_score(value, noise_zone),
    }
    return _combine(policy.GREEN_CITY_COMPONENTS, inputs, scorers)


def safety_index(
    *,
    hazardous_air_share: float | None = None,
    bin_fire_risk_share: float | None = None,
    gridlock_share: float | None = None,
    speeding_share: float | None = None,
    night_noise_share: float | None = None,
) -> CompositeResult:
    """Safety index for one place and window; every input is a share (0–1) of bad outcomes."""
    inputs = {
        "hazardous_air": hazardous_air_share,
        "bin_fire_risk": bin_fire_risk_share,
        "gridlock": gridlock_share,
        "speeding": speeding_share,
        "night_noise": night_noise_share,
    }
    scorers = {name: _bad_share(f"{name}_share") for name in inputs}
    return _combine(policy.SAFETY_COMPONENTS, inputs, scorers)
