"""The export run: cities × period → files, one manifest line per city-period.

For each selected city, in registry order:

1. choose the period (given, or the previous complete one in the city's calendar);
2. read its inputs in one snapshot, the hourly series streamed into the tallies
   (:func:`build`, :func:`reader.fetch`), and build the document;
3. under the manifest lock: skip when unchanged (same inputs hash, files intact), else
   render every format, write each file atomically, then append the run to the manifest;
4. optionally render the HTML in headless Chromium to a PNG next to it.

A failure of one city is recorded (``failed`` with the reason) and the others go on;
the command exits non-zero if any city failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext, suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cityscore
import kotacerdas
from kotacerdas.export import browser, collect, files, reader, schedule
from kotacerdas.export.assessment import assess
from kotacerdas.export.datafiles import (
    Denominators,
    LoadedRubric,
    load_denominators,
    load_rubric,
)
from kotacerdas.export.errors import ExportError, UnknownCity
from kotacerdas.export.fingerprint import sha256_bytes
from kotacerdas.export.inputs import Inputs
from kotacerdas.export.window import Kind, Period, previous_complete, window


@dataclass(frozen=True)
class ExportRequest:
    cities: Sequence[str] | None
    """City slugs; None for every city in the registry."""
    period: Period | None
    schedule: Kind | None
    now: datetime
    formats: Sequence[str]
    out_dir: Path
    rubric: Path | None = None
    denominators: Path | None = None
    force: bool = False
    screenshot: bool = False


@dataclass(frozen=True)
class Outcome:
    city: str
    period: str
    status: str
    """``written``, ``unchanged`` or ``failed``."""
    files: tuple[Path, ...]
    inputs_sha256: str | None
    seconds: float
    message: str = ""


def run(request: ExportRequest, conninfo: str, say: Callable[[str], None] = print) -> list[Outcome]:
    rubric = load_rubric(request.rubric)
    denominators = load_denominators(request.denominators)
    known = reader.list_cities(conninfo)
    wanted = request.cities
    if wanted is not None:
        missing = sorted(set(wanted) - {slug for slug, _ in known})
        if missing:
            raise UnknownCity(f"unknown city {', '.join(missing)}; known: {[s for s, _ in known]}")
    outcomes = []
    for slug, timezone in known:
        if wanted is not None and slug not in wanted:
            continue
        started = time.monotonic()
        period = request.period or previous_complete(
            request.now, timezone, request.schedule or "month"
        )
        try:
            outcome = _one(request, conninfo, slug, timezone, period, rubric, denominators)
        except ExportError as exc:
            outcome = Outcome(slug, period.label, "failed", (), None, 0.0, str(exc))
            _record(request, outcome, {})
        outcome = _timed(outcome, time.monotonic() - started)
        say(_line(outcome, request.out_dir))
        outcomes.append(outcome)
    return outcomes


def watch(
    request: ExportRequest, conninfo: str, interval_s: float, say: Callable[[str], None] = print
) -> int:
    """Run the schedule now and then every ``interval_s`` until SIGTERM/SIGINT (exit 0).

    Each pass counts from the clock (``request.now`` advanced by the time elapsed), so the
    first pass after a period closes exports it, later passes find it unchanged (or
    rewrite it when late data changed its inputs). A pass that fails for a city is
    recorded and retried at the next pass.

    A signal (KeyboardInterrupt; ``kotacerdas.shutdown`` makes SIGTERM one) stops the
    wait or the pass in progress at once: a pass can take minutes (the lock of another
    exporter, a slow database, Chromium). Cutting a pass short is safe: every file is
    written atomically and its manifest line only after its files, so the next pass
    writes that city-period again.
    """
    skew = request.now - datetime.now(UTC)
    with suppress(KeyboardInterrupt):  # the way out
        while True:
            run(replace(request, now=datetime.now(UTC) + skew), conninfo, say)
            time.sleep(interval_s)
    say("export watch stopped")
    return 0


def _one(
    request: ExportRequest,
    conninfo: str,
    slug: str,
    timezone: str,
    period: Period,
    rubric: LoadedRubric,
    denominators: Denominators,
) -> Outcome:
    document = build(conninfo, slug, timezone, period, rubric, denominators)
    digest = document["provenance"]["inputs_sha256"]
    names = [files.file_name(slug, period.label, fmt) for fmt in request.formats]
    with schedule.locked(request.out_dir):
        if not request.force and schedule.unchanged(
            request.out_dir, slug, period.label, digest, names
        ):
            outcome = Outcome(slug, period.label, "unchanged", (), digest, 0.0)
            _record(request, outcome, {})
            return outcome
        rendered = files.render(document, request.formats)
        for name, data in rendered.items():
            files.write_atomic(request.out_dir / name, data)
        paths = tuple(request.out_dir / name for name in rendered)
        outcome = Outcome(slug, period.label, "written", paths, digest, 0.0)
        _record(request, outcome, {name: sha256_bytes(data) for name, data in rendered.items()})
    if request.screenshot and "html" in request.formats:
        html = request.out_dir / files.file_name(slug, period.label, "html")
        browser.inspect(html, html.with_suffix(".png"))
    return outcome


def build(
    conninfo: str,
    slug: str,
    timezone: str,
    period: Period,
    rubric: LoadedRubric,
    denominators: Denominators,
) -> dict[str, Any]:
    """The document of one city-period, the hourly series streamed into the tallies."""
    made: list[collect.Collectors] = []

    def sinks(meta: Inputs) -> dict[str, collect.Sink]:
        made.append(collect.collectors(meta))
        return made[0].sinks()

    inputs = reader.fetch(conninfo, slug, timezone, window(period, timezone), sinks)
    return assess(inputs, rubric, denominators, made[0])


def _timed(outcome: Outcome, seconds: float) -> Outcome:
    return Outcome(
        outcome.city,
        outcome.period,
        outcome.status,
        outcome.files,
        outcome.inputs_sha256,
        round(seconds, 3),
        outcome.message,
    )


def _record(request: ExportRequest, outcome: Outcome, hashes: dict[str, str]) -> None:
    # "written"/"unchanged" are recorded by _one while it holds the lock already.
    with schedule.locked(request.out_dir) if outcome.status == "failed" else nullcontext():
        schedule.record(
            request.out_dir,
            {
                "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "as_of": request.now.isoformat(timespec="seconds"),
                "mode": f"schedule:{request.schedule}" if request.schedule else "period",
                "city": outcome.city,
                "period": outcome.period,
                "status": outcome.status,
                "inputs_sha256": outcome.inputs_sha256,
                "formats": list(request.formats),
                "files": hashes,
                "software": {
                    "kotacerdas": kotacerdas.__version__,
                    "cityscore": cityscore.__version__,
                },
                "message": outcome.message,
            },
        )


def _line(outcome: Outcome, out_dir: Path) -> str:
    head = f"{outcome.city} {outcome.period}: {outcome.status}"
    if outcome.status == "failed":
        return f"{head} — {outcome.message}"
    names = ", ".join(p.name for p in outcome.files) or "files kept"
    digest = (outcome.inputs_sha256 or "-")[:12]
    return f"{head} ({names} in {out_dir}; inputs {digest}…, {outcome.seconds:.1f} s)"
