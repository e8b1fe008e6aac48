"""SensorThings ``$filter`` and ``$orderby`` for Observations, to SQL (pure).

The subset (OGC 18-088 §9.3.3.5, OData 4.0 URL conventions §5.1.1): comparisons
``eq ne gt ge lt le`` of ``phenomenonTime`` or ``result`` with a literal, combined
with ``and``, ``or``, ``not`` and parentheses. Literals: numbers, and DateTimeOffset
written unquoted (``2015-11-10T12:00:00.000Z``, as in the spec's examples) or quoted.
Anything else is refused naming the token, never approximated. Properties map to
columns through a fixed table, so no input reaches the SQL text: values become
``%(fN)s`` parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

#: Property → SQL column of the observation query, and the literal type it compares to.
PROPERTIES: Final = {"phenomenonTime": ("ts", "time"), "resultTime": ("ts", "time"),
                     "result": ("value", "number")}  # fmt: skip
OPERATORS: Final = {"eq": "=", "ne": "<>", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
#: Longest filter text and deepest nesting accepted (bounded work on hostile input).
MAX_LENGTH: Final = 1000
MAX_DEPTH: Final = 20

_TOKEN = re.compile(
    r"\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<time>\d{4}-\d\d-\d\dT[0-9:.]+(?:Z|[+-]\d\d:\d\d))"
    r"|'(?P<str>[^']*)'|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<word>[A-Za-z]+))"
)


class FilterError(ValueError):
    """Why a ``$filter`` or ``$orderby`` was refused."""


@dataclass
class Compiled:
    sql: str
    params: dict[str, Any] = field(default_factory=dict)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise FilterError(f"unexpected text at position {pos}: {text[pos : pos + 20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        if len(text) > MAX_LENGTH:
            raise FilterError(f"$filter is longer than {MAX_LENGTH} characters")
        self.tokens = _tokens(text)
        self.pos = 0
        self.params: dict[str, Any] = {}

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FilterError("$filter ends too early")
        self.pos += 1
        return token

    def parse(self) -> str:
        sql = self.disjunction(0)
        if self.peek() is not None:
            raise FilterError(f"unexpected {self.peek()[1]!r}")  # type: ignore[index]
        return sql

    def disjunction(self, depth: int) -> str:
        parts = [self.conjunction(depth)]
        while self.peek() == ("word", "or"):
            self.take()
            parts.append(self.conjunction(depth))
        return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"

    def conjunction(self, depth: int) -> str:
        parts = [self.unary(depth)]
        while self.peek() == ("word", "and"):
            self.take()
            parts.append(self.unary(depth))
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

    def unary(self, depth: int) -> str:
        if depth > MAX_DEPTH:
            raise FilterError(f"$filter nests deeper than {MAX_DEPTH}")
        token = self.peek()
        if token == ("word", "not"):
            self.take()
            return f"NOT ({self.unary(depth + 1)})"
        if token == ("lp", "("):
            self.take()
            inner = self.disjunction(depth + 1)
            if self.take() != ("rp", ")"):
                raise FilterError("missing ')'")
            return f"({inner})"
        return self.comparison()

    def comparison(self) -> str:
        kind, name = self.take()
        if kind != "word" or name not in PROPERTIES:
            raise FilterError(
                f"{name!r}: only {', '.join(PROPERTIES)} can be filtered on Observations"
            )
        column, literal_type = PROPERTIES[name]
        kind, op = self.take()
        if kind != "word" or op not in OPERATORS:
            raise FilterError(f"{op!r} is not one of {', '.join(OPERATORS)}")
        value = self.literal(literal_type, name)
        key = f"f{len(self.params)}"
        self.params[key] = value
        return f"{column} {OPERATORS[op]} %({key})s"

    def literal(self, literal_type: str, name: str) -> Any:
        kind, text = self.take()
        if literal_type == "number":
            if kind != "num":
                raise FilterError(f"{name} compares with a number, not {text!r}")
            number = float(text)
            if number != number or number in (float("inf"), float("-inf")):
                raise FilterError(f"{text!r} is not a finite number")
            return number
        if kind not in ("time", "str"):
            raise FilterError(f"{name} compares with a time such as 2026-11-28T08:00:00Z")
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise FilterError(f"{text!r} is not an ISO 8601 time") from None
        if moment.tzinfo is None or not 1970 <= moment.year < 2200:
            raise FilterError(f"{text!r} needs a UTC offset and a year in 1970–2199")
        return moment


def compile_filter(text: str | None) -> Compiled:
    """``$filter`` → a SQL condition with parameters (``TRUE`` when absent)."""
    if text is None or not text.strip():
        return Compiled("TRUE")
    parser = _Parser(text)
    return Compiled(parser.parse(), parser.params)


#: ``$orderby`` properties of Observations → columns.
ORDERABLE: Final = {"phenomenonTime": "ts", "resultTime": "ts", "result": "value",
                    "id": "ts"}  # fmt: skip


def compile_orderby(text: str | None, default: str = "ts DESC") -> str:
    """``phenomenonTime desc, result`` → ``ts DESC, value ASC`` (fixed columns only)."""
    if text is None or not text.strip():
        return default
    parts = []
    for item in text.split(","):
        words = item.split()
        if not words or len(words) > 2 or words[0] not in ORDERABLE:
            raise FilterError(f"cannot order by {item.strip()!r}; use {', '.join(ORDERABLE)}")
        direction = words[1].lower() if len(words) == 2 else "asc"
        if direction not in ("asc", "desc"):
            raise FilterError(f"{words[1]!r} is not asc or desc")
        parts.append(f"{ORDERABLE[words[0]]} {direction.upper()}")
    return ", ".join(parts)
