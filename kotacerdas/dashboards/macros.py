"""Expand a panel's SQL the way Grafana does before it reaches PostgreSQL (pure; no I/O).

Grafana rewrites a PostgreSQL query in three passes, and so does :func:`expand`:

1. the browser's template service replaces template variables (``$city``, ``${city}``,
   ``[[city]]``, ``${district:sqlstring}``) and the built-ins it scopes to the request
   (``$__interval``, ``$__interval_ms``, ``$__from``, ``$__to``, ``$__range_s``…);
   names it does not know, such as ``$__timeFilter``, stay as they are. Without a
   ``:format`` the SQL data source's own rule applies: a single value is inserted with
   ``'`` doubled, a multi-value or "All" variable as quoted literals joined by ``,``
   (grafana-sql ``SqlDatasource.interpolateVariable``);
2. the SQL engine's global substitutions (``sqleng.Interpolate``): ``$__interval_ms``,
   ``$__interval``, ``$__unixEpochFrom()``, ``$__unixEpochTo()``;
3. the PostgreSQL macro engine (``grafana-postgresql-datasource/macros.go``), e.g.
   ``$__timeFilter(c)`` → ``c BETWEEN '<from>' AND '<to>'`` (RFC 3339, UTC),
   ``$__timeGroup(c, 5m)`` → ``floor(extract(epoch from c)/300)*300`` (or TimescaleDB's
   ``time_bucket('300.000s',c)``), ``$__timeGroupAlias`` adds ``AS "time"``.

Documented in Grafana's "PostgreSQL query editor" page (Macros; Templates and
variables) and the "Variable syntax" / "Advanced variable format options" pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

__all__ = ["MacroError", "TimeRange", "Variable", "expand", "format_interval", "parse_interval"]


class MacroError(ValueError):
    """A macro or variable Grafana itself would refuse (Grafana answers ``macro_error()``)."""


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime

    @classmethod
    def last(cls, span: timedelta, now: datetime | None = None) -> TimeRange:
        end = now or datetime.now(UTC)
        return cls(end - span, end)


@dataclass(frozen=True)
class Variable:
    """A template variable's current value(s); ``multi`` for multi-value or "All"."""

    values: tuple[str, ...]
    multi: bool = False
    texts: tuple[str, ...] = field(default=())

    @classmethod
    def single(cls, value: str) -> Variable:
        return cls((value,))


# --- pass 1: template variables (public/app/features/templating/template_srv.ts) -----
_VARIABLE = re.compile(
    r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}"
)


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_FORMATS: dict[str, Callable[[Sequence[str]], str]] = {
    "sqlstring": lambda vs: ",".join(_quote_literal(v) for v in vs),
    "csv": ",".join,
    "raw": ",".join,
    "pipe": "|".join,
    "singlequote": lambda vs: ",".join("'" + v.replace("'", "\\'") + "'" for v in vs),
    "doublequote": lambda vs: ",".join('"' + v.replace('"', '\\"') + '"' for v in vs),
}


def _sql_default(variable: Variable) -> str:
    if variable.multi:
        return ",".join(_quote_literal(v) for v in variable.values)
    return variable.values[0].replace("'", "''") if variable.values else ""


def _format(variable: Variable, fmt: str | None) -> str:
    if fmt is None:
        return _sql_default(variable)
    if fmt == "text":
        return ",".join(variable.texts or variable.values)
    if fmt not in _FORMATS:
        raise MacroError(f"unknown variable format {fmt!r}")
    return _FORMATS[fmt](variable.values)


def interpolate_variables(sql: str, variables: Mapping[str, Variable]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2) or match.group(4)
        fmt = match.group(3) or match.group(6)
        if name not in variables:
            return match.group(0)  # not a variable: a macro, or a literal "$"
        return _format(variables[name], fmt)

    return _VARIABLE.sub(replace, sql)


def builtin_variables(time_range: TimeRange, interval: timedelta) -> dict[str, Variable]:
    """What the dashboard scopes to every request (``$__interval`` & co)."""
    start_ms = int(time_range.start.timestamp() * 1000)
    end_ms = int(time_range.end.timestamp() * 1000)
    values = {
        "__interval": format_interval(interval),
        "__interval_ms": str(int(interval / timedelta(milliseconds=1))),
        "__from": str(start_ms),
        "__to": str(end_ms),
        "__range_ms": str(end_ms - start_ms),
        "__range_s": str((end_ms - start_ms) // 1000),
        "__range": format_interval(time_range.end - time_range.start),
    }
    return {name: Variable.single(value) for name, value in values.items()}


# --- interval syntax (grafana-plugin-sdk-go backend/gtime) -----------------------------
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_INTERVAL = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)")


def parse_interval(text: str) -> timedelta:
    text = text.strip().strip("'")
    parts = _INTERVAL.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise MacroError(f"error parsing interval {text}")
    return timedelta(seconds=sum(float(n) * _UNITS[u] for n, u in parts))


def format_interval(interval: timedelta) -> str:
    """Largest whole unit, like gtime.FormatInterval: 90 s → ``1m``, 300 s → ``5m``."""
    ms = int(interval / timedelta(milliseconds=1))
    for unit in ("y", "d", "h", "m", "s"):
        size = int(_UNITS[unit] * 1000)
        if ms >= size:
            return f"{ms // size}{unit}"
    return f"{max(ms, 1)}ms"


