"""Secure defaults: the services, the broker's user list and the database bootstrap refuse
the placeholder passwords of .env.example unless KOTA_ENV is dev or test; make-env.sh
replaces every placeholder with a fresh secret.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

REPO = Path(__file__).resolve().parents[2]
MQTT_USERS = REPO / "deploy" / "docker" / "mqtt_users.py"
BOOTSTRAP_SH = REPO / "deploy" / "postgres" / "bootstrap.sh"
MAKE_ENV = REPO / "deploy" / "docker" / "make-env.sh"
PLACEHOLDERS = ["", "change-me", "changeme", "password", "kota"]
REAL = "9f2c4e1b7a60d8e3c5b1a2f4"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No KOTA_* from the shell or a test stack, and no developer .kota/stack.env."""
    from aggregator.settings import AggregatorSettings
    from ingest.settings import IngestSettings
    from kotacerdas import settings

    for key in [k for k in os.environ if k.startswith("KOTA_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    # The env file path is fixed when the classes are defined; switch it off outright.
    for cls in (
        settings.EnvironmentSettings,
        settings.MqttSettings,
        settings.KafkaSettings,
        settings.DatabaseSettings,
        settings.RegistrySettings,
        IngestSettings,
        AggregatorSettings,
    ):
        monkeypatch.setitem(cls.model_config, "env_file", None)
    return monkeypatch


def _ingest() -> object:
    from ingest.settings import IngestSettings

    return IngestSettings()


def _aggregator() -> object:
    from aggregator.settings import AggregatorSettings

    return AggregatorSettings()


SERVICES = [
    ("ingest", _ingest, "KOTA_MQTT_PASSWORD"),
    ("aggregator", _aggregator, "KOTA_DB_PASSWORD"),
]


@pytest.mark.parametrize("placeholder", PLACEHOLDERS)
@pytest.mark.parametrize(("service", "build", "variable"), SERVICES, ids=[s[0] for s in SERVICES])
@pytest.mark.parametrize("environment", ["prod", None])
def test_services_refuse_placeholder_passwords_in_production(
    clean_env: pytest.MonkeyPatch,
    service: str,
    build,
    variable: str,
    placeholder: str,
    environment: str | None,
) -> None:
    if environment:
        clean_env.setenv("KOTA_ENV", environment)  # unset means prod
    clean_env.setenv(variable, placeholder)
    with pytest.raises(ValidationError) as refused:
        build()
    assert variable in str(refused.value)


@pytest.mark.parametrize(("service", "build", "variable"), SERVICES, ids=[s[0] for s in SERVICES])
@pytest.mark.parametrize("environment", ["dev", "test"])
def test_development_machines_may_use_placeholders(
    clean_env: pytest.MonkeyPatch, service: str, build, variable: str, environment: str
) -> None:
    clean_env.setenv("KOTA_ENV", environment)
    clean_env.setenv(variable, "change-me")
    build()


@pytest.mark.parametrize(("service", "build", "variable"), SERVICES, ids=[s[0] for s in SERVICES])
def test_a_real_secret_starts_and_is_never_shown(
    clean_env: pytest.MonkeyPatch, service: str, build, variable: str
) -> None:
    clean_env.setenv("KOTA_ENV", "prod")
    clean_env.setenv(variable, REAL)
    settings = build()
    assert REAL not in repr(settings) and REAL not in str(settings)


@pytest.mark.parametrize(
    ("command", "variable"), [("ingest", "KOTA_MQTT_PASSWORD"), ("aggregate", "KOTA_DB_PASSWORD")]
)
def test_the_cli_stops_with_one_line_naming_the_setting(
    clean_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
    variable: str,
) -> None:
    from kotacerdas.cli import main

    clean_env.setenv(variable, "change-me")
    assert main([command]) == 2
    err = capsys.readouterr().err
    assert variable in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


# --- the broker's user list (docker-compose one-shot `mqtt-users`) ---------------------------


def run_mqtt_users(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("KOTA_")}
    base |= {"KOTA_MQTT_USERS_OUT": str(tmp_path / "passwd.plain")} | env
    return subprocess.run(
        [sys.executable, str(MQTT_USERS)],
        env=base,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "variable", ["KOTA_MQTT_PASSWORD", "KOTA_GATEWAY_PASSWORD", "KOTA_SENSOR_SECRET"]
)
def test_the_broker_user_list_refuses_placeholders(tmp_path: Path, variable: str) -> None:
    secrets = {
        "KOTA_MQTT_PASSWORD": "a" + REAL,
        "KOTA_GATEWAY_PASSWORD": "b" + REAL,
        "KOTA_SENSOR_SECRET": "c" + REAL,
        variable: "change-me",
    }
    result = run_mqtt_users(tmp_path, KOTA_ENV="prod", **secrets)
    assert result.returncode == 2
    assert variable in result.stderr and "change-me" not in result.stderr
    assert not (tmp_path / "passwd.plain").exists()


def test_the_broker_user_list_has_the_service_users_and_every_sensor(tmp_path: Path) -> None:
    from kotacerdas.credentials import sensor_password
    from kotacerdas.registry import load_registry

    result = run_mqtt_users(
        tmp_path,
        KOTA_ENV="prod",
        KOTA_MQTT_PASSWORD="i" + REAL,
        KOTA_GATEWAY_PASSWORD="g" + REAL,
        KOTA_SENSOR_SECRET="s" + REAL,
    )
    assert result.returncode == 0, result.stderr
    written = tmp_path / "passwd.plain"
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    users = dict(line.split(":", 1) for line in written.read_text().splitlines())
    assert users["kota-ingest"] == "i" + REAL and users["kota-gateway"] == "g" + REAL
    sensors = load_registry().sensors
    assert set(users) - {"kota-ingest", "kota-gateway"} == set(sensors)
    some = sorted(sensors)[0]
    assert users[some] == sensor_password("s" + REAL, some)


# --- the database bootstrap (TimescaleDB image's docker-entrypoint-initdb.d hook) ------------


def run_bootstrap(tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run bootstrap.sh with a stand-in psql that records how it was called."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    record = tmp_path / "psql.args"
    fake = bin_dir / "psql"
    fake.write_text(f'#!/bin/sh\necho "$@" > {record}\n')
    fake.chmod(0o755)
    base = {"PATH": f"{bin_dir}:/usr/bin:/bin"} | env
    result = subprocess.run(
        ["sh", str(BOOTSTRAP_SH)], env=base, capture_output=True, text=True, timeout=30, check=False
    )
    return result, record.read_text() if record.exists() else ""


def db_passwords(value: str) -> dict[str, str]:
    return {
        name: value
        for name in ("KOTA_OWNER_DB_PASSWORD", "KOTA_DB_PASSWORD", "KOTA_READER_DB_PASSWORD")
    }


@pytest.mark.parametrize("placeholder", PLACEHOLDERS[1:])
def test_the_database_bootstrap_refuses_placeholder_role_passwords(
    tmp_path: Path, placeholder: str
) -> None:
    result, called = run_bootstrap(
        tmp_path, **db_passwords(REAL) | {"KOTA_DB_PASSWORD": placeholder}
    )
    assert result.returncode != 0 and "KOTA_DB_PASSWORD" in result.stderr
    assert not called, "psql must not run"


def test_the_database_bootstrap_refuses_a_missing_password(tmp_path: Path) -> None:
    env = db_passwords(REAL)
    del env["KOTA_READER_DB_PASSWORD"]
    result, called = run_bootstrap(tmp_path, KOTA_ENV="dev", **env)
    assert result.returncode != 0 and "KOTA_READER_DB_PASSWORD" in result.stderr and not called


@pytest.mark.parametrize(("environment", "value"), [("prod", REAL), ("dev", "change-me")])
def test_the_database_bootstrap_runs_the_shared_sql_without_passwords_on_the_command_line(
    tmp_path: Path, environment: str, value: str
) -> None:
    result, called = run_bootstrap(tmp_path, KOTA_ENV=environment, **db_passwords(value))
    assert result.returncode == 0, result.stderr
    assert "-f /kota/bootstrap.sql" in called and "ON_ERROR_STOP=1" in called
    assert value not in called


# --- make-env.sh -------------------------------------------------------------------------------


def test_make_env_replaces_every_placeholder_with_a_distinct_secret(tmp_path: Path) -> None:
    from kotacerdas.settings import PLACEHOLDER_SECRETS

    target = tmp_path / ".env"
    result = subprocess.run(
        ["sh", str(MAKE_ENV), str(target)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    values = dict(
        line.split("=", 1)
        for line in target.read_text().splitlines()
        if line and not line.startswith("#")
    )
    example = dict(
        line.split("=", 1)
        for line in (REPO / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert set(values) == set(example)
    secrets = [k for k in values if "PASSWORD" in k or "SECRET" in k]
    assert secrets and all(re.fullmatch(r"[0-9a-f]{48}", values[k]) for k in secrets)
    assert len({values[k] for k in secrets}) == len(secrets)
    assert not set(values.values()) & PLACEHOLDER_SECRETS
    # Everything that is not a placeholder is copied as it is.
    assert {k: v for k, v in values.items() if k not in secrets} == {
        k: v for k, v in example.items() if k not in secrets
    }


def test_make_env_never_overwrites_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / ".env"
    target.write_text("KOTA_DB_PASSWORD=the-one-the-database-knows\n")
    result = subprocess.run(
        ["sh", str(MAKE_ENV), str(target)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 1 and "exists" in result.stderr
    assert target.read_text() == "KOTA_DB_PASSWORD=the-one-the-database-knows\n"
