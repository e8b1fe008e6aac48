"""docker-compose.yml: parses, follows the deployment rules, and uses the repo's configs.

No Docker engine is needed: the file is read with PyYAML and checked against the rules
docker-compose.yml states at its top, the Compose Specification's JSON schema (when
check-jsonschema, which vendors it, is installed), the CLI's own parser, and the files
the native stack runs with.
"""

from __future__ import annotations

import json
import re
import shlex
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker-compose.yml"
TLS_OVERRIDE = REPO / "deploy" / "docker" / "compose.tls.yml"
ENV_EXAMPLE = REPO / ".env.example"
OUR_IMAGE = "kotacerdas"

# Container ports a service may publish, and nothing else publishes (issue 9: Kafka and
# PostgreSQL stay inside the compose network).
ALLOWED_PORTS = {"mosquitto": {1883, 8883}, "grafana": {3000}}
# The services that must have no capabilities and a read-only root filesystem.
_VAR = re.compile(r"\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}")


def load(path: Path = COMPOSE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())


def services() -> dict[str, dict[str, Any]]:
    return load()["services"]


def is_one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart") == "no"


def with_defaults(text: str) -> str:
    """Interpolate the way Compose does when no variable is set: defaults, else ''."""
    text = _VAR.sub(lambda m: m.group(3) if m.group(2) in (":-", "-") else "", text)
    return text.replace("$$", "$")


def referenced_variables(text: str) -> set[str]:
    return {m.group(1) for m in _VAR.finditer(text.replace("$$", ""))}


def env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value
    return pairs


def published_ports(service: dict[str, Any]) -> list[tuple[str, int]]:
    """(host part, container port) of every `ports` entry, with defaults interpolated."""
    result = []
    for entry in service.get("ports", []):
        text = with_defaults(str(entry))
        host, _, container = text.rpartition(":")
        result.append((host, int(container.split("/")[0])))
    return result


# --- the file is a valid Compose file ---------------------------------------------------


def test_compose_file_matches_the_compose_specification_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("check_jsonschema", reason="vendors the Compose Specification schema")
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text())
    for path in (COMPOSE, TLS_OVERRIDE):
        jsonschema.validate(load(path), schema)


def test_the_expected_services_exist_with_their_profiles() -> None:
    found = services()
    expected = {
        "mqtt-users",
        "mosquitto",
        "kafka",
        "kafka-init",
        "timescaledb",
        "migrate",
        "ingest",
        "aggregator",
        "grafana",
        "simulator",
        "exporter",
    }
    assert set(found) == expected
    assert found["simulator"]["profiles"] == ["demo"]
    assert found["exporter"]["profiles"] == ["export"]
    # Everything else starts with a plain `docker compose up`.
    assert all("profiles" not in s for n, s in found.items() if n not in ("simulator", "exporter"))


# --- health checks and start order ------------------------------------------------------


@pytest.mark.parametrize("name", sorted(services()))
def test_long_running_services_have_a_health_check_and_one_shots_do_not_restart(
    name: str,
) -> None:
    service = services()[name]
    if is_one_shot(service):
        # A one-shot job is "done", not "healthy": others wait for its exit code instead.
        assert "healthcheck" not in service
        return
    assert service.get("restart") == "unless-stopped", f"{name}: restart policy"
    check = service.get("healthcheck")
    assert check and not check.get("disable"), f"{name} has no health check"
    assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1
    for key in ("interval", "timeout", "retries", "start_period"):
        assert key in check, f"{name}: healthcheck.{key}"


def test_every_dependency_names_the_condition_that_fits_its_kind() -> None:
    """Long-running dependencies must be healthy; one-shots must have exited with 0."""
    found = services()
    for name, service in found.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on needs the long form"
        for dependency, rule in depends.items():
            expected = (
                "service_completed_successfully"
                if is_one_shot(found[dependency])
                else "service_healthy"
            )
            assert rule.get("condition") == expected, f"{name} -> {dependency}"


def test_one_shot_jobs_are_awaited_by_the_services_that_need_them() -> None:
    found = services()
    needs = {
        "mosquitto": "mqtt-users",
        "ingest": "kafka-init",
        "aggregator": "migrate",
        "grafana": "migrate",
        "exporter": "migrate",
    }
    for service, job in needs.items():
        assert job in found[service]["depends_on"], f"{service} must wait for {job}"
    assert {n for n, s in found.items() if is_one_shot(s)} == {
        "mqtt-users",
        "kafka-init",
        "migrate",
    }


# --- images ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(services()))
def test_every_image_is_pinned_to_a_version(name: str) -> None:
    image = with_defaults(services()[name]["image"])
    _repository, sep, tag = image.rpartition(":")
    assert sep and "/" not in tag, f"{name}: {image} has no tag"
    assert tag != "latest" and re.match(r"^\d+\.\d+(\.\d+)?", tag), f"{name}: {image}"


