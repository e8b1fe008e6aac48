"""One exported figure with its coverage, quality flag and lineage.

Quality flags: ``ok`` / ``partial`` / ``low`` from the sensors' uptime (the rubric sets
the bands), ``no_evidence`` when nothing was measured (a city with no sensor of a kind:
never a 0), ``no_denominator`` when the sensors were measured but the city inventory the
ratio needs is not known (see ``denominators.yaml``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from cityscore import period

#: Decimal places kept in published figures: far below any sensor's precision, and a
#: fixed rounding keeps files identical across runs.
DECIMALS: Final = 6

QualityOf = Callable[[float], str]


def rounded(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS) + 0.0  # -0.0 → 0.0


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of the city a domain's sensors saw in the period."""

    domain: str
    sensors_registered: int
    """Active sensors of the domain in the registry."""
    sensors_reporting: int
    """Of those, sensors with at least one sample in the window."""
    samples_received: int
    """Samples received, capped per sensor at its expected count."""
    samples_expected: int
    uptime: float | None
    """received / expected (0–1); None without registered sensors."""
    districts_observed: int
    districts_total: int
    district_share: float | None
    population_share: float | None
    sensor_ids: tuple[str, ...]
    """The reporting sensors, sorted."""
    buckets: int
    """Hourly rollup rows of the domain inside the window."""


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    code: str
    value: float | None
    quality: str
    method: str
    """How this export computed the figure (English, for auditors)."""
    numerator: float | None = None
    denominator: float | None = None
    breakdown: Mapping[str, float | None] | None = None
    coverage: tuple[Coverage, ...] = ()
    views: tuple[str, ...] = ()
    sensors: tuple[str, ...] = ()
    buckets: int = 0
    details: Mapping[str, float | int | str | None] = field(default_factory=dict)
    uptime: float | None = None
    """Uptime behind the figure: the weakest domain's, or pooled over domains."""


def uptime_of(coverage: Sequence[Coverage], pooled: bool = False) -> float | None:
    """The weakest domain's uptime, or (``pooled``) all received over all expected samples."""
    known = [c for c in coverage if c.uptime is not None]
    if not known:
        return None
    if pooled:
        return period.uptime(
            sum(c.samples_received for c in known), sum(c.samples_expected for c in known)
        )
    return min(c.uptime for c in known if c.uptime is not None)


def quality_for(
    value: float | None,
    uptime: float | None,
    quality_of: QualityOf,
    missing_denominator: bool = False,
) -> str:
    if value is None:
        return "no_denominator" if missing_denominator else "no_evidence"
    return quality_of(uptime) if uptime is not None else "ok"


def result(
    code: str,
    value: float | None,
    method: str,
    quality_of: QualityOf,
    *,
    coverage: Sequence[Coverage] = (),
    numerator: float | None = None,
    denominator: float | None = None,
    breakdown: Mapping[str, float | None] | None = None,
    views: tuple[str, ...] = (),
    missing_denominator: bool = False,
    details: Mapping[str, float | int | str | None] | None = None,
    pooled_uptime: bool = False,
) -> IndicatorResult:
    """Build a figure; sensors, buckets and uptime come from its coverage."""
    sensors = tuple(sorted({s for c in coverage for s in c.sensor_ids}))
    uptime = uptime_of(coverage, pooled_uptime)
    return IndicatorResult(
        code=code,
        value=rounded(value),
        quality=quality_for(value, uptime, quality_of, missing_denominator),
        method=method,
        numerator=rounded(numerator),
        denominator=rounded(denominator),
        breakdown=None if breakdown is None else {k: rounded(v) for k, v in breakdown.items()},
        coverage=tuple(coverage),
        views=views,
        sensors=sensors,
        buckets=sum(c.buckets for c in coverage),
        details={k: rounded(v) if isinstance(v, float) else v for k, v in (details or {}).items()},
        uptime=rounded(uptime),
    )
