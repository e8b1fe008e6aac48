"""`kotacerdas api`: the read-only open data API (see kotacerdas/api/README.md)."""

from __future__ import annotations

import argparse

from pydantic import ValidationError

from kotacerdas.errors import UserFacingError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "api",
        help="the read-only open data API (REST + OpenAPI 3.1, SensorThings, city pages)",
        description="Serve the read contract over HTTP as kota_reader (KOTA_READER_DB_*); "
        "settings KOTA_API_* (host, port, rate limit, API keys).",
    )
    parser.add_argument("--host", help="overrides KOTA_API_HOST")
    parser.add_argument("--port", type=int, help="overrides KOTA_API_PORT")
    parser.set_defaults(handler=run)


def _settings(args: argparse.Namespace) -> object:
    from kotacerdas.api.settings import ApiSettings

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v is not None}
    try:
        return ApiSettings(**overrides)
    except ValidationError as exc:
        bad = "; ".join(
            f"KOTA_API_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise UserFacingError(f"invalid configuration: {bad}") from None


def run(args: argparse.Namespace) -> int:
    from kotacerdas.api.service import serve
    from kotacerdas.settings import ReaderDatabaseSettings

    settings = _settings(args)
    return serve(settings, ReaderDatabaseSettings())  # type: ignore[arg-type]
