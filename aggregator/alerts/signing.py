"""Webhook signatures: HMAC-SHA256 over the timestamp and the body, with a replay window
(pure; the receiver's side is :func:`verify`).

Headers of every delivery: ``X-Kota-Event-Id`` (stable across retries: deduplicate on it),
``X-Kota-Timestamp`` (Unix seconds of this attempt) and ``X-Kota-Signature``
(``v1=`` and the hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under the shared secret,
``KOTA_AGG_ALERT_WEBHOOK_SECRET``). A receiver recomputes it and refuses a timestamp more
than :data:`REPLAY_WINDOW_S` away from its clock, so a captured request cannot be replayed
later.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Final

REPLAY_WINDOW_S: Final = 300
EVENT_ID: Final = "X-Kota-Event-Id"
TIMESTAMP: Final = "X-Kota-Timestamp"
SIGNATURE: Final = "X-Kota-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def headers(secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        EVENT_ID: event_id,
        TIMESTAMP: str(timestamp),
        SIGNATURE: signature(secret, timestamp, body),
    }


def verify(
    secret: str,
    received: Mapping[str, str],
    body: bytes,
    now: float,
    window_s: int = REPLAY_WINDOW_S,
) -> str | None:
    """None if the delivery is authentic and fresh, else why not (for the receiver)."""
    try:
        timestamp = int(received[TIMESTAMP])
        given = received[SIGNATURE]
    except (KeyError, ValueError):
        return "missing or malformed signature headers"
    if abs(now - timestamp) > window_s:
        return f"timestamp {timestamp} outside the {window_s} s replay window"
    if not hmac.compare_digest(given, signature(secret, timestamp, body)):
        return "signature does not match"
    return None
