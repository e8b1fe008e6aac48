"""Webhook signatures, the retry schedule and the settings that go with them (pure)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from aggregator.alerts import signing
from aggregator.alerts.publisher import retry_delay
from aggregator.settings import AggregatorSettings

SECRET = "a-webhook-secret-for-tests"
BODY = b'{"event": "open", "alert_id": 7}'


def test_a_signed_delivery_verifies_and_any_change_is_refused() -> None:
    headers = signing.headers(SECRET, "ev-1", 1_800_000_000, BODY)
    assert headers[signing.EVENT_ID] == "ev-1"
    assert headers[signing.SIGNATURE].startswith("v1=")
    assert signing.verify(SECRET, headers, BODY, now=1_800_000_010) is None
    assert signing.verify(SECRET, headers, BODY + b" ", now=1_800_000_010) == (
        "signature does not match"
    )
    assert signing.verify("another-secret", headers, BODY, now=1_800_000_010) == (
        "signature does not match"
    )
    forged = {**headers, signing.TIMESTAMP: "1800000100"}  # a new time, the old signature
    assert signing.verify(SECRET, forged, BODY, now=1_800_000_100) == "signature does not match"


def test_a_replayed_or_unsigned_delivery_is_refused() -> None:
    headers = signing.headers(SECRET, "ev-1", 1_800_000_000, BODY)
    stale = signing.verify(SECRET, headers, BODY, now=1_800_000_000 + signing.REPLAY_WINDOW_S + 1)
    assert stale is not None and "replay window" in stale
    assert signing.verify(SECRET, {}, BODY, now=1_800_000_000) == (
        "missing or malformed signature headers"
    )
    bad = {**headers, signing.TIMESTAMP: "soon"}
    assert signing.verify(SECRET, bad, BODY, now=1_800_000_000) == (
        "missing or malformed signature headers"
    )


def test_retries_back_off_to_ten_minutes() -> None:
    delays = [retry_delay(n) for n in (1, 2, 3, 10, 11, 50)]
    assert delays[:3] == [timedelta(seconds=1), timedelta(seconds=2), timedelta(seconds=4)]
    assert delays[3] == timedelta(seconds=512)
    assert delays[4:] == [timedelta(minutes=10), timedelta(minutes=10)]


def test_a_webhook_needs_a_real_secret(monkeypatch) -> None:
    monkeypatch.setenv("KOTA_DB_PASSWORD", "a-real-test-password")
    url = "https://ops.example.go.id/hooks/kota"
    with pytest.raises(ValidationError, match="KOTA_AGG_ALERT_WEBHOOK_SECRET"):
        AggregatorSettings(alert_webhook_url=url)
    settings = AggregatorSettings(alert_webhook_url=url, alert_webhook_secret=SECRET)
    assert settings.alert_webhook_secret is not None
    assert SECRET not in repr(settings)  # never logged
    monkeypatch.setenv("KOTA_AGG_ALERT_WEBHOOK_URL", url)
    monkeypatch.setenv("KOTA_AGG_ALERT_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("KOTA_AGG_ALERT_WEBHOOK_RETRY_S", "90")
    from_env = AggregatorSettings()
    assert from_env.alert_webhook_retry_s == 90
    assert from_env.alert_webhook_secret.get_secret_value() == SECRET


def test_an_event_without_a_value_is_strict_json() -> None:
    """An open alert whose seeded episode closes at its first point has no value (-inf in
    lifecycle.episodes): it must reach jsonb (the outbox) and strict parsers as null."""
    import json
    from datetime import UTC, datetime

    from aggregator.alerts.engine import AlertEvent
    from aggregator.alerts.lifecycle import Point, episodes
    from aggregator.alerts.rules import Rule

    opened = datetime(2026, 12, 3, 1, tzinfo=UTC)
    rule = Rule(
        rule="hazardous_air", kind="hazardous_air", indicator="ispu", scope="sensor",
        severity="critical", open_at=300.000001, close_below=250, min_duration_s=0,
        message="x",
    )  # fmt: skip
    point = Point(opened + timedelta(minutes=5), 80.0)
    (closed,) = episodes([point], rule, timedelta(minutes=5), open_since=opened)
    assert closed.peak == float("-inf")  # nothing seen while it was open
    event = AlertEvent(
        "close", 7, "hazardous_air", "hazardous_air", "critical", "uji", "pusat", "uji-air-1",
        closed.last_value, closed.peak, opened, closed.closed_at, "cleared", "x",
    )  # fmt: skip
    body = event.as_json()
    assert body["value"] is None and body["peak"] is None
    assert (
        json.loads(json.dumps(body, allow_nan=False))["closed_at"] == closed.closed_at.isoformat()
    )
