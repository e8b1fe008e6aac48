"""`kotacerdas deadletter list | show | replay`: inspect and re-drive dead letters.

``replay`` decodes each chosen letter again with today's registry, units and rules
(``ingest.redrive``), forwards what passes to the reading topics like the bridge does
(``ingest.forward``), and then, per letter, records when it was replayed, by whom and
with what outcome (``dead_letter_replay``, migration 011). In chunks:
  1. decode the chunk's letters (a message that left several letters is decoded once);
  2. send its readings to Kafka and wait until Kafka acknowledged all of them;
  3. record the chunk's outcomes in one transaction.
An interrupted replay therefore leaves the letters of its last chunk unrecorded; running
it again re-sends them, and the aggregator's natural key stores them once. Letters a
replay forwarded are skipped by later replays unless ``--again`` is given.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from kotacerdas.errors import UserFacingError

# Letters decoded, sent and recorded together (one Kafka flush, one transaction).
CHUNK: Final = 500


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "deadletter",
        help="list, show and replay dead letters",
        description="Inspect the dead_letter table and re-drive letters through the "
        "pipeline after a fix (registry, units, rules). Settings: KOTA_DB_*, KOTA_KAFKA_*, "
        "KOTA_REGISTRY_*, KOTA_INGEST_MAX_AGE_S, KOTA_AGG_RETENTION_DAYS.",
    )
    commands = parser.add_subparsers(dest="deadletter_command", metavar="ACTION", required=True)
    listing = commands.add_parser("list", help="list letters (newest last)")
    _filters(listing)
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.set_defaults(handler=_list)
    show = commands.add_parser("show", help="one letter in full, with its replays")
    show.add_argument("id", type=int, help="the letter's id (first column of `list`)")
    show.set_defaults(handler=_show)
    replay = commands.add_parser(
        "replay",
        help="decode letters again and forward what passes now",
        description="Decode the chosen letters again with today's registry, units and "
        "rules, forward what passes to Kafka like live data, and record each letter's "
        "outcome. Exit status 1 when some letters are still refused.",
    )
    _filters(replay)
    replay.add_argument("--dry-run", action="store_true", help="show what would pass; send nothing")
    replay.add_argument(
        "--again", action="store_true", help="include letters an earlier replay forwarded"
    )
    replay.add_argument(
        "--backfill",
        action="store_true",
        help="accept readings older than ingest's late limit (too_old) back to the "
        "retention horizon; their alerts are recorded as historical, not notified",
    )
    replay.add_argument("--limit", type=int, help="at most this many letters")
    replay.set_defaults(handler=_replay)


def _filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--reason",
        action="append",
        default=[],
        help="reason code (repeatable), e.g. unknown_sensor",
    )
    parser.add_argument("--city", help="city slug")
    parser.add_argument("--sensor", help="sensor id")
    parser.add_argument("--source", choices=("ingest", "aggregator"), help="who refused it")
    parser.add_argument("--since", type=_when, help="received at or after (ISO 8601, or 2h, 3d)")
    parser.add_argument("--until", type=_when, help="received before (ISO 8601, or 2h, 3d)")
    parser.add_argument(
        "--id", type=int, action="append", default=[], help="letter id (repeatable)"
    )


def _when(text: str) -> datetime:
    """An ISO 8601 time (UTC when it has no offset), or an age such as 90m, 2h, 3d."""
    units = {"m": 60, "h": 3600, "d": 86_400}
    if text[-1:] in units and text[:-1].isdigit():
        return datetime.now(UTC) - timedelta(seconds=int(text[:-1]) * units[text[-1]])
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time or an age") from None
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _filter(args: argparse.Namespace, **extra: Any) -> Any:
    from ingest.letter_store import LetterFilter

    return LetterFilter(
        reasons=args.reason,
        ids=args.id,
        city=args.city,
        sensor=args.sensor,
        source=args.source,
        since=args.since,
        until=args.until,
        limit=args.limit,
        **extra,
    )


async def _connect(settings: Any) -> Any:
    import psycopg

    try:
        conn = await psycopg.AsyncConnection.connect(settings.db.conninfo(), autocommit=True)
    except psycopg.OperationalError as exc:
        raise UserFacingError(f"database {settings.db.host}:{settings.db.port}: {exc}") from None
    await conn.execute("SET TIME ZONE 'UTC'")
    return conn


def _list(args: argparse.Namespace) -> int:
    from ingest.letter_store import select_letters
    from ingest.recover_settings import RecoverSettings

    async def run() -> list[Any]:
        async with await _connect(RecoverSettings()) as conn:
            return await select_letters(conn, _filter(args))

    found = asyncio.run(run())
    print(f"{'id':>8}  {'received (UTC)':<19}  {'reason':<20} {'source':<10} {'sensor':<16} replay")
    for item in found:
        letter = item.letter
        replayed = (
            f"{item.last_outcome} {item.last_replayed_at:%Y-%m-%d %H:%M}"
            if item.last_outcome
            else "-"
        )
        print(
            f"{letter.id:>8}  {letter.received_at:%Y-%m-%d %H:%M:%S}  {letter.reason:<20} "
            f"{letter.source:<10} {item.sensor_id or '-':<16} {replayed}"
        )
        print(f"{'':>10}{item.message[:110]}")
    print(f"{len(found)} letters", file=sys.stderr)
    return 0


def _show(args: argparse.Namespace) -> int:
    from ingest.letter_store import LetterFilter, replay_history, select_letters
    from ingest.recover_settings import RecoverSettings

    async def run() -> tuple[list[Any], list[Any]]:
        async with await _connect(RecoverSettings()) as conn:
            found = await select_letters(conn, LetterFilter(ids=[args.id]))
            history = await replay_history(conn, args.id) if found else []
            return found, history

    found, history = asyncio.run(run())
    if not found:
        raise UserFacingError(f"no dead letter with id {args.id}", exit_code=1)
    item = found[0]
    letter = item.letter
    fields = {
        "id": letter.id,
        "origin": letter.origin,
        "reason": letter.reason,
        "cause": item.cause,
        "field": letter.field,
        "message": item.message,
        "source": letter.source,
        "mqtt_topic": letter.mqtt_topic,
        "msg_id": item.msg_id,
        "received_at": letter.received_at.isoformat(),
        "payload_bytes": len(letter.payload),
    }
    for name, value in fields.items():
        print(f"{name:>13}: {'-' if value is None else value}")
    try:
        print(f"{'payload':>13}: {letter.payload.decode('utf-8')}")
    except UnicodeDecodeError:
        print(f"{'payload (hex)':>13}: {letter.payload.hex()}")
    for when, who, outcome, reason, message, readings in history:
        print(f"{'replayed':>13}: {when:%Y-%m-%d %H:%M:%S} by {who}: {outcome} ", end="")
        print(f"({readings} readings)" if outcome == "forwarded" else f"{reason}: {message}")
    return 0


def _replay(args: argparse.Namespace) -> int:
    from ingest.recover_settings import RecoverSettings
    from ingest.replay import replay

    settings = RecoverSettings()
    chosen = _filter(args, include_forwarded=args.again)
    summary = asyncio.run(
        replay(settings, chosen, dry_run=args.dry_run, backfill=args.backfill, chunk=CHUNK)
    )
    refused: Counter[str] = summary.refused
    verb = "would forward" if args.dry_run else "forwarded"
    print(
        f"{summary.letters} letters: {summary.forwarded} {verb} "
        f"({summary.readings} readings), {sum(refused.values())} still refused"
        + ("".join(f"; {reason} {n}" for reason, n in refused.most_common()) if refused else "")
    )
    return 1 if refused else 0
