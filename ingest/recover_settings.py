"""Settings of the recovery commands (``kotacerdas deadletter``, ``kotacerdas import``).

They talk to the same Kafka, database and registry as the services and apply the same
limits, so each value is read from the variable the service it mirrors reads: the decode
limits from ``KOTA_INGEST_*``, the retention from ``KOTA_AGG_RETENTION_DAYS``.
"""

from __future__ import annotations

import getpass
from datetime import timedelta

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings

from ingest.formats import DecodeLimits
from kotacerdas.settings import (
    DatabaseSettings,
    KafkaSettings,
    RegistrySettings,
    refuse_placeholder,
    settings_config,
)


class IngestLimitSettings(BaseSettings):
    """The decode limits of the bridge (same variables and bounds as ``IngestSettings``)."""

    model_config = settings_config("KOTA_INGEST_")
    max_payload_bytes: int = Field(65_536, ge=256, le=10_485_760)
    future_skew_s: int = Field(300, ge=0)
    max_age_s: int = Field(7 * 86_400, ge=60)

    def limits(self) -> DecodeLimits:
        return DecodeLimits(
            max_payload_bytes=self.max_payload_bytes,
            future_skew=timedelta(seconds=self.future_skew_s),
            max_age=timedelta(seconds=self.max_age_s),
        )


class RetentionSettings(BaseSettings):
    model_config = settings_config("KOTA_AGG_")
    retention_days: int = Field(90, ge=1, le=3650)


class RecoverSettings(BaseSettings):
    model_config = settings_config("KOTA_RECOVER_")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    registry: RegistrySettings = Field(default_factory=RegistrySettings)
    ingest: IngestLimitSettings = Field(default_factory=IngestLimitSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    # Recorded as "replay:<actor>" / "import:<actor>" in the audit and replay tables.
    actor: str = Field(default_factory=getpass.getuser, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _secrets_are_real(self) -> RecoverSettings:
        refuse_placeholder("KOTA_DB_PASSWORD", self.db.password)
        return self
