"""The ground-truth file: JSON Lines, one record per line (a contract for tests and benches).

Record kinds, in file order:
* ``run`` (first line): the parameters and the solved time model;
* ``scenario``: name, city, district, sensor_ids, start, end (UTC RFC 3339);
* ``message``: one per MQTT publish actually handed to the broker connection — msg_id,
  sensor_id, city, domain, topic, format (the ``source_format`` ingest will report), variant,
  valid, fault, expected_reason, ts (event time as sent, UTC), seq (native only), metrics (what
  ingest should store, canonical units; null when invalid), interval_s (traffic), sent_at
  (wall-clock epoch seconds), and ``duplicate_of``/``malformed`` where they apply;
* ``gap``: a dropout — sensor_id, from, to (event times not sent), missed (readings);
* ``summary`` (last line): counts of what was sent and acknowledged.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import msgspec

_encode = msgspec.json.Encoder().encode


class TruthWriter:
    """Appends records to one file; ``None`` path = count only (no file)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: IO[bytes] | None = path.open("wb", buffering=1 << 20) if path else None

    def write(self, record: dict[str, Any]) -> None:
        if self._file is not None:
            self._file.write(_encode(record) + b"\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def read_truth(path: Path) -> list[dict[str, Any]]:
    """All records of a truth file (tests and benchmarks)."""
    decode = msgspec.json.Decoder().decode
    with path.open("rb") as f:
        return [decode(line) for line in f if line.strip()]
