"""The cityscore error catalogue: one root, typed leaves, one stable reason code each.

Every leaf carries the offending name and value and says what is wrong with it, so a
dead-letter row or a log line can be read without the code. Leaves that describe a bad
argument also subclass ``ValueError`` so generic callers still catch them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar


class CityscoreError(Exception):
    """Root of every error cityscore raises on purpose."""

    reason: ClassVar[str] = "cityscore_error"


class UnknownName(CityscoreError, ValueError):
    """A name (pollutant, averaging period, zone, …) that no table knows."""

    reason: ClassVar[str] = "unknown_name"
    kind: ClassVar[str] = "name"

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(f"unknown {self.kind} {name!r}; known: {', '.join(self.known)}")


class UnknownPollutant(UnknownName):
    reason: ClassVar[str] = "unknown_pollutant"
    kind: ClassVar[str] = "pollutant"


class UnknownAveraging(UnknownName):
    reason: ClassVar[str] = "unknown_averaging"
    kind: ClassVar[str] = "averaging period"


class UnknownZone(UnknownName):
    reason: ClassVar[str] = "unknown_zone"
    kind: ClassVar[str] = "noise zone"


class UnknownLevelOfService(UnknownName):
    reason: ClassVar[str] = "unknown_level_of_service"
    kind: ClassVar[str] = "level of service"


class UnknownIndicator(UnknownName):
    reason: ClassVar[str] = "unknown_indicator"
    kind: ClassVar[str] = "indicator code"


class InvalidValue(CityscoreError, ValueError):
    """A numeric input that is NaN, infinite, or outside its physical domain."""

    reason: ClassVar[str] = "invalid_value"

    def __init__(self, name: str, value: object, problem: str) -> None:
        self.name = name
        self.value = value
        self.problem = problem
        super().__init__(f"{name} = {value!r}: {problem}")


class InvalidConcentration(InvalidValue):
    """A pollutant concentration that is negative, NaN or infinite."""

    reason: ClassVar[str] = "invalid_concentration"


class OutsideTableRange(CityscoreError, ValueError):
    """A value the requested table does not define (EPA averaging-period rules)."""

    reason: ClassVar[str] = "outside_table_range"

    def __init__(self, pollutant: str, value: float, hint: str) -> None:
        self.pollutant = pollutant
        self.value = value
        self.hint = hint
        super().__init__(f"{pollutant} = {value!r} is outside its table: {hint}")


class MissingInput(CityscoreError, ValueError):
    """An input the computation cannot do without."""

    reason: ClassVar[str] = "missing_input"

    def __init__(self, name: str, why: str) -> None:
        self.name = name
        self.why = why
        super().__init__(f"missing {name}: {why}")


class InvalidSeries(CityscoreError, ValueError):
    """A time series whose shape (length, ordering, time zones) cannot be used."""

    reason: ClassVar[str] = "invalid_series"

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        self.problem = problem
        super().__init__(f"{name}: {problem}")