def test_third_party_images_are_the_official_ones() -> None:
    found = services()
    assert found["mosquitto"]["image"].startswith("eclipse-mosquitto:2.")
    assert found["kafka"]["image"].startswith("apache/kafka:4.")
    assert re.fullmatch(
        r"timescale/timescaledb:2\.\d+\.\d+-pg1[5-7]", found["timescaledb"]["image"]
    )
    assert found["grafana"]["image"].startswith("grafana/grafana:")


def test_the_kafka_image_matches_the_broker_version_of_the_native_stack() -> None:
    pom = (REPO / "deploy" / "kafka" / "pom.xml").read_text()
    version = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom).group(1)
    assert services()["kafka"]["image"] == f"apache/kafka:{version}"


def test_python_services_share_our_image_built_from_the_one_dockerfile() -> None:
    ours = {n: s for n, s in services().items() if s["image"].startswith(f"{OUR_IMAGE}:")}
    assert set(ours) == {
        "mqtt-users",
        "kafka-init",
        "migrate",
        "ingest",
        "aggregator",
        "simulator",
        "exporter",
    }
    for name, service in ours.items():
        assert service["build"] == {"context": ".", "dockerfile": "deploy/docker/Dockerfile"}, name
        assert (REPO / service["build"]["dockerfile"]).is_file()


# --- least privilege ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(services()))
def test_no_service_is_privileged_or_shares_the_host(name: str) -> None:
    service = services()[name]
    assert not service.get("privileged", False)
    assert service.get("network_mode") != "host"
    assert service.get("pid") != "host" and service.get("ipc") != "host"
    assert not set(service.get("cap_add", [])) & {"SYS_ADMIN", "NET_ADMIN", "ALL"}
    assert "devices" not in service
    assert "no-new-privileges:true" in service.get("security_opt", []), name
    for volume in service.get("volumes", []):
        assert "docker.sock" not in str(volume), f"{name} mounts the Docker socket"


def test_our_containers_run_read_only_without_capabilities() -> None:
    for name, service in services().items():
        if service["image"].startswith(f"{OUR_IMAGE}:"):
            assert service.get("read_only") is True, name
            assert service.get("cap_drop") == ["ALL"], name
            assert "/tmp" in service.get("tmpfs", []), name


@pytest.mark.parametrize("name", sorted(services()))
def test_only_the_operator_facing_ports_are_published(name: str) -> None:
    ports = {port for _, port in published_ports(services()[name])}
    assert ports <= ALLOWED_PORTS.get(name, set()), f"{name} publishes {ports}"
    assert "expose" not in services()[name] or name in ALLOWED_PORTS


def test_the_tls_override_adds_only_the_mqtt_tls_port() -> None:
    override = load(TLS_OVERRIDE)["services"]
    assert set(override) == {"mosquitto"}
    assert [port for _, port in published_ports(override["mosquitto"])] == [8883]
    assert 8883 not in {port for _, port in published_ports(services()["mosquitto"])}


def test_grafana_is_published_on_loopback_unless_the_operator_says_otherwise() -> None:
    [(host, port)] = published_ports(services()["grafana"])
    assert (host, port) == ("127.0.0.1:3000", 3000)


def test_no_service_reads_the_whole_env_file() -> None:
    """env_file would hand every secret to every container; each names what it needs."""
    assert all("env_file" not in s for s in services().values())


def test_each_secret_reaches_only_the_containers_that_use_it() -> None:
    def holders(variable: str) -> set[str]:
        return {
            name
            for name, service in services().items()
            if variable in referenced_variables(json.dumps(service.get("environment", {})))
        }

    assert holders("KOTA_PG_SUPERUSER_PASSWORD") == {"timescaledb"}
    assert holders("KOTA_OWNER_DB_PASSWORD") == {"timescaledb", "migrate"}
    assert holders("KOTA_GATEWAY_PASSWORD") == {"mqtt-users"}
    assert holders("KOTA_SENSOR_SECRET") == {"mqtt-users", "simulator"}
    assert holders("KOTA_DB_PASSWORD") == {"timescaledb", "migrate", "aggregator"}
    assert holders("KOTA_READER_DB_PASSWORD") == {"timescaledb", "grafana", "exporter"}
    assert holders("KOTA_MQTT_PASSWORD") == {"mqtt-users", "mosquitto", "ingest"}
    assert holders("GRAFANA_ADMIN_PASSWORD") == {"grafana"}


