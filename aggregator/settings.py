"""Settings of the Kafka→PostgreSQL aggregator (env prefix ``KOTA_AGG_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AwareDatetime, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings

from aggregator.alerts.rules import DEFAULT_RULES
from kotacerdas.settings import (
    DatabaseSettings,
    KafkaSettings,
    RegistrySettings,
    refuse_placeholder,
    settings_config,
)


class AggregatorSettings(BaseSettings):
    model_config = settings_config("KOTA_AGG_")

    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    db: DatabaseSettings = Field(default_factory=DatabaseSettings)
    registry: RegistrySettings = Field(default_factory=RegistrySettings)

    group_id: str = "kota-aggregator"
    # A batch closes at whichever bound it reaches first.
    batch_max_records: int = Field(20_000, ge=1, le=1_000_000)
    batch_max_wait_ms: int = Field(200, ge=1, le=60_000)
    # Readings older than this are dead-lettered `too_late`: their partitions are gone.
    retention_days: int = Field(90, ge=1, le=3650)
    # Event-time lateness: the watermark trails the newest event time by this much.
    allowed_lateness_s: int = Field(120, ge=0, le=86_400)
    rollup_interval_s: float = Field(1.0, gt=0, le=3600)
    indicator_interval_s: float = Field(10.0, gt=0, le=3600)
    # Compute final indicator windows from this event time on at the first start
    # (a backfill); by default the job starts with the current window.
    indicators_from: AwareDatetime | None = None
    # A city this far behind the newest event time of the others is dark: its windows
    # close on the others' clock, so every silent sensor of it is flagged.
    city_silence_s: int = Field(900, ge=60)
    max_poll_interval_ms: int = Field(300_000, ge=10_000)
    # Fetch floor: the broker waits for this many bytes or fetch_max_wait_ms, whichever
    # comes first (fewer, fuller fetches; the wait bounds the added latency).
    fetch_min_bytes: int = Field(64 * 1024, ge=1, le=64 * 1024 * 1024)
    fetch_max_wait_ms: int = Field(100, ge=0, le=10_000)
    session_timeout_ms: int = Field(10_000, ge=3_000)

    # Alert rules (data; aggregator/alerts/alert_rules.yaml by default) and an optional
    # webhook that receives every alert event as JSON.
    alert_rules: Path = DEFAULT_RULES
    alert_webhook_url: str | None = None
    # Its shared secret (HMAC-SHA256 signatures, aggregator/alerts/signing.py): required
    # with a webhook, so a receiver can tell our events from anyone's.
    alert_webhook_secret: SecretStr | None = None
    # How long a delivery is retried (capped backoff) before it is marked failed.
    alert_webhook_retry_s: int = Field(86_400, ge=1)
    # Alert events about episodes older than this are historical: recorded, not notified
    # (a backfill's past); 7 days = ingest's late limit (KOTA_INGEST_MAX_AGE_S).
    alert_live_s: int = Field(7 * 86_400, ge=60)
    grace_s: float = Field(10.0, gt=0, le=300)
    # Fault injection for tests: exit after this many batches are committed to the
    # database but before their offsets are (0 = never).
    fault_crash_after_batches: int = Field(0, ge=0)
    # Exit right after an alert change commits, before its event is delivered.
    fault_crash_before_publish: bool = False
    # Keep one partition of a reading topic paused ("<topic>:<partition>", the full topic
    # name) while fault_hold_file exists: a lagging partition, on demand.
    fault_hold_partition: str = Field("", pattern=r"^$|^[A-Za-z0-9._-]+:[0-9]+$")
    fault_hold_file: Path | None = None

    ops_host: str = "127.0.0.1"
    ops_port: int = Field(29101, ge=0, le=65535)
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _secrets_are_real(self) -> AggregatorSettings:
        refuse_placeholder("KOTA_DB_PASSWORD", self.db.password)
        return self

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> AggregatorSettings:
        if self.alert_webhook_url and not self.alert_webhook_secret:
            raise ValueError(
                "KOTA_AGG_ALERT_WEBHOOK_URL needs KOTA_AGG_ALERT_WEBHOOK_SECRET (the shared "
                "secret its events are signed with)"
            )
        if self.alert_webhook_secret:
            refuse_placeholder("KOTA_AGG_ALERT_WEBHOOK_SECRET", self.alert_webhook_secret)
        return self

    @model_validator(mode="after")
    def _hold_needs_a_release(self) -> AggregatorSettings:
        if self.fault_hold_partition and self.fault_hold_file is None:
            raise ValueError(
                "KOTA_AGG_FAULT_HOLD_PARTITION needs KOTA_AGG_FAULT_HOLD_FILE (the partition "
                "is held while that file exists)"
            )
        return self
