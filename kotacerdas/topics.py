"""The Kafka topics of the pipeline and their configuration (DESIGN.md, "The flow")."""

from __future__ import annotations

from dataclasses import dataclass, field

from kotacerdas.contract import DOMAINS, Domain

DEAD_LETTER = "deadletter"
ALERTS = "alerts"

_DAY_MS = 86_400_000


@dataclass(frozen=True)
class TopicSpec:
    name: str  # short name; the full topic is f"{prefix}.{name}.v1"
    config: dict[str, str] = field(default_factory=dict)


# Readings are replayable for 7 days (the aggregator can rebuild rollups from Kafka);
# dead letters stay 30 days so an operator can inspect and re-drive them.
TOPIC_SPECS: tuple[TopicSpec, ...] = (
    *(TopicSpec(d, {"retention.ms": str(7 * _DAY_MS)}) for d in DOMAINS),
    TopicSpec(DEAD_LETTER, {"retention.ms": str(30 * _DAY_MS)}),
    TopicSpec(ALERTS, {"retention.ms": str(30 * _DAY_MS)}),
)


def full_name(prefix: str, name: str) -> str:
    return f"{prefix}.{name}.v1"


def reading_topic(prefix: str, domain: Domain) -> str:
    return full_name(prefix, domain)
