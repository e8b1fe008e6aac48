"""Connection settings shared by every service (pydantic-settings, env prefix ``KOTA_``).

Each service has its own settings class (``ingest.settings``, ``aggregator.settings``, …)
that composes these. Values come from the environment, then from the local stack's
``.kota/stack.env`` (written by ``kotacerdas stack up``), then from the defaults below.
Secrets are ``SecretStr``: they never appear in reprs or logs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from kotacerdas.registry import Registry

# Passwords shipped in .env.example; production refuses them (deploy/SECURITY.md).
PLACEHOLDER_SECRETS = frozenset({"", "change-me", "changeme", "password", "kota"})


def stack_env_file() -> Path:
    """Where ``kotacerdas stack up`` records ports and generated secrets."""
    return Path(os.environ.get("KOTA_STATE_DIR", ".kota")) / "stack.env"


def settings_config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=prefix, env_file=stack_env_file(), extra="ignore", frozen=True
    )


class EnvironmentSettings(BaseSettings):
    model_config = settings_config("KOTA_")
    env: Literal["dev", "test", "prod"] = "prod"


def refuse_placeholder(name: str, secret: SecretStr) -> None:
    """Stop start-up when a secret is a known placeholder, unless KOTA_ENV=dev or test."""
    if secret.get_secret_value() in PLACEHOLDER_SECRETS and EnvironmentSettings().env == "prod":
        raise ValueError(
            f"{name} is empty or a placeholder password; set a real secret "
            "(or KOTA_ENV=dev for a development machine)"
        )


class RegistrySettings(BaseSettings):
    """Which cities and sensors exist: the pilot files, plus ``dir``, expanded at ``scale``."""

    model_config = settings_config("KOTA_REGISTRY_")
    dir: Path | None = None
    scale: float = Field(1.0, gt=0, le=200)

    def load(self) -> Registry:
        from kotacerdas.registry import load_registry

        return load_registry(self.dir, self.scale)


class MqttSettings(BaseSettings):
    model_config = settings_config("KOTA_MQTT_")
    host: str = "127.0.0.1"
    port: int = Field(21883, ge=1, le=65535)
    username: str = "kota-ingest"
    password: SecretStr = SecretStr("")
    tls: bool = False
    ca_file: Path | None = None
    keepalive_s: int = Field(30, ge=5, le=3600)


class KafkaSettings(BaseSettings):
    model_config = settings_config("KOTA_KAFKA_")
    bootstrap: str = "127.0.0.1:29092"
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ca_file: Path | None = None
    partitions: int = Field(6, ge=1, le=1000)
    # 1 on the single-node local stack; 3 on a real cluster (min.insync.replicas 2).
    replication_factor: int = Field(1, ge=1, le=5)
    topic_prefix: str = "kota"

    @model_validator(mode="after")
    def _sasl_complete(self) -> KafkaSettings:
        if self.security_protocol.startswith("SASL") and not (
            self.sasl_mechanism and self.sasl_username and self.sasl_password
        ):
            raise ValueError(
                "KOTA_KAFKA_SECURITY_PROTOCOL uses SASL: set KOTA_KAFKA_SASL_MECHANISM, "
                "KOTA_KAFKA_SASL_USERNAME and KOTA_KAFKA_SASL_PASSWORD"
            )
        return self

    def client_options(self) -> dict[str, object]:
        """Keyword arguments for any aiokafka client (security is passed through)."""
        options: dict[str, object] = {
            "bootstrap_servers": self.bootstrap,
            "security_protocol": self.security_protocol,
        }
        if self.security_protocol.endswith("SSL"):
            from aiokafka.helpers import create_ssl_context

            options["ssl_context"] = create_ssl_context(
                cafile=str(self.ca_file) if self.ca_file else None
            )
        if self.sasl_mechanism:
            assert self.sasl_password is not None
            options |= {
                "sasl_mechanism": self.sasl_mechanism,
                "sasl_plain_username": self.sasl_username,
                "sasl_plain_password": self.sasl_password.get_secret_value(),
            }
        return options

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}.{name}.v1"


class DatabaseSettings(BaseSettings):
    model_config = settings_config("KOTA_DB_")
    host: str = "127.0.0.1"
    port: int = Field(25432, ge=1, le=65535)
    name: str = "kota"
    user: str = "kota_writer"
    password: SecretStr = SecretStr("")
    sslmode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] = "prefer"
    connect_timeout_s: int = Field(5, ge=1, le=120)

    def conninfo(self, user: str | None = None, password: SecretStr | None = None) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host=self.host,
            port=self.port,
            dbname=self.name,
            user=user or self.user,
            password=(password or self.password).get_secret_value(),
            sslmode=self.sslmode,
            connect_timeout=self.connect_timeout_s,
            application_name="kotacerdas",
        )


class ReaderDatabaseSettings(DatabaseSettings):
    """The read-only role (Grafana, export, ``kotacerdas top``)."""

    model_config = settings_config("KOTA_READER_DB_")
    user: str = "kota_reader"


class OwnerDatabaseSettings(DatabaseSettings):
    """The schema owner: ``kotacerdas migrate`` and partition maintenance run as it."""

    model_config = settings_config("KOTA_OWNER_DB_")
    user: str = "kota_owner"
