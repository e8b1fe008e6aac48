"""The replay loop of ``kotacerdas deadletter replay`` (steps in ``ingest/deadletter_cli.py``)."""

from __future__ import annotations

import sys
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aggregator.batch import retention_horizon
from ingest.forward import Forwarder
from ingest.letter_store import (
    LetterFilter,
    ListedLetter,
    record_outcomes,
    select_letters,
    stored_revision,
)
from ingest.recover_settings import RecoverSettings
from ingest.redrive import Redrive, redrive
from kotacerdas.contract import Reading

Outcome = tuple[int, str, str, str | None, str | None, int]


@dataclass
class ReplaySummary:
    letters: int = 0
    forwarded: int = 0
    readings: int = 0
    refused: Counter[str] = field(default_factory=Counter)


async def replay(
    settings: RecoverSettings,
    chosen: LetterFilter,
    *,
    dry_run: bool,
    backfill: bool,
    chunk: int,
) -> ReplaySummary:
    from rich.console import Console

    from ingest.deadletter_cli import _connect
    from kotacerdas.progress import progress_display

    registry = settings.registry.load()
    limits = settings.ingest.limits()
    horizon = retention_horizon(
        datetime.now(UTC), timedelta(days=settings.retention.retention_days)
    )
    actor = f"replay:{settings.actor}"
    summary = ReplaySummary()
    console = Console(stderr=True)
    async with AsyncExitStack() as stack:
        conn = await stack.enter_async_context(await _connect(settings))
        letters = await select_letters(conn, chosen)
        forwarder = (
            None if dry_run else await stack.enter_async_context(Forwarder(settings.kafka, actor))
        )
        with progress_display(console) as progress:
            task = progress.add_task("replaying dead letters", total=len(letters))
            for start in range(0, len(letters), chunk):
                part = letters[start : start + chunk]
                outcomes = await _replay_chunk(
                    conn, part, forwarder, registry, horizon, limits, backfill, actor, summary
                )
                if dry_run:
                    for line in _dry_lines(part, outcomes):
                        print(line)
                else:
                    await record_outcomes(conn, outcomes)
                progress.update(task, advance=len(part))
    return summary


async def _replay_chunk(
    conn: Any,
    part: list[ListedLetter],
    forwarder: Forwarder | None,
    registry: Any,
    horizon: datetime,
    limits: Any,
    backfill: bool,
    actor: str,
    summary: ReplaySummary,
) -> list[Outcome]:
    # 1. decode (once per message: one message can leave several letters)
    decoded: dict[tuple[str | None, bytes, datetime], Redrive] = {}
    sent: set[tuple[str | None, bytes, datetime]] = set()
    outcomes: list[Outcome] = []
    for item in part:
        letter = item.letter
        key = (letter.mqtt_topic, letter.payload, letter.received_at)
        if key not in decoded:
            decoded[key] = redrive(letter, registry, horizon, limits=limits, backfill=backfill)
        found = decoded[key]
        summary.letters += 1
        if found.refusal is not None:
            reason = found.refusal.reason.value
            summary.refused[reason] += 1
            outcomes.append((letter.id, actor, "refused", reason, found.refusal.message, 0))
            continue
        # 2. send (the readings of a message once, even if it left several letters)
        summary.forwarded += 1
        if key not in sent:
            sent.add(key)
            summary.readings += len(found.readings)
            if forwarder is not None:
                for reading in found.readings:
                    if found.correction:
                        reading = await _next_revision(conn, reading)
                    await forwarder.send(reading, backfill=backfill)
        outcomes.append((letter.id, actor, "forwarded", None, None, len(found.readings)))
    if forwarder is not None:
        await forwarder.flush()  # 3. the caller records only what Kafka holds
    return outcomes


async def _next_revision(conn: Any, reading: Reading) -> Reading:
    """A reading whose message was stored in part replaces it: the next revision."""
    current = await stored_revision(conn, reading.domain, reading.sensor_id, reading.ts)
    return reading.model_copy(update={"revision": current + 1})


def _dry_lines(part: list[ListedLetter], outcomes: list[Outcome]) -> list[str]:
    lines = []
    for item, (letter_id, _, outcome, reason, message, readings) in zip(
        part, outcomes, strict=True
    ):
        was = item.letter.reason
        if outcome == "forwarded":
            lines.append(f"{letter_id:>8}  {was:<20} -> would forward {readings} readings")
        else:
            lines.append(f"{letter_id:>8}  {was:<20} -> still refused: {reason}: {message}")
    if not lines:
        print("no letters match", file=sys.stderr)
    return lines
