"""A stable SHA-256 of everything an export read: same data, same hash, same files.

Values are encoded with a type tag and a length, so ``["ab"]`` and ``["a", "b"]`` hash
differently; floats by their IEEE-754 bits; long numeric lists (hourly series) in one
packed block each, and many small rows through their exact ``repr`` — which keeps a
city-year cheap to hash. Missing values in a numeric list are NaN (rollups never hold
NaN: ingest refuses it).
"""

from __future__ import annotations

import hashlib
import struct
from array import array
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Final, cast

_NAN: Final = float("nan")


class Fingerprint:
    """Incremental hash of query results."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def add(self, value: object) -> None:
        update = self._hash.update
        if value is None:
            update(b"N")
        elif isinstance(value, bool):
            update(b"T" if value else b"F")
        elif isinstance(value, int):
            update(b"i" + str(value).encode() + b";")
        elif isinstance(value, float):
            update(b"f" + struct.pack("<d", value))
        elif isinstance(value, str):
            raw = value.encode()
            update(b"s%d:" % len(raw) + raw)
        elif isinstance(value, (datetime, date, Decimal)):
            self.add(str(value) if isinstance(value, Decimal) else value.isoformat())
        elif isinstance(value, (list, tuple)):
            self._sequence(value)
        elif isinstance(value, dict):
            update(b"d%d:" % len(value))
            for key in sorted(value):
                self.add(key)
                self.add(value[key])
        else:
            raise TypeError(f"cannot fingerprint {type(value).__name__}")

    def _sequence(self, items: list[object] | tuple[object, ...]) -> None:
        if items and all(isinstance(v, (int, float)) or v is None for v in items[:8]):
            packed = _packed(items)
            if packed is not None:
                self._hash.update(b"a%d:" % len(items) + packed)
                return
        self._hash.update(b"l%d:" % len(items))
        for item in items:
            self.add(item)

    def add_rows(self, name: str, rows: Sequence[object]) -> None:
        """Rows of plain values (text, numbers, dates): hashed through their ``repr``.

        ``repr`` of floats is the shortest exact round-trip form and of dates a fixed
        format, so it is as faithful as the per-value encoding and much faster for many
        small rows. Timestamps must come in one time zone (the export sets UTC).
        """
        self.add(name)
        self.add(len(rows))
        self._hash.update(repr(list(rows)).encode())

    def add_series(self, name: str, rows: Sequence[Sequence[object]]) -> None:
        """Rows whose long numeric lists are packed as doubles (see :meth:`add`)."""
        self.add(name)
        self.add(len(rows))
        for row in rows:
            for value in row:
                self.add(value)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def _packed(items: list[object] | tuple[object, ...]) -> bytes | None:
    """IEEE-754 doubles of a numeric list (None as NaN); None if it is not numeric."""
    numbers = cast("Sequence[float]", items)
    try:
        return array("d", numbers).tobytes()  # C speed when nothing is missing
    except TypeError:
        pass
    try:
        return array("d", [_NAN if v is None else v for v in numbers]).tobytes()
    except TypeError:
        return None


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@cache
def code_sha256() -> str:
    """Hash of the code that computes and renders figures (cityscore and this package).

    Part of the inputs hash, so a scheduled run rewrites files after a code change even
    when the version number did not move (development, patched deployments).
    """
    import cityscore
    import kotacerdas.export

    digest = hashlib.sha256()
    for package in (cityscore, kotacerdas.export):
        root = Path(str(package.__file__)).parent
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".yaml", ".json") and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(root.parent)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()
