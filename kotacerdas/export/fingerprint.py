"""A stable SHA-256 of everything an export read: same data, same hash, same files.

Values are encoded with a type tag and a length, so ``["ab"]`` and ``["a", "b"]`` hash
differently; floats by their IEEE-754 bits (no text formatting in between); long numeric
lists (hourly series) in one packed block each, which keeps a city-year cheap to hash.
Missing values in a numeric list are NaN (rollups never hold NaN: ingest refuses it).
"""

from __future__ import annotations

import hashlib
import struct
from array import array
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Final

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
            try:
                packed = array("d", [_NAN if v is None else v for v in items])  # type: ignore[misc]
            except TypeError:
                packed = None
            if packed is not None:
                self._hash.update(b"a%d:" % len(items) + packed.tobytes())
                return
        self._hash.update(b"l%d:" % len(items))
        for item in items:
            self.add(item)

    def add_rows(self, name: str, rows: Iterable[object]) -> None:
        self.add(name)
        for row in rows:
            self.add(row)
        self.add("end")

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