def test_secrets_have_no_default_and_stop_compose_when_missing() -> None:
    text = COMPOSE.read_text()
    for match in _VAR.finditer(text):
        name, operator = match.group(1), match.group(2)
        if "PASSWORD" in name or "SECRET" in name:
            assert operator == ":?", f"{name} must use ${{{name}:?...}}, not a default"


# --- .env.example -------------------------------------------------------------------------


def test_env_example_names_every_variable_the_compose_files_use_and_no_other() -> None:
    used = referenced_variables(COMPOSE.read_text()) | referenced_variables(
        TLS_OVERRIDE.read_text()
    )
    assert used - set(env_example()) == set(), "missing from .env.example"
    assert set(env_example()) - used == set(), "unused in .env.example"


def test_env_example_commits_no_real_secret() -> None:
    from kotacerdas.settings import PLACEHOLDER_SECRETS

    secrets = {k: v for k, v in env_example().items() if "PASSWORD" in k or "SECRET" in k}
    assert len(secrets) >= 8
    assert {v for v in secrets.values()} <= PLACEHOLDER_SECRETS
    assert env_example()["KOTA_ENV"] == "prod"


# --- the same configuration files as the native stack ---------------------------------------


def bind_mounts(service: dict[str, Any]) -> dict[str, str]:
    """container path -> repo-relative source of every ./ bind mount."""
    mounts = {}
    for volume in service.get("volumes", []):
        source, target = str(volume).split(":")[:2]
        if source.startswith("./"):
            mounts[target] = source[2:]
    return mounts


def test_mosquitto_runs_with_the_repo_conf_d_and_acl_the_native_stack_uses() -> None:
    from kotacerdas.stack.mosquitto import MosquittoPaths, render_config
    from kotacerdas.stack.settings import DEPLOY_DIR

    mounts = bind_mounts(services()["mosquitto"])
    assert mounts["/mosquitto/config/conf.d"] == "deploy/mosquitto/conf.d"
    assert mounts["/mosquitto/config/acl"] == "deploy/mosquitto/acl"
    assert mounts["/mosquitto/config/mosquitto.conf"] == "deploy/mosquitto/mosquitto.docker.conf"
    native = render_config(MosquittoPaths(Path("/state")), "127.0.0.1", 1883)
    # the native stack copies them into the broker's own folder (stack/mosquitto.py)
    assert "acl_file /state/acl" in native
    assert "include_dir /state/conf.d" in native
    assert (DEPLOY_DIR / "mosquitto" / "acl").is_file()


def directives(text: str) -> list[tuple[str, str]]:
    lines = (line.strip() for line in text.splitlines())
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def test_the_docker_main_config_sets_only_what_the_native_main_config_sets() -> None:
    """Everything else lives in the shared conf.d, so the environments cannot drift."""
    from kotacerdas.stack.mosquitto import MosquittoPaths, render_config

    docker = directives((REPO / "deploy/mosquitto/mosquitto.docker.conf").read_text())
    native = directives(render_config(MosquittoPaths(Path("/state")), "127.0.0.1", 1883))
    assert {k for k, _ in docker} == {k for k, _ in native}
    assert dict(docker)["acl_file"] == "/mosquitto/config/acl"
    assert ("include_dir", "/mosquitto/config/conf.d") in docker
    shared = {k for k, _ in directives((REPO / "deploy/mosquitto/conf.d/kota.conf").read_text())}
    assert shared.isdisjoint({k for k, _ in docker} - {"include_dir"})
    assert ("allow_anonymous", "false") in directives(
        (REPO / "deploy/mosquitto/conf.d/kota.conf").read_text()
    )


def test_the_database_is_bootstrapped_with_the_native_stacks_sql() -> None:
    mounts = bind_mounts(services()["timescaledb"])
    assert mounts["/kota/bootstrap.sql"] == "deploy/postgres/bootstrap.sql"
    [hook] = [t for t in mounts if t.startswith("/docker-entrypoint-initdb.d/")]
    assert mounts[hook] == "deploy/postgres/bootstrap.sh"
    assert "/kota/bootstrap.sql" in (REPO / mounts[hook]).read_text()


