"""The ``kotacerdas`` command line: one entry point, a subcommand per job.

Each package registers its own subcommands (``register(subparsers)``) so this module
stays a thin composition root. Errors that a user can act on (``UserFacingError`` and
pydantic validation errors of settings) become one line on stderr and exit code 2,
never a traceback. Every command stops on SIGTERM as on Ctrl-C, and a second signal
forces (``kotacerdas.shutdown``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from kotacerdas import __version__
from kotacerdas.errors import UserFacingError
from kotacerdas.shutdown import Shutdown, stop_on_signals

# Modules that contribute subcommands, in the order `--help` lists them.
_COMMAND_MODULES = (
    "kotacerdas.stack.cli",
    "kotacerdas.pipeline_cli",
    "aggregator.cli",
    "ingest.cli",
    "simulators.cli",
    "kotacerdas.registry_cli",
    "kotacerdas.topics_cli",
    "kotacerdas.top",
    "kotacerdas.bench_cli",
    "kotacerdas.dashboards_cli",
    "kotacerdas.export_cli",
    "kotacerdas.api.cli",
    "ingest.deadletter_cli",
    "ingest.import_cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kotacerdas",
        description="Smart-city sensor pipeline: MQTT -> Kafka -> PostgreSQL, live indicators.",
    )
    parser.add_argument("--version", action="version", version=f"kotacerdas {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # that part of the product is not built yet
                continue
            raise
        module.register(subparsers)
    return parser


def describe_validation_error(exc: ValidationError) -> str:
    """Name the bad setting(s) the way a user sets them (KOTA_… variables)."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or exc.title
        parts.append(f"{where}: {err['msg']}")
    return f"invalid configuration ({exc.title}): " + "; ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    shutdown = Shutdown()
    try:
        with stop_on_signals(shutdown):
            code = args.handler(args)
    except UserFacingError as exc:
        print(f"kotacerdas {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except ValidationError as exc:
        print(f"kotacerdas {args.command}: {describe_validation_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return shutdown.exit_code
    return int(code or 0)


if __name__ == "__main__":
    sys.exit(main())
