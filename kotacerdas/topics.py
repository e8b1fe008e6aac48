"""The Kafka topics of the pipeline and their configuration (DESIGN.md, "The flow")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kotacerdas.contract import DOMAINS, Domain
from kotacerdas.errors import UserFacingError

DEAD_LETTER = "deadletter"
ALERTS = "alerts"

if TYPE_CHECKING:
    from kotacerdas.settings import KafkaSettings

_DAY_MS = 86_400_000


@dataclass(frozen=True)
class TopicSpec:
    name: str  # short name; the full topic is f"{prefix}.{name}.v1"
    config: dict[str, str] = field(default_factory=dict)


# Readings are replayable for 7 days (the aggregator can rebuild rollups from Kafka);
# dead letters stay 30 days so an operator can inspect and re-drive them (the
# aggregator keeps them in the dead_letter table: `kotacerdas deadletter replay`).
TOPIC_SPECS: tuple[TopicSpec, ...] = (
    *(TopicSpec(d, {"retention.ms": str(7 * _DAY_MS)}) for d in DOMAINS),
    TopicSpec(DEAD_LETTER, {"retention.ms": str(30 * _DAY_MS)}),
    TopicSpec(ALERTS, {"retention.ms": str(30 * _DAY_MS)}),
)


def full_name(prefix: str, name: str) -> str:
    return f"{prefix}.{name}.v1"


def reading_topic(prefix: str, domain: Domain) -> str:
    return full_name(prefix, domain)


class TopicsError(UserFacingError):
    pass


async def ensure_topics(settings: KafkaSettings) -> list[str]:
    """Create the pipeline's topics that do not exist yet; return the names created."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import KafkaError

    admin = AIOKafkaAdminClient(**settings.client_options())
    try:
        await admin.start()
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                full_name(settings.topic_prefix, s.name),
                settings.partitions,
                settings.replication_factor,
                topic_configs=s.config,
            )
            for s in TOPIC_SPECS
            if full_name(settings.topic_prefix, s.name) not in existing
        ]
        if wanted:
            await admin.create_topics(wanted)
        return [t.name for t in wanted]
    except KafkaError as exc:
        raise TopicsError(f"creating Kafka topics on {settings.bootstrap} failed: {exc}") from None
    finally:
        await admin.close()