def test_kafka_environment_mirrors_the_native_server_properties() -> None:
    template = (REPO / "deploy/kafka/server.properties.tmpl").read_text()
    environment = services()["kafka"]["environment"]
    fixed = {
        key: value
        for key, value in (
            line.split("=", 1)
            for line in template.splitlines()
            if "=" in line and not line.startswith("#")
        )
        if "${" not in value
    }
    assert fixed, "server.properties.tmpl has no fixed settings?"
    for key, value in fixed.items():
        variable = "KAFKA_" + key.upper().replace(".", "_")
        assert with_defaults(str(environment.get(variable))) == value, variable
    # The templated ones: same meaning, compose-network addresses.
    assert environment["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert with_defaults(environment["KAFKA_NUM_PARTITIONS"]) == "6"


def test_every_bind_mounted_file_exists_in_the_repo() -> None:
    for name, service in services().items():
        for target, source in bind_mounts(service).items():
            assert (REPO / source).exists(), f"{name}: {source} -> {target}"
    for source in bind_mounts(load(TLS_OVERRIDE)["services"]["mosquitto"]).values():
        assert (REPO / source).exists() or source.startswith(".kota/"), source


def test_grafana_gets_what_its_provisioning_reads() -> None:
    grafana = services()["grafana"]
    mounts = bind_mounts(grafana)
    provisioning = REPO / mounts["/etc/grafana/provisioning"]
    wanted = set()
    for path in provisioning.rglob("*.yaml"):
        wanted |= set(re.findall(r"(?<!\$)\$\{?(KOTA_[A-Z0-9_]+)", path.read_text()))
    assert wanted, "the data source reads its connection from KOTA_READER_DB_*"
    assert wanted <= set(grafana["environment"]), wanted - set(grafana["environment"])
    [dashboards] = [t for t, s in mounts.items() if s == "deploy/grafana/dashboards"]
    providers = yaml.safe_load((provisioning / "dashboards" / "kotacerdas.yaml").read_text())
    for provider in providers["providers"]:
        folder = Path(provider["options"]["path"]).relative_to(dashboards)
        assert (REPO / "deploy/grafana/dashboards" / folder).is_dir(), folder


# --- our services' settings and commands ---------------------------------------------------


def test_the_ops_endpoints_listen_inside_the_container_and_are_probed_there() -> None:
    for name, prefix, port in (
        ("ingest", "KOTA_INGEST_", 29100),
        ("aggregator", "KOTA_AGG_", 29101),
    ):
        service = services()[name]
        assert service["environment"][f"{prefix}OPS_HOST"] == "0.0.0.0"
        assert service["environment"][f"{prefix}OPS_PORT"] == str(port)
        assert f"http://127.0.0.1:{port}/readyz" in " ".join(service["healthcheck"]["test"])
        assert "ports" not in service


def test_the_ingest_client_id_is_stable_across_container_recreation() -> None:
    client_id = services()["ingest"]["environment"]["KOTA_INGEST_CLIENT_ID"]
    assert "$" not in client_id and client_id


def _settings_fields() -> dict[str, set[str]]:
    from aggregator.settings import AggregatorSettings
    from ingest.settings import IngestSettings
    from kotacerdas import settings as s
    from simulators.settings import SimulatorSettings

    classes = (
        s.MqttSettings,
        s.KafkaSettings,
        s.DatabaseSettings,
        s.ReaderDatabaseSettings,
        s.OwnerDatabaseSettings,
        s.RegistrySettings,
        IngestSettings,
        AggregatorSettings,
        SimulatorSettings,
    )
    fields = {c.model_config["env_prefix"].upper(): set(c.model_fields) for c in classes}
    fields["KOTA_"] = {"env", "sensor_secret", "state_dir"}
    return fields


def known_setting(variable: str) -> bool:
    fields = _settings_fields()
    for prefix in sorted(fields, key=len, reverse=True):
        if variable.startswith(prefix):
            return variable[len(prefix) :].lower() in fields[prefix]
    return False


def test_every_kota_variable_given_to_our_containers_is_a_real_setting() -> None:
    """A typo (KOTA_DB_SSL_MODE) would be ignored silently by pydantic-settings."""
    script_only = {"KOTA_GATEWAY_PASSWORD", "KOTA_MQTT_USERS_OUT"}  # deploy/docker/mqtt_users.py
    for name, service in services().items():
        if not service["image"].startswith(f"{OUR_IMAGE}:"):
            continue
        for variable in service.get("environment", {}):
            if variable.startswith("KOTA_") and variable not in script_only:
                assert known_setting(variable), f"{name}: {variable} is no setting"


def _command_lines(service: dict[str, Any]) -> list[list[str]]:
    entrypoint = service.get("entrypoint")
    command = [with_defaults(str(part)) for part in service.get("command", [])]
    if entrypoint is None:
        return [command]
    if entrypoint[:2] == ["/bin/sh", "-ec"]:
        return [shlex.split(step)[1:] for step in command[0].split("&&")]
    return []  # a script, not the kotacerdas CLI


@pytest.mark.parametrize(
    "name", ["kafka-init", "migrate", "ingest", "aggregator", "simulator", "exporter"]
)
def test_service_commands_are_ones_the_cli_accepts(name: str) -> None:
    from kotacerdas.cli import build_parser

    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices
    for argv in _command_lines(services()[name]):
        if argv[0] not in subcommands:
            pytest.skip(f"`kotacerdas {argv[0]}` is not built yet")
        parser.parse_args(argv)
