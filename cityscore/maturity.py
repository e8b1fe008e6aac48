"""Smart-city maturity levels from indicator evidence, by a rubric that is data.

The Kemendagri assessment (STANDARDS §6.1 [V]) names five levels, M1 *Pratama* … M5
*Paripurna*, scored on SNI ISO 37122:2019; its numeric cut-offs are **not public** [U].
So the cut-offs live in a rubric file (``cityscore/rubrics/*.yaml``) the programme can
edit without code; the shipped default is ours and says so. This module only validates
a parsed rubric (a plain mapping — reading and parsing the file is the caller's I/O)
and evaluates it:

1. **criterion** — an indicator with evidence reaches the lowest level; it reaches
   level *k* when its value meets the threshold of *k* (``better: higher`` → value ≥
   threshold, ``lower`` → value ≤ threshold); the highest level met counts.
2. **uptime cap** — evidence from sensors that reported only part of the period is
   capped (``uptime_caps``: at uptime ≥ *u* at most level *L*).
3. **dimension** — the criteria with evidence are aggregated (``min``: every criterion
   must reach the level; ``mean``: mean of levels rounded *down*, so a level is never
   overstated), then capped by the share of criteria that had evidence at all
   (``coverage_caps``). No criterion with evidence → no level ("no evidence"), never 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import ClassVar, Final, Literal

from cityscore.errors import CityscoreError

__all__ = [
    "Cap",
    "Criterion",
    "CriterionResult",
    "Dimension",
    "DimensionResult",
    "Evidence",
    "InvalidRubric",
    "Level",
    "Rubric",
    "evaluate",
    "parse_rubric",
]

Better = Literal["higher", "lower"]
Aggregate = Literal["min", "mean"]
QualityFlag = Literal["ok", "partial", "low"]
_AGGREGATES: Final[tuple[Aggregate, ...]] = ("min", "mean")
_BETTER: Final[tuple[Better, ...]] = ("higher", "lower")


class InvalidRubric(CityscoreError, ValueError):
    """A rubric document that cannot be used; the message names the key and the problem."""

    reason: ClassVar[str] = "invalid_rubric"

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"rubric {where}: {problem}")


@dataclass(frozen=True, slots=True)
class Level:
    code: str
    rank: int
    name_id: str
    name_en: str


@dataclass(frozen=True, slots=True)
class Cap:
    """At ``minimum`` (uptime or evidence share, 0–1) or more, at most level ``max_rank``."""

    minimum: float
    max_rank: int


@dataclass(frozen=True, slots=True)
class Criterion:
    indicator: str
    better: Better
    thresholds: tuple[tuple[int, float], ...]
    """``(rank, threshold)`` for the levels above the lowest, by rank."""
    why: str = ""

    def rank_for(self, value: float, lowest: int) -> int:
        met = [
            rank
            for rank, threshold in self.thresholds
            if (value >= threshold if self.better == "higher" else value <= threshold)
        ]
        return max(met, default=lowest)


@dataclass(frozen=True, slots=True)
class Dimension:
    code: str
    name_id: str
    name_en: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class Rubric:
    id: str
    version: str
    status: str
    title_id: str
    title_en: str
    note_id: str
    note_en: str
    levels: tuple[Level, ...]
    quality_ok: float
    """Uptime at or above which evidence is flagged ``ok``."""
    quality_partial: float
    """Uptime at or above which (and below ``quality_ok``) evidence is ``partial``."""
    uptime_caps: tuple[Cap, ...]
    coverage_caps: tuple[Cap, ...]
    aggregate: Aggregate
    dimensions: tuple[Dimension, ...]

    def level(self, rank: int) -> Level:
        return next(level for level in self.levels if level.rank == rank)

    @property
    def lowest(self) -> int:
        return self.levels[0].rank

    @property
    def highest(self) -> int:
        return self.levels[-1].rank

    def quality_flag(self, uptime: float) -> QualityFlag:
        """``ok`` / ``partial`` / ``low`` from the share of expected samples received."""
        if uptime >= self.quality_ok:
            return "ok"
        return "partial" if uptime >= self.quality_partial else "low"

    def uptime_cap(self, uptime: float) -> int:
        return _cap(self.uptime_caps, uptime)

    def coverage_cap(self, share: float) -> int:
        return _cap(self.coverage_caps, share)


def _cap(caps: tuple[Cap, ...], value: float) -> int:
    return next(cap.max_rank for cap in caps if value >= cap.minimum)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the export measured for one indicator: its value (None = no evidence)."""

    value: float | None
    uptime: float | None = None
    """Share of expected samples behind the value; None for registry or event counts."""


