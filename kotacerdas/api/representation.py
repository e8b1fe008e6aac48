"""Representations: JSON bytes, CSV lines, and the caching headers of a response (pure).

One JSON encoder for every resource (datetimes as RFC 3339, NaN never sent: JSON has
none), one CSV dialect for downloads (RFC 4180: CRLF line ends, quoted as needed).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final

#: Cache lifetimes (seconds) by how fast a resource changes: the registry rarely,
#: indicators every 5-minute window, alerts as they open and close.
MAX_AGE: Final = {"registry": 300, "latest": 30, "series": 60, "alerts": 30, "page": 60}


def plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    return value


def _default(value: Any) -> Any:
    converted = plain(value)
    if converted is value:
        raise TypeError(f"cannot encode {type(value).__name__}")
    return converted


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return plain(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def to_json(payload: Any) -> bytes:
    return json.dumps(
        _clean(payload), default=_default, ensure_ascii=False, separators=(",", ":")
    ).encode()


def record(columns: Sequence[str], row: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(columns, row, strict=True))


def cache_control(kind: str | None) -> str:
    """Public resources may be cached by anyone for their lifetime; others by no one."""
    if kind is None:
        return "private, no-store"
    return f"public, max-age={MAX_AGE[kind]}"


def csv_lines(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """The header, then one CRLF-terminated line per row (RFC 4180)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else plain(v) for v in row])
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def json_lines(
    head: dict[str, Any], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Iterator[bytes]:
    """``{...head, "data": [row, ...]}`` written as the rows arrive."""
    opening = to_json(head)[:-1] + (b',"data":[' if head else b'"data":[')
    yield opening
    first = True
    for row in rows:
        yield (b"" if first else b",") + to_json(record(columns, row))
        first = False
    yield b"]}"
