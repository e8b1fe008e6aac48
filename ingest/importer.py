"""The import loop of ``kotacerdas import``: files → decode → Kafka, resumable.

For each file, in checkpoints of ``CHECKPOINT`` input lines:
  1. turn lines into messages (``ingest.import_sources``) and decode each with the live
     decoder (``ingest.formats.decode``) under the live limits, except that the late limit
     reaches back to the aggregator's retention horizon (the *backfill path*);
  2. refuse a line whole when any of it is refused (a bad metric, a unit that does not
     convert): a reading is never half-written; the refusal keeps its line number;
  3. send the readings (readings older than the live limit marked ``kota-backfill``) and
     wait until Kafka acknowledged them all;
  4. record the last line done in the file's state file: an interrupted import resumes
     after it. Re-sending a line is harmless anyway: a derived ``msg_id`` and the natural
     key ``(sensor_id, ts)`` make the aggregator store it once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from aggregator.batch import retention_horizon
from ingest.formats import decode
from ingest.forward import Forwarder
from ingest.import_sources import (
    CsvMapping,
    Format,
    Message,
    Refusal,
    csv_rows,
    detect_format,
    json_lines,
    senml_file,
)
from ingest.published_index import PublishedIndexMapping, PublishedRow
from ingest.published_index import parse as parse_published
from ingest.published_index import store as store_published
from ingest.recover_settings import RecoverSettings
from ingest.redrive import backfill_limits
from kotacerdas.contract import Reading
from kotacerdas.reasons import ReasonCode

# Input lines between two Kafka flushes and state-file writes.
CHECKPOINT: Final = 5_000


@dataclass(frozen=True)
class ImportOptions:
    format: Format | None = None
    mapping: CsvMapping | PublishedIndexMapping | None = None
    sensor: str | None = None
    dry_run: bool = False
    restart: bool = False
    state_dir: Path = Path(".kota/import")


@dataclass
class FileRefusal:
    path: Path
    line: int
    reason: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}: {self.message}"


@dataclass
class ImportSummary:
    files: int = 0
    lines: int = 0
    readings: int = 0
    published: int = 0  # rows of published index values (evidence, not readings)
    backfill: int = 0
    skipped_lines: int = 0  # done by an earlier, interrupted run
    refused: list[FileRefusal] = field(default_factory=list)
    first: datetime | None = None
    last: datetime | None = None

    def note(self, reading: Reading) -> None:
        if self.first is None or reading.ts < self.first:
            self.first = reading.ts
        if self.last is None or reading.ts > self.last:
            self.last = reading.ts


def state_path(state_dir: Path, path: Path) -> Path:
    """One state file per input file (its absolute path, size and modification time)."""
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return state_dir / f"{path.name}.{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"


def _done_line(state: Path) -> int:
    try:
        return int(json.loads(state.read_text())["line"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def _write_state(state: Path, path: Path, line: int, done: bool) -> None:
    state.parent.mkdir(parents=True, exist_ok=True)
    tmp = state.with_suffix(".tmp")
    tmp.write_text(json.dumps({"file": str(path.resolve()), "line": line, "done": done}))
    tmp.replace(state)  # atomic: a crash leaves the old state or the new one


def units_of(path: Path, options: ImportOptions, registry: Any) -> Iterator[Message | Refusal]:
    kind = options.format or detect_format(path)
    if kind == "csv":
        if not isinstance(options.mapping, CsvMapping):
            yield Refusal(0, ReasonCode.UNSUPPORTED_FORMAT, "a CSV file needs --mapping")
            return
        yield from csv_rows(path.read_text(encoding="utf-8-sig"), options.mapping, registry)
    elif kind == "senml":
        yield from senml_file(path.read_bytes(), registry, options.sensor)
    else:
        with path.open("rb") as handle:
            yield from json_lines(enumerate(handle, 1), registry, options.sensor)


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


async def import_files(
    settings: RecoverSettings, paths: list[Path], options: ImportOptions, progress: Any
) -> ImportSummary:
    if isinstance(options.mapping, PublishedIndexMapping):
        return await _import_published(settings, paths, options, options.mapping, progress)
    registry = settings.registry.load()
    now = datetime.now(UTC)
    live = settings.ingest.limits()
    horizon = retention_horizon(now, timedelta(days=settings.retention.retention_days))
    limits = backfill_limits(live, now, horizon)
    live_from = now - live.max_age
    summary = ImportSummary()
    forwarder = None if options.dry_run else Forwarder(settings.kafka, f"import:{settings.actor}")
    if forwarder is not None:
        await forwarder.__aenter__()
    failure: BaseException | None = None
    try:
        for path in paths:
            summary.files += 1
            state = state_path(options.state_dir, path)
            done = 0 if options.restart or options.dry_run else _done_line(state)
            task = progress.add_task(f"importing {path.name}", total=count_lines(path))
            progress.update(task, completed=done)
            last_line = done
            since_flush = 0
            for unit in units_of(path, options, registry):
                if unit.line <= done and unit.line > 0:
                    summary.skipped_lines += 1
                    continue
                summary.lines += 1
                if isinstance(unit, Refusal):
                    summary.refused.append(
                        FileRefusal(path, unit.line, unit.reason.value, unit.message)
                    )
                else:
                    refusal = await _one(
                        unit, limits, registry, horizon, live_from, forwarder, summary
                    )
                    if refusal is not None:
                        summary.refused.append(FileRefusal(path, unit.line, *refusal))
                progress.update(task, completed=max(unit.line, last_line))
                last_line = max(unit.line, last_line)
                since_flush += 1
                if since_flush >= CHECKPOINT and forwarder is not None:
                    await forwarder.flush()  # 3. then 4.
                    _write_state(state, path, last_line, done=False)
                    since_flush = 0
            if forwarder is not None:
                await forwarder.flush()
                _write_state(state, path, last_line, done=True)
            progress.update(task, completed=count_lines(path))
    except BaseException as exc:  # Ctrl-C or Kafka: close without flushing, then re-raise
        failure = exc
        raise
    finally:
        if forwarder is not None:
            kind = type(failure) if failure is not None else None
            await forwarder.__aexit__(kind, failure, None)
    return summary


async def _one(
    unit: Message,
    limits: Any,
    registry: Any,
    horizon: datetime,
    live_from: datetime,
    forwarder: Forwarder | None,
    summary: ImportSummary,
) -> tuple[str, str] | None:
    """Decode and send one message; its refusal (reason, message) if any part is refused."""
    result = decode(unit.topic, unit.payload, datetime.now(UTC), registry=registry, limits=limits)
    if result.rejections:  # 2. whole line or nothing
        first = result.rejections[0]
        reason = first.cause or first.reason
        where = f" ({first.field})" if first.field else ""
        return reason.value, first.message + where
    old = [r for r in result.readings if r.ts < horizon]
    if old:
        return ReasonCode.TOO_LATE.value, (
            f"{old[0].ts.isoformat()} is before the retention horizon {horizon.isoformat()}"
        )
    for reading in result.readings:
        backfill = reading.ts < live_from
        summary.readings += 1
        summary.backfill += backfill
        summary.note(reading)
        if forwarder is not None:
            await forwarder.send(reading, backfill=backfill)
    return None


async def _import_published(
    settings: RecoverSettings,
    paths: list[Path],
    options: ImportOptions,
    mapping: PublishedIndexMapping,
    progress: Any,
) -> ImportSummary:
    """Published index values: each file parsed whole, then stored in one transaction."""
    from ingest.deadletter_cli import _connect

    summary = ImportSummary()
    conn = None if options.dry_run else await _connect(settings)
    try:
        for path in paths:
            summary.files += 1
            task = progress.add_task(f"importing {path.name} (published)", total=count_lines(path))
            rows: list[PublishedRow] = []
            for unit in parse_published(path.read_text(encoding="utf-8-sig"), mapping):
                summary.lines += 1
                if isinstance(unit, Refusal):
                    summary.refused.append(
                        FileRefusal(path, unit.line, unit.reason.value, unit.message)
                    )
                else:
                    rows.append(unit)
            if conn is not None and rows:
                await store_published(conn, mapping, rows, path.name)
            summary.published += len(rows)
            progress.update(task, completed=count_lines(path))
    finally:
        if conn is not None:
            await conn.close()
    return summary