@dataclass(frozen=True, slots=True)
class CriterionResult:
    indicator: str
    value: float | None
    uptime: float | None
    threshold_rank: int | None
    """Level the value reaches by the thresholds alone; None without evidence."""
    cap_rank: int | None
    """Uptime cap applied (None: no cap)."""
    rank: int | None
    """Level this criterion evidences after the cap; None without evidence."""


@dataclass(frozen=True, slots=True)
class DimensionResult:
    code: str
    name_id: str
    name_en: str
    rank: int | None
    """Final level; None when no criterion had evidence."""
    uncapped_rank: int | None
    """Aggregate of the criteria before the evidence-share cap."""
    evidence_share: float
    """Share (0–1) of the dimension's criteria that had evidence."""
    coverage_cap_rank: int | None
    """Cap from the evidence share when it lowered the level, else None."""
    criteria: tuple[CriterionResult, ...]


def evaluate(rubric: Rubric, evidence: Mapping[str, Evidence]) -> tuple[DimensionResult, ...]:
    """Level per dimension of ``rubric`` from ``evidence`` keyed by indicator code."""
    return tuple(_dimension(rubric, dim, evidence) for dim in rubric.dimensions)


def _criterion(rubric: Rubric, criterion: Criterion, found: Evidence | None) -> CriterionResult:
    if found is None or found.value is None:
        uptime = found.uptime if found else None
        return CriterionResult(criterion.indicator, None, uptime, None, None, None)
    reached = criterion.rank_for(found.value, rubric.lowest)
    cap = rubric.uptime_cap(found.uptime) if found.uptime is not None else None
    rank = reached if cap is None else min(reached, cap)
    return CriterionResult(criterion.indicator, found.value, found.uptime, reached, cap, rank)


def _dimension(rubric: Rubric, dim: Dimension, evidence: Mapping[str, Evidence]) -> DimensionResult:
    results = tuple(_criterion(rubric, c, evidence.get(c.indicator)) for c in dim.criteria)
    ranks = [r.rank for r in results if r.rank is not None]
    share = len(ranks) / len(results)
    if not ranks:
        return DimensionResult(dim.code, dim.name_id, dim.name_en, None, None, 0.0, None, results)
    uncapped = min(ranks) if rubric.aggregate == "min" else sum(ranks) // len(ranks)
    cap = rubric.coverage_cap(share)
    return DimensionResult(
        dim.code,
        dim.name_id,
        dim.name_en,
        min(uncapped, cap),
        uncapped,
        share,
        cap if cap < uncapped else None,
        results,
    )


# --- parsing and validation ---------------------------------------------------------


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _get(doc: Mapping[str, object], key: str, where: str) -> object:
    if key not in doc:
        raise InvalidRubric(_at(where, key), "is missing")
    return doc[key]


def _text(doc: Mapping[str, object], key: str, where: str, default: str | None = None) -> str:
    if default is not None and key not in doc:
        return default
    value = _get(doc, key, where)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)  # YAML reads an unquoted version such as 2026.1 as a number
    if not isinstance(value, str) or not value.strip():
        raise InvalidRubric(_at(where, key), f"must be non-empty text, got {value!r}")
    return value


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidRubric(where, f"must be a number, got {value!r}")
    return float(value)


def _share(value: object, where: str) -> float:
    number = _number(value, where)
    if not 0.0 <= number <= 1.0:
        raise InvalidRubric(where, f"must be a share between 0 and 1, got {number!r}")
    return number


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise InvalidRubric(where, f"must be a mapping with text keys, got {value!r}")
    return value


def _sequence(value: object, where: str) -> Sequence[object]:
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise InvalidRubric(where, f"must be a non-empty list, got {value!r}")
    return value


def _levels(raw: object) -> tuple[Level, ...]:
    levels: list[Level] = []
    for i, item in enumerate(_sequence(raw, "levels")):
        doc = _mapping(item, f"levels[{i}]")
        where = f"levels[{i}]"
        levels.append(
            Level(
                _text(doc, "code", where),
                i + 1,
                _text(doc, "name_id", where),
                _text(doc, "name_en", where),
            )
        )
    if len({level.code for level in levels}) != len(levels):
        raise InvalidRubric("levels", "level codes must be unique")
    return tuple(levels)


def _rank(code: object, levels: tuple[Level, ...], where: str) -> int:
    for level in levels:
        if level.code == code:
            return level.rank
    raise InvalidRubric(where, f"unknown level {code!r}; known: {[lv.code for lv in levels]}")


