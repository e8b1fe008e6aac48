"""Settings of `kotacerdas api` (env prefix ``KOTA_API_``); the database is
``KOTA_READER_DB_*`` (the read-only role, :class:`ReaderDatabaseSettings`).

A bad value stops start-up naming the variable (``kotacerdas.cli`` prints pydantic's
error as ``KOTA_API_…: reason``). API keys are ``SecretStr``: never in reprs or logs.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings

from kotacerdas.settings import settings_config


class ApiSettings(BaseSettings):
    model_config = settings_config("KOTA_API_")
    # Loopback by default: exposing it is a decision (put a TLS proxy in front).
    host: str = "127.0.0.1"
    port: int = Field(28080, ge=1, le=65535)
    #: The public base URL used in links (SensorThings selfLinks, next links), e.g.
    #: https://data.example.go.id; empty: taken from the request.
    public_url: str = ""
    # Per client: a sustained rate with a burst on top (token bucket).
    rate_per_s: float = Field(20.0, gt=0, le=100_000)
    rate_burst: int = Field(60, ge=1, le=1_000_000)
    #: Keys granting the non-public ``ops`` scope (JSON list), sent as ``X-API-Key``.
    keys: list[SecretStr] = Field(default_factory=list)
    page_max: int = Field(1000, ge=10, le=100_000)
    pool_min: int = Field(1, ge=0, le=100)
    pool_max: int = Field(8, ge=1, le=200)
    pool_timeout_s: float = Field(5.0, gt=0, le=120)
    statement_timeout_ms: int = Field(10_000, ge=100, le=600_000)
    #: Seconds a finished request's connection may linger on SIGTERM before it is cut.
    graceful_timeout_s: float = Field(10.0, ge=0, le=600)
    log_level: str = "info"

    @field_validator("keys")
    @classmethod
    def _long_keys(cls, keys: list[SecretStr]) -> list[SecretStr]:
        for key in keys:
            if len(key.get_secret_value()) < 16:
                raise ValueError("every API key must be at least 16 characters")
        return keys

    @field_validator("public_url")
    @classmethod
    def _url(cls, url: str) -> str:
        if url and not url.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return url.rstrip("/")

    @field_validator("log_level")
    @classmethod
    def _level(cls, level: str) -> str:
        if level not in ("critical", "error", "warning", "info", "debug"):
            raise ValueError("one of critical, error, warning, info, debug")
        return level
