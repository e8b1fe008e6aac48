"""Payload decoding for the ingest bridge: MQTT topic + bytes → canonical ``Reading`` values.

Pure (no I/O, no clock). Formats: kotacerdas native JSON v1, SenML JSON (RFC 8428), FIWARE
NGSI-LD and NGSI v2 entities (AirQualityObserved, TrafficFlowObserved, WasteContainer).
"""

from __future__ import annotations

from ingest.formats.adapters import ADAPTERS, Adapter, register
from ingest.formats.decode import decode
from ingest.formats.result import (
    DEFAULT_LIMITS,
    DecodeLimits,
    DecodeResult,
    Rejection,
    TopicParts,
)
from ingest.formats.topic import check_registry, parse_topic

__all__ = [
    "ADAPTERS",
    "DEFAULT_LIMITS",
    "Adapter",
    "DecodeLimits",
    "DecodeResult",
    "Rejection",
    "TopicParts",
    "check_registry",
    "decode",
    "parse_topic",
    "register",
]