def _caps(raw: object, key: str, levels: tuple[Level, ...]) -> tuple[Cap, ...]:
    caps: list[Cap] = []
    for i, item in enumerate(_sequence(raw, key)):
        doc = _mapping(item, f"{key}[{i}]")
        caps.append(
            Cap(
                _share(_get(doc, "min", f"{key}[{i}]"), f"{key}[{i}].min"),
                _rank(_get(doc, "max_level", f"{key}[{i}]"), levels, f"{key}[{i}].max_level"),
            )
        )
    caps.sort(key=lambda cap: cap.minimum, reverse=True)
    if caps[-1].minimum != 0.0:
        raise InvalidRubric(key, "needs an entry with min: 0 so every value has a cap")
    if any(a.max_rank < b.max_rank for a, b in pairwise(caps)):
        raise InvalidRubric(key, "a higher minimum must never allow a lower level")
    return tuple(caps)


def _criterion_of(raw: object, where: str, levels: tuple[Level, ...]) -> Criterion:
    doc = _mapping(raw, where)
    better = _get(doc, "better", where)
    if better not in _BETTER:
        raise InvalidRubric(f"{where}.better", f"must be one of {_BETTER}, got {better!r}")
    table = _mapping(_get(doc, "thresholds", where), f"{where}.thresholds")
    thresholds = sorted(
        (_rank(code, levels, f"{where}.thresholds"), _number(v, f"{where}.thresholds.{code}"))
        for code, v in table.items()
    )
    if not thresholds or thresholds[0][0] == levels[0].rank:
        raise InvalidRubric(
            f"{where}.thresholds", f"need levels above {levels[0].code} (it needs only evidence)"
        )
    values = [v for _, v in thresholds]
    ordered = values == sorted(values) if better == "higher" else values == sorted(values)[::-1]
    if not ordered:
        raise InvalidRubric(f"{where}.thresholds", f"must tighten with the level ({better})")
    return Criterion(
        _text(doc, "indicator", where),
        "higher" if better == "higher" else "lower",
        tuple(thresholds),
        _text(doc, "why", where, default=""),
    )


def _dimension_of(raw: object, i: int, levels: tuple[Level, ...]) -> Dimension:
    where = f"dimensions[{i}]"
    doc = _mapping(raw, where)
    criteria = _sequence(_get(doc, "criteria", where), f"{where}.criteria")
    return Dimension(
        _text(doc, "code", where),
        _text(doc, "name_id", where),
        _text(doc, "name_en", where),
        tuple(_criterion_of(c, f"{where}.criteria[{j}]", levels) for j, c in enumerate(criteria)),
    )


def parse_rubric(document: object) -> Rubric:
    """Validate a parsed rubric document (see ``cityscore/rubrics/``) into a :class:`Rubric`.

    Raises :class:`InvalidRubric` naming the first bad key.
    """
    doc = _mapping(document, "document")
    levels = _levels(_get(doc, "levels", ""))
    quality = _mapping(_get(doc, "quality", ""), "quality")
    ok = _share(_get(quality, "ok", "quality"), "quality.ok")
    partial = _share(_get(quality, "partial", "quality"), "quality.partial")
    if partial > ok:
        raise InvalidRubric("quality", "partial must not be above ok")
    aggregate = _get(doc, "aggregate", "")
    if aggregate not in _AGGREGATES:
        raise InvalidRubric("aggregate", f"must be one of {_AGGREGATES}, got {aggregate!r}")
    dimensions = tuple(
        _dimension_of(d, i, levels)
        for i, d in enumerate(_sequence(_get(doc, "dimensions", ""), "dimensions"))
    )
    if len({d.code for d in dimensions}) != len(dimensions):
        raise InvalidRubric("dimensions", "dimension codes must be unique")
    return Rubric(
        id=_text(doc, "id", ""),
        version=_text(doc, "version", ""),
        status=_text(doc, "status", ""),
        title_id=_text(doc, "title_id", ""),
        title_en=_text(doc, "title_en", ""),
        note_id=_text(doc, "note_id", ""),
        note_en=_text(doc, "note_en", ""),
        levels=levels,
        quality_ok=ok,
        quality_partial=partial,
        uptime_caps=_caps(_get(doc, "uptime_caps", ""), "uptime_caps", levels),
        coverage_caps=_caps(_get(doc, "coverage_caps", ""), "coverage_caps", levels),
        aggregate="min" if aggregate == "min" else "mean",
        dimensions=dimensions,
    )
