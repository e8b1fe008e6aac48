"""`kotacerdas migrate` and `kotacerdas aggregate`."""

from __future__ import annotations

import argparse
import sys

from kotacerdas import logs
from kotacerdas.runtime import run_service


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    migrate = subparsers.add_parser(
        "migrate",
        help="apply the numbered SQL migrations (idempotent)",
        description="Apply aggregator/migrations/NNN_*.sql in order as the schema owner "
        "(KOTA_OWNER_DB_*). Applied versions are recorded; rerunning is a no-op.",
    )
    migrate.set_defaults(handler=_migrate)
    aggregate = subparsers.add_parser(
        "aggregate",
        help="run the Kafka -> PostgreSQL aggregator",
        description="Consume kota.{air,traffic,waste,deadletter}.v1 as group kota-aggregator, "
        "write each batch in one transaction, then commit offsets. Settings: KOTA_AGG_*, "
        "KOTA_DB_*, KOTA_KAFKA_*. Serves /metrics, /healthz, /readyz on KOTA_AGG_OPS_PORT.",
    )
    aggregate.add_argument("--ops-port", type=int, help="port for /metrics, /healthz, /readyz")
    aggregate.set_defaults(handler=_aggregate)


def _migrate(args: argparse.Namespace) -> int:
    from aggregator.migrate import apply
    from kotacerdas.settings import OwnerDatabaseSettings

    applied = apply(
        OwnerDatabaseSettings().conninfo(), lambda line: print(f"  {line}", file=sys.stderr)
    )
    print(f"schema up to date ({len(applied)} migrations applied now)")
    return 0


def _aggregate(args: argparse.Namespace) -> int:
    from aggregator.service import AggregatorService
    from aggregator.settings import AggregatorSettings

    overrides = {"ops_port": args.ops_port} if args.ops_port is not None else {}
    settings = AggregatorSettings(**overrides)
    logs.configure(settings.log_level)
    return run_service(AggregatorService(settings).run)
