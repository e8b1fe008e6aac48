"""Per-sensor MQTT credentials derived from one fleet secret.

Each sensor authenticates as its own user (its sensor id), so the broker ACL can keep it
to its own topic. For the simulated fleets and the local stack, passwords are derived
from ``KOTA_SENSOR_SECRET`` with HMAC-SHA256, so the password file and the simulator
agree without storing thousands of secrets. Real fleets provision per-device secrets
(or client certificates) and write the password file themselves.
"""

from __future__ import annotations

import hashlib
import hmac


def sensor_password(fleet_secret: str, sensor_id: str) -> str:
    digest = hmac.new(fleet_secret.encode(), sensor_id.encode(), hashlib.sha256).hexdigest()
    return digest[:32]
