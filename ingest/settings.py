"""Settings of the MQTT→Kafka bridge (env prefix ``KOTA_INGEST_``), validated at start."""

from __future__ import annotations

import socket
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings

from kotacerdas.settings import (
    KafkaSettings,
    MqttSettings,
    RegistrySettings,
    refuse_placeholder,
    settings_config,
)


class IngestSettings(BaseSettings):
    model_config = settings_config("KOTA_INGEST_")

    mqtt: MqttSettings = Field(default_factory=MqttSettings)
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    registry: RegistrySettings = Field(default_factory=RegistrySettings)

    # A stable id per replica: the broker keeps its persistent session under this name.
    client_id: str = Field(default_factory=lambda: f"kota-ingest-{socket.gethostname()}")
    shared_group: str = "kota-ingest"
    # `kota/#`, not `kota/+/+/+`: a message on a malformed or too-deep topic must reach
    # us to be dead-lettered (invalid_topic, topic_too_deep), not be ignored silently.
    topic_filter: str = "kota/#"
    # How long the broker keeps our session (and queues for it) while we are away.
    session_expiry_s: int = Field(7 * 86_400, ge=0)
    # MQTT 5 Receive Maximum: the in-flight window, sized with Mosquitto's
    # max_inflight_messages (deploy/mosquitto/conf.d/kota.conf).
    receive_maximum: int = Field(4096, ge=1, le=65535)

    max_payload_bytes: int = Field(65_536, ge=256, le=10_485_760)
    future_skew_s: int = Field(300, ge=0)
    max_age_s: int = Field(7 * 86_400, ge=60)
    dedup_capacity: int = Field(200_000, ge=0)

    compression: Literal["zstd", "lz4", "gzip", "none"] = "zstd"
    # How long decoded records wait for more before their batches go to Kafka (0: as
    # soon as the inbox is drained, which already batches everything that arrived).
    linger_ms: int = Field(0, ge=0, le=1000)
    max_batch_bytes: int = Field(262_144, ge=1024)
    kafka_request_timeout_ms: int = Field(30_000, ge=1000)

    grace_s: float = Field(10.0, gt=0, le=300)
    ops_host: str = "127.0.0.1"
    ops_port: int = Field(29100, ge=0, le=65535)  # 0 = pick a free port
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _secrets_are_real(self) -> IngestSettings:
        refuse_placeholder("KOTA_MQTT_PASSWORD", self.mqtt.password)
        return self
