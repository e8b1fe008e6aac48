"""Simulator settings (pydantic-settings, env prefix ``KOTA_SIM_``); CLI flags override them.

The MQTT endpoint comes from ``kotacerdas.settings.MqttSettings`` (``KOTA_MQTT_HOST``/``PORT``)
and the fleet secret that derives every sensor's password from ``KOTA_SENSOR_SECRET``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from kotacerdas.settings import stack_env_file


class FleetSecretSettings(BaseSettings):
    """``KOTA_SENSOR_SECRET``: the HMAC key behind every simulated sensor's MQTT password."""

    model_config = SettingsConfigDict(
        env_prefix="KOTA_", env_file=stack_env_file(), extra="ignore", frozen=True
    )
    sensor_secret: SecretStr = SecretStr("")


class SimulatorSettings(BaseSettings):
    """Defaults for ``kotacerdas simulate``; every field has a flag of the same name."""

    model_config = SettingsConfigDict(
        env_prefix="KOTA_SIM_", env_file=stack_env_file(), extra="ignore", frozen=True
    )
    cities: str = "jakarta,makassar,banyuwangi,sumedang"
    rate: float = Field(default=1000.0, gt=0, le=1_000_000)
    duration_s: float = Field(default=60.0, gt=0, le=30 * 86_400)
    seed: int = 7
    faults: str = ""
    formats: str = "native=1"
    scale: float = Field(default=1.0, gt=0)
    processes: int = Field(default=1, ge=1, le=64)
    # Unacknowledged QoS 1 publishes allowed per MQTT connection before the sensor waits
    # (paho lost messages silently past 65 535 unacknowledged publishes; keep far below).
    inflight_per_client: int = Field(default=32, ge=1, le=1000)
    # Simulated time may run ahead of wall time; it never spans more than this, so the oldest
    # event time stays inside ingest's 7-day maximum age.
    max_span_s: float = Field(default=6 * 86_400, gt=0, le=7 * 86_400)
    mqtt_protocol: Literal[4, 5] = 5  # MQTT 5, or 4 = 3.1.1
    connect_timeout_s: float = Field(default=30.0, gt=0)
    drain_timeout_s: float = Field(default=30.0, gt=0)
    status_interval_s: float = Field(default=0.5, gt=0)
