"""The MQTT topic ``kota/{city}/{domain}/{sensor_id}``: parse it, check it against the registry.

The topic is the identity we trust (the broker's per-sensor ACL grants each device only its
own topic); identities inside a payload are checked against it, never the other way round.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from ingest.formats.result import DEFAULT_LIMITS, DecodeLimits, Rejection, TopicParts, shorten
from kotacerdas.contract import CITY_SLUG_PATTERN, DOMAINS, Domain, is_valid_sensor_id
from kotacerdas.reasons import ReasonCode
from kotacerdas.registry import Registry

__all__ = ["TOPIC_ROOT", "check_registry", "parse_topic"]

TOPIC_ROOT: Final = "kota"
_CITY_RE: Final = re.compile(CITY_SLUG_PATTERN)
# A few thousand sensors per bridge replica: every live topic stays cached.
_TOPIC_CACHE_SIZE: Final = 65_536


def parse_topic(topic: str, limits: DecodeLimits = DEFAULT_LIMITS) -> TopicParts | Rejection:
    """Split and check ``topic`` without a registry; pure and cached per (topic, depth limit)."""
    return _parse_topic(topic, limits.max_topic_levels)


@lru_cache(maxsize=_TOPIC_CACHE_SIZE)
def _parse_topic(topic: str, max_levels: int) -> TopicParts | Rejection:
    # Count separators before splitting: a hostile 64 kB topic of slashes costs one scan.
    if topic.count("/") + 1 > max_levels:
        if topic.startswith(TOPIC_ROOT + "/"):
            return Rejection(
                ReasonCode.TOPIC_TOO_DEEP,
                f"topic {shorten(topic)} has more than {max_levels} levels",
                field="topic",
            )
        return _invalid(topic, f"does not start with {TOPIC_ROOT}/")
    levels = topic.split("/")
    if len(levels) != 4 or levels[0] != TOPIC_ROOT:
        return _invalid(topic, "does not follow kota/{city}/{domain}/{sensor_id}")
    _, city, domain, sensor_id = levels
    if not _CITY_RE.match(city):
        return _invalid(topic, f"city level {shorten(city)} is not a city slug")
    if domain not in DOMAINS:
        return Rejection(
            ReasonCode.UNKNOWN_DOMAIN,
            f"domain {shorten(domain)} in topic {shorten(topic)} is not one of "
            f"{', '.join(DOMAINS)}",
            field="topic",
        )
    if not is_valid_sensor_id(sensor_id):
        return Rejection(
            ReasonCode.INVALID_SENSOR_ID,
            f"sensor id {shorten(sensor_id)} in topic does not match [a-z0-9][a-z0-9_-]{{2,63}}",
            field="topic",
        )
    return TopicParts(city, _as_domain(domain), sensor_id)


def check_registry(parts: TopicParts, registry: Registry) -> Rejection | None:
    """Why the registry refuses the topic's city/domain/sensor triple, or None."""
    if parts.city not in registry.cities:
        return Rejection(
            ReasonCode.UNKNOWN_CITY, f"city {parts.city!r} is not in the registry", field="topic"
        )
    sensor = registry.sensors.get(parts.sensor_id)
    if sensor is None:
        return Rejection(
            ReasonCode.UNKNOWN_SENSOR,
            f"sensor {parts.sensor_id!r} is not in the registry",
            field="topic",
        )
    if sensor.city != parts.city:
        return Rejection(
            ReasonCode.WRONG_CITY,
            f"sensor {parts.sensor_id!r} is registered in {sensor.city!r}, "
            f"the topic says {parts.city!r}",
            field="topic",
        )
    if sensor.domain != parts.domain:
        return Rejection(
            ReasonCode.WRONG_DOMAIN,
            f"sensor {parts.sensor_id!r} is registered for {sensor.domain!r}, "
            f"the topic says {parts.domain!r}",
            field="topic",
        )
    return None


def _invalid(topic: str, why: str) -> Rejection:
    return Rejection(ReasonCode.INVALID_TOPIC, f"topic {shorten(topic)} {why}", field="topic")


def _as_domain(domain: str) -> Domain:
    # DOMAINS is the Literal's own value list; indexing it gives mypy the narrowed type.
    return DOMAINS[DOMAINS.index(domain)]
