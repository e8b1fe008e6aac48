"""`kotacerdas topics ensure`: create the pipeline's Kafka topics (idempotent)."""

from __future__ import annotations

import argparse
import asyncio


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    topics = subparsers.add_parser(
        "topics",
        help="create the Kafka topics of the pipeline",
        description="Topics kota.{air,traffic,waste,deadletter,alerts}.v1 with "
        "KOTA_KAFKA_PARTITIONS partitions and KOTA_KAFKA_REPLICATION_FACTOR replicas.",
    )
    actions = topics.add_subparsers(dest="action", metavar="ACTION", required=True)
    ensure = actions.add_parser("ensure", help="create the topics that do not exist yet")
    ensure.set_defaults(handler=_ensure)


def _ensure(args: argparse.Namespace) -> int:
    from kotacerdas.settings import KafkaSettings
    from kotacerdas.topics import ensure_topics

    created = asyncio.run(ensure_topics(KafkaSettings()))
    print(f"created: {', '.join(created)}" if created else "all topics exist")
    return 0