# --- passes 2 and 3: the backend (sqleng.Interpolate, postgres macros.go) --------------
_MACRO = re.compile(r"\$([_a-zA-Z0-9]+)\(([^)]*)\)")


def _rfc3339(moment: datetime) -> str:
    """Go's time.RFC3339Nano in UTC: fractional seconds without trailing zeros."""
    utc = moment.astimezone(UTC)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    if utc.microsecond:
        text += ("." + f"{utc.microsecond:06d}").rstrip("0")
    return text + "Z"


def _go_number(value: float) -> str:
    """Go's ``%v`` for a float64: ``300`` not ``300.0``."""
    return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)


@dataclass(frozen=True)
class _Engine:
    time_range: TimeRange
    timescaledb: bool

    def group(self, args: list[str], epoch: bool) -> str:
        if len(args) < 2:
            raise MacroError("macro needs time column and interval and optional fill value")
        seconds = parse_interval(args[1]).total_seconds()
        if len(args) == 3:
            _check_fill(args[2])
        if epoch:
            return f"floor(({args[0]})/{_go_number(seconds)})*{_go_number(seconds)}"
        if self.timescaledb:
            return f"time_bucket('{seconds:.3f}s',{args[0]})"
        return f"floor(extract(epoch from {args[0]})/{_go_number(seconds)})*{_go_number(seconds)}"

    def evaluate(self, name: str, args: list[str]) -> str:
        start, end = self.time_range.start, self.time_range.end
        column = args[0] if args and args[0] else None
        needs_column = {
            "__time",
            "__timeEpoch",
            "__timeFilter",
            "__unixEpochFilter",
            "__unixEpochNanoFilter",
        }
        if name in needs_column and column is None:
            raise MacroError(f"missing time column argument for macro {name}")
        s_epoch, e_epoch = int(start.timestamp()), int(end.timestamp())
        s_ns, e_ns = _nanos(start), _nanos(end)
        simple: dict[str, Callable[[], str]] = {
            "__time": lambda: f'{column} AS "time"',
            "__timeEpoch": lambda: f'extract(epoch from {column}) as "time"',
            "__timeFilter": lambda: f"{column} BETWEEN '{_rfc3339(start)}' AND '{_rfc3339(end)}'",
            "__timeFrom": lambda: f"'{_rfc3339(start)}'",
            "__timeTo": lambda: f"'{_rfc3339(end)}'",
            "__timeGroup": lambda: self.group(args, epoch=False),
            "__timeGroupAlias": lambda: self.group(args, epoch=False) + ' AS "time"',
            "__unixEpochFilter": lambda: f"{column} >= {s_epoch} AND {column} <= {e_epoch}",
            "__unixEpochNanoFilter": lambda: f"{column} >= {s_ns} AND {column} <= {e_ns}",
            "__unixEpochNanoFrom": lambda: str(s_ns),
            "__unixEpochNanoTo": lambda: str(e_ns),
            "__unixEpochGroup": lambda: self.group(args, epoch=True),
            "__unixEpochGroupAlias": lambda: self.group(args, epoch=True) + ' AS "time"',
        }
        if name not in simple:
            raise MacroError(f"unknown macro {name!r}")
        return simple[name]()


def _nanos(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000_000 + moment.microsecond * 1000


def _check_fill(fill: str) -> None:
    if fill in ("NULL", "previous"):
        return
    try:
        float(fill)
    except ValueError:
        raise MacroError(f"error parsing fill value {fill}") from None


def expand_macros(
    sql: str, time_range: TimeRange, interval: timedelta, timescaledb: bool = False
) -> str:
    """Passes 2 and 3 (what the Grafana server does with the query it receives)."""
    sql = sql.replace("$__interval_ms", str(int(interval / timedelta(milliseconds=1))))
    sql = sql.replace("$__interval", format_interval(interval))
    sql = sql.replace("$__unixEpochFrom()", str(int(time_range.start.timestamp())))
    sql = sql.replace("$__unixEpochTo()", str(int(time_range.end.timestamp())))
    engine = _Engine(time_range, timescaledb)
    parts: list[str] = []
    last = 0
    for match in _MACRO.finditer(sql):
        name = match.group(1)
        # Pre-5.3 dashboards: "$__timeGroup(...)," in a select list meant the alias form.
        if name == "__timeGroup" and sql[match.end() : match.end() + 1] == ",":
            name = "__timeGroupAlias"
        args = [arg.strip(" ") for arg in match.group(2).split(",")]
        parts.append(sql[last : match.start()] + engine.evaluate(name, args))
        last = match.end()
    return "".join(parts) + sql[last:]


def expand(
    sql: str,
    time_range: TimeRange,
    variables: Mapping[str, Variable],
    interval: timedelta = timedelta(minutes=1),
    timescaledb: bool = False,
) -> str:
    """All three passes: the SQL PostgreSQL finally receives from Grafana."""
    scoped = {**builtin_variables(time_range, interval), **variables}
    return expand_macros(interpolate_variables(sql, scoped), time_range, interval, timescaledb)
