"""`kotacerdas export`: maturity assessment files per city and period (reader role only).

    kotacerdas export --city jakarta --period 2026-10 --format csv,json,xlsx,html --out DIR
    kotacerdas export --city all --schedule monthly --out DIR      # previous month, idempotent

The database connection is the reader's (``KOTA_READER_DB_*``); runs are recorded in
``DIR/export-runs.jsonl``.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from kotacerdas.export.files import FORMATS
    from kotacerdas.export.window import SCHEDULES

    export = subparsers.add_parser(
        "export",
        help="ISO 37122/37120 evidence and maturity levels per city and period",
        description="Write the maturity assessment of a city and period as CSV, JSON, XLSX "
        "and a bilingual HTML report, reading only the kota_reader views. --schedule "
        "exports the previous complete period in each city's time zone (run it daily or on "
        "the 1st). A city-period whose inputs and files did not change is not written again "
        "(--force rewrites it); every run is recorded in OUT/export-runs.jsonl.",
    )
    export.add_argument("--city", default="all", help="city slug(s), comma-separated, or 'all'")
    when = export.add_mutually_exclusive_group(required=True)
    when.add_argument("--period", help="2026-10 (month), 2026-Q4 (quarter) or 2026 (year)")
    when.add_argument("--schedule", choices=sorted(SCHEDULES), help="previous complete period")
    export.add_argument(
        "--format", default=",".join(FORMATS), help=f"comma-separated: {','.join(FORMATS)}"
    )
    export.add_argument("--out", type=Path, default=Path("exports"), help="output folder")
    export.add_argument("--now", help="ISO time the schedule counts from (default: now)")
    export.add_argument("--rubric", type=Path, help="maturity rubric YAML (default: ours)")
    export.add_argument("--denominators", type=Path, help="city inventories YAML")
    export.add_argument("--force", action="store_true", help="write even if unchanged")
    export.add_argument(
        "--screenshot", action="store_true", help="also render the HTML to PNG (Chromium)"
    )
    export.add_argument(
        "--watch",
        action="store_true",
        help="with --schedule: stay running and check again every --watch-interval seconds "
        "(for a long-running container; a CronJob runs without it)",
    )
    export.add_argument("--watch-interval", type=float, default=3600.0, metavar="SECONDS")
    export.set_defaults(handler=_export)


def _export(args: argparse.Namespace) -> int:
    from kotacerdas.errors import UserFacingError
    from kotacerdas.export.files import FORMATS
    from kotacerdas.export.runner import ExportRequest, run, watch
    from kotacerdas.export.window import SCHEDULES, parse
    from kotacerdas.settings import ReaderDatabaseSettings

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise UserFacingError(f"--format {args.format!r}: choose from {', '.join(FORMATS)}")
    try:
        now = datetime.fromisoformat(args.now) if args.now else datetime.now(UTC)
    except ValueError:
        raise UserFacingError(f"--now {args.now!r} is not an ISO 8601 time") from None
    cities = None if args.city == "all" else [c.strip() for c in args.city.split(",") if c.strip()]
    if args.watch and not args.schedule:
        raise UserFacingError("--watch needs --schedule (a fixed --period is exported once)")
    if args.watch_interval < 60:
        raise UserFacingError(f"--watch-interval {args.watch_interval} s: at least 60 s")
    request = ExportRequest(
        cities=cities,
        period=parse(args.period) if args.period else None,
        schedule=SCHEDULES[args.schedule] if args.schedule else None,
        now=now,
        formats=tuple(dict.fromkeys(formats)),
        out_dir=args.out,
        rubric=args.rubric,
        denominators=args.denominators,
        force=args.force,
        screenshot=args.screenshot,
    )
    conninfo = ReaderDatabaseSettings().conninfo()
    if args.watch:
        return watch(request, conninfo, args.watch_interval)
    outcomes = run(request, conninfo)
    return 1 if any(o.status == "failed" for o in outcomes) else 0
