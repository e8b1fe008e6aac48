"""`kotacerdas ingest`: run the MQTT→Kafka bridge until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse

from kotacerdas import logs
from kotacerdas.runtime import run_service


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="run the MQTT -> Kafka bridge",
        description="Subscribe to kota/# (shared subscription), decode and validate every "
        "message, forward readings to Kafka and refusals to kota.deadletter.v1, and ack "
        "MQTT only after Kafka has the record. Settings: KOTA_INGEST_*, KOTA_MQTT_*, "
        "KOTA_KAFKA_*. Serves /metrics, /healthz, /readyz on KOTA_INGEST_OPS_PORT.",
    )
    parser.add_argument(
        "--client-id", help="MQTT client id of this replica (KOTA_INGEST_CLIENT_ID)"
    )
    parser.add_argument("--ops-port", type=int, help="port for /metrics, /healthz, /readyz")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from ingest.service import IngestService
    from ingest.settings import IngestSettings

    overrides = {
        k: v
        for k, v in {"client_id": args.client_id, "ops_port": args.ops_port}.items()
        if v is not None
    }
    settings = IngestSettings(**overrides)
    logs.configure(settings.log_level)
    registry = settings.registry.load()
    return run_service(IngestService(settings, registry).run)
