"""Where the local stack lives and which loopback ports it uses (env prefix ``KOTA_STACK_``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kotacerdas.stack.procs import free_ports

DbBackend = Literal["auto", "postgres", "timescaledb"]

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DIR = REPO_ROOT / "deploy"


def default_cache_dir() -> Path:
    """Kafka jars are cached per user, outside any work tree, so clones share them."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kotacerdas"


class StackSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="KOTA_STACK_", extra="ignore", frozen=True, populate_by_name=True
    )

    state_dir: Path = Field(default_factory=lambda: Path(os.environ.get("KOTA_STATE_DIR", ".kota")))
    cache_dir: Path = Field(default_factory=default_cache_dir)
    host: str = "127.0.0.1"
    mqtt_port: int = Field(21883, ge=1024, le=65535)
    kafka_port: int = Field(29092, ge=1024, le=65535)
    kafka_controller_port: int = Field(29093, ge=1024, le=65535)
    pg_port: int = Field(25432, ge=1024, le=65535)
    kafka_partitions: int = Field(6, ge=1, le=256)
    kafka_heap_mb: int = Field(512, ge=128, le=16384)
    start_timeout_s: float = Field(90.0, ge=5)
    # auto: TimescaleDB when the extension is installed (or the cluster was made with it)
    db_backend: DbBackend = Field(
        "auto", validation_alias=AliasChoices("KOTA_DB_BACKEND", "KOTA_STACK_DB_BACKEND")
    )

    @classmethod
    def private(cls, state_dir: Path, **options: Any) -> StackSettings:
        """A stack of its own (test session, benchmark) on four distinct free ports."""
        mqtt, kafka, controller, pg = free_ports(4)
        return cls(
            state_dir=state_dir,
            mqtt_port=mqtt,
            kafka_port=kafka,
            kafka_controller_port=controller,
            pg_port=pg,
            **options,
        )

    @field_validator("host")
    @classmethod
    def _loopback_only(cls, host: str) -> str:
        if not (host.startswith("127.") or host in ("localhost", "::1")):
            raise ValueError("the local stack listens on loopback only (127.0.0.0/8 or ::1)")
        return host

    @property
    def state(self) -> Path:
        return self.state_dir.resolve()
