"""A bad setting stops start-up with one line naming it; secrets never reach a log."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest
from pydantic import SecretStr

from ingest.settings import IngestSettings
from kotacerdas.logs import JsonFormatter
from kotacerdas.settings import KafkaSettings


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KOTA_")}
    return subprocess.run(
        [sys.executable, "-m", "kotacerdas.cli", *args],
        env={**clean, "KOTA_STATE_DIR": "/nonexistent-kota-state", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_bad_setting_is_one_line_naming_it():
    done = _cli("ingest", KOTA_ENV="dev", KOTA_INGEST_RECEIVE_MAXIMUM="0")
    assert done.returncode == 2
    assert "receive_maximum" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_placeholder_password_is_refused_in_production():
    done = _cli("aggregate", KOTA_ENV="prod", KOTA_DB_PASSWORD="change-me")
    assert done.returncode == 2
    assert "KOTA_DB_PASSWORD" in done.stderr and "Traceback" not in done.stderr


def test_sasl_without_credentials_names_the_missing_settings():
    with pytest.raises(ValueError, match="KOTA_KAFKA_SASL_USERNAME"):
        KafkaSettings(security_protocol="SASL_SSL", _env_file=None)


def test_secrets_do_not_show_in_settings_or_logs(monkeypatch, caplog):
    monkeypatch.setenv("KOTA_MQTT_PASSWORD", "s3cret-value-123")
    monkeypatch.setenv("KOTA_ENV", "dev")
    settings = IngestSettings(_env_file=None)
    assert "s3cret-value-123" not in repr(settings) and "s3cret-value-123" not in str(settings)
    assert isinstance(settings.mqtt.password, SecretStr)
    record = logging.LogRecord(
        "kota", logging.INFO, __file__, 1, f"settings {settings}", None, None
    )
    line = JsonFormatter().format(record)
    assert "s3cret-value-123" not in line
    assert json.loads(line)["level"] == "info"


def test_every_command_has_help():
    done = _cli("--help")
    assert done.returncode == 0
    commands = [
        "stack",
        "migrate",
        "aggregate",
        "ingest",
        "simulate",
        "registry",
        "topics",
        "run",
        "top",
        "dashboards",
        "export",
        "bench",
    ]
    for command in commands:
        if command not in done.stdout:
            continue  # a part not built in this checkout
        helped = _cli(command, "--help")
        assert helped.returncode == 0 and "usage" in helped.stdout.lower(), command
