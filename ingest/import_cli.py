"""`kotacerdas import PATH…`: load history (native JSON lines, SenML packs, mapped CSV).

Readings keep their own event times and go through Kafka and the aggregator like live
data (``ingest/importer.py``); older than ingest's live limit (``KOTA_INGEST_MAX_AGE_S``,
7 days) but inside retention they take the backfill path: accepted, marked, and their
alerts recorded as historical without live notifications (aggregator/README.md,
"Recovery"). Rollups and indicators of the imported range are recomputed as for late data.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Final

from kotacerdas.errors import UserFacingError

MAPPINGS_DIR: Final = Path(__file__).with_name("mappings")
# Refusals printed one by one; the rest are counted.
SHOWN_REFUSALS: Final = 200


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import",
        help="import history: JSON lines, SenML packs, CSV with a mapping",
        description="Import readings with their own event times through the live pipeline. "
        "Formats: native v1 JSON lines, SenML (RFC 8428) JSON packs, CSV with a column "
        f"mapping (--mapping FILE or a shipped name: {', '.join(_shipped())}). "
        "A refused line is reported with its number and reason and the rest imports; "
        "the exit status is 1 when any line was refused. Resumable: an interrupted run "
        "continues after the last line Kafka acknowledged (state in --state-dir).",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument("--format", choices=("jsonl", "senml", "csv"), help="default: by content")
    parser.add_argument("--mapping", help="CSV column mapping: a YAML file or a shipped name")
    parser.add_argument("--sensor", help="the station of SenML packs whose bn names none")
    parser.add_argument("--dry-run", action="store_true", help="decode and report; send nothing")
    parser.add_argument("--restart", action="store_true", help="ignore the resume state")
    parser.add_argument(
        "--state-dir", type=Path, default=Path(".kota/import"), help="resume state files"
    )
    parser.set_defaults(handler=_import)


def _shipped() -> list[str]:
    return sorted(p.stem for p in MAPPINGS_DIR.glob("*.yaml"))


def _mapping(name: str | None):  # type: ignore[no-untyped-def]
    if name is None:
        return None
    from pydantic import ValidationError

    from ingest.import_sources import load_mapping

    path = Path(name)
    if not path.exists() and (MAPPINGS_DIR / f"{name}.yaml").exists():
        path = MAPPINGS_DIR / f"{name}.yaml"
    try:
        return load_mapping(path)
    except OSError as exc:
        raise UserFacingError(f"--mapping {name}: {exc}") from None
    except ValidationError as exc:
        raise UserFacingError(f"--mapping {name}: {exc}") from None


def _import(args: argparse.Namespace) -> int:
    from rich.console import Console

    from ingest.importer import ImportOptions, import_files
    from ingest.recover_settings import RecoverSettings
    from kotacerdas.progress import progress_display

    missing = [str(p) for p in args.paths if not p.is_file()]
    if missing:
        raise UserFacingError(f"no such file: {', '.join(missing)}")
    options = ImportOptions(
        format=args.format,
        mapping=_mapping(args.mapping),
        sensor=args.sensor,
        dry_run=args.dry_run,
        restart=args.restart,
        state_dir=args.state_dir,
    )
    settings = RecoverSettings()
    console = Console(stderr=True)
    with progress_display(console) as progress:
        summary = asyncio.run(import_files(settings, list(args.paths), options, progress))
    for refusal in summary.refused[:SHOWN_REFUSALS]:
        print(refusal, file=sys.stderr)
    if len(summary.refused) > SHOWN_REFUSALS:
        print(f"… and {len(summary.refused) - SHOWN_REFUSALS} more", file=sys.stderr)
    span = (
        f", {summary.first:%Y-%m-%d %H:%M} to {summary.last:%Y-%m-%d %H:%M} UTC"
        if summary.first and summary.last
        else ""
    )
    verb = "would import" if args.dry_run else "imported"
    published = (
        f"{summary.published} published index rows stored as evidence; "
        if summary.published
        else ""
    )
    resumed = (
        f"; {summary.skipped_lines} lines done before (resumed)" if summary.skipped_lines else ""
    )
    print(
        f"{verb} {summary.readings} readings ({summary.backfill} backfill) from "
        f"{summary.lines} lines of {summary.files} files{span}; {published}"
        f"{len(summary.refused)} lines refused{resumed}"
    )
    return 1 if summary.refused else 0
