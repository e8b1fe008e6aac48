"""parse_topic and the registry check the bridge uses on the topic alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from formats_support import REGISTRY

from ingest.formats import DecodeLimits, Rejection, TopicParts, check_registry, parse_topic
from kotacerdas.reasons import ReasonCode as R


def test_valid_topic() -> None:
    assert parse_topic("kota/jakarta/air/jkt-air-0001", DecodeLimits()) == TopicParts(
        "jakarta", "air", "jkt-air-0001"
    )


@pytest.mark.parametrize(
    ("topic", "reason"),
    [
        ("", R.INVALID_TOPIC),
        ("kota", R.INVALID_TOPIC),
        ("kota/jakarta/air/", R.INVALID_SENSOR_ID),
        ("kota//air/jkt-air-0001", R.INVALID_TOPIC),
        ("/kota/jakarta/air/jkt-air-0001", R.INVALID_TOPIC),
        ("kota/jakarta/air/jkt-air-0001/", R.TOPIC_TOO_DEEP),
        ("kota/jakarta/#", R.INVALID_TOPIC),
        ("kota/+/air/jkt-air-0001", R.INVALID_TOPIC),
        ("kota/jakarta/AIR/jkt-air-0001", R.UNKNOWN_DOMAIN),
        ("kota/jakarta/air/j", R.INVALID_SENSOR_ID),
        ("kota/jakarta/air/" + "a" * 65, R.INVALID_SENSOR_ID),
        ("kota/" + "/" * 60_000, R.TOPIC_TOO_DEEP),
        ("x/" * 30_000, R.INVALID_TOPIC),
    ],
)
def test_invalid_topics(topic: str, reason: R) -> None:
    rejection = parse_topic(topic)
    assert isinstance(rejection, Rejection)
    assert rejection.reason is reason
    assert rejection.field == "topic"
    assert len(rejection.message) < 300


def test_depth_limit_is_configurable() -> None:
    deep = "kota/jakarta/air/jkt-air-0001/x"
    assert parse_topic(deep, DecodeLimits()).reason is R.TOPIC_TOO_DEEP  # type: ignore[union-attr]
    assert parse_topic(deep, DecodeLimits(max_topic_levels=5)).reason is R.INVALID_TOPIC  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        (TopicParts("jakarta", "air", "jkt-air-0001"), None),
        (TopicParts("bandung", "air", "jkt-air-0001"), R.UNKNOWN_CITY),
        (TopicParts("jakarta", "air", "jkt-air-0999"), R.UNKNOWN_SENSOR),
        (TopicParts("sumedang", "air", "jkt-air-0001"), R.WRONG_CITY),
        (TopicParts("jakarta", "waste", "jkt-air-0001"), R.WRONG_DOMAIN),
    ],
)
def test_registry_check(parts: TopicParts, reason: R | None) -> None:
    refused = check_registry(parts, REGISTRY)
    assert (refused.reason if refused else None) is reason


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_payload_bytes": 0},
        {"future_skew": timedelta(seconds=-1)},
        {"max_age": timedelta(0)},
        {"max_topic_levels": 3},
        {"max_records": 0},
    ],
)
def test_limits_fail_fast_with_the_bad_value(kwargs: dict[str, object]) -> None:
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=name):
        DecodeLimits(**kwargs)  # type: ignore[arg-type]
