"""Run records: a JSON Lines manifest in the output folder, and the idempotence rule.

The exporter has only the reader role, so it records its runs next to its files, not in
the database. Every run appends one line (``written``, ``unchanged`` or ``failed``).
A city-period is *unchanged* — and not written again — when its latest written run has
the same inputs hash (data, rubric, denominators, software), covers the requested
formats, and every file still exists with the recorded SHA-256. Late data changes the
hash, so the next scheduled run rewrites the files and says so.

Concurrent exporters (a CronJob retried while the first run is still going) are
serialised by an exclusive lock on the manifest.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from kotacerdas.export.fingerprint import sha256_bytes

MANIFEST: Final = "export-runs.jsonl"
_LOCK: Final = ".export-runs.lock"


@contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / _LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def runs(out_dir: Path) -> list[dict[str, Any]]:
    path = out_dir / MANIFEST
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def record(out_dir: Path, run: Mapping[str, Any]) -> None:
    with (out_dir / MANIFEST).open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(run, ensure_ascii=False, sort_keys=True) + "\n")


def unchanged(
    out_dir: Path, city: str, period: str, inputs_sha256: str, names: Iterable[str]
) -> bool:
    written = [
        r for r in runs(out_dir)
        if r.get("city") == city and r.get("period") == period and r.get("status") == "written"
    ]  # fmt: skip
    if not written or written[-1].get("inputs_sha256") != inputs_sha256:
        return False
    files: dict[str, str] = written[-1].get("files", {})
    for name in names:
        path = out_dir / name
        if name not in files or not path.exists() or sha256_bytes(path.read_bytes()) != files[name]:
            return False
    return True
