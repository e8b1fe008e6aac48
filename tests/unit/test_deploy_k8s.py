"""deploy/k8s: the manifests parse, pass the Kubernetes OpenAPI schemas (when
kubernetes-validate is installed) and follow our rules: probes on /healthz and /readyz,
requests and limits, non-root read-only containers, aggregator replicas <= partitions,
secrets only as templates.

No cluster is needed; what only a cluster can show (scheduling, the metrics adapter,
the operators' services) is listed in deploy/k8s/README.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
# The oldest Kubernetes we support: CronJob.spec.timeZone is GA from 1.27.
KUBERNETES_VERSION = "1.30.0"
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "CronJob", "Job"}
LONG_RUNNING = {"Deployment", "StatefulSet"}


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def kustomization() -> dict[str, Any]:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


def applied() -> list[dict[str, Any]]:
    """Every object `kubectl apply -k deploy/k8s` creates."""
    return [d for name in kustomization()["resources"] for d in documents(K8S / name)]


def templates() -> list[dict[str, Any]]:
    return documents(K8S / "secret.example.yaml")


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in applied() if d["kind"] == kind]


def one(kind: str, name: str) -> dict[str, Any]:
    [found] = [d for d in applied() if d["kind"] == kind and d["metadata"]["name"] == name]
    return found


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return workload["spec"]["template"]["spec"]


def workloads() -> list[dict[str, Any]]:
    return [d for d in applied() if d["kind"] in WORKLOAD_KINDS]


def workload_id(workload: dict[str, Any]) -> str:
    return f"{workload['kind']}/{workload['metadata']['name']}"


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e for e in container.get("env", [])}


def config() -> dict[str, str]:
    return one("ConfigMap", "kotacerdas-config")["data"]


# --- structure and schema ----------------------------------------------------------------


def test_kustomization_lists_every_manifest_except_the_secret_template() -> None:
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization()["resources"]) == files - {"secret.example.yaml"}
    assert kustomization()["namespace"] == "kotacerdas"
    assert not [d for d in applied() if d["kind"] == "Secret"], "real Secrets are made out of band"


@pytest.mark.parametrize("path", sorted(K8S.glob("*.yaml")), ids=lambda p: p.name)
def test_every_document_is_a_named_kubernetes_object(path: Path) -> None:
    for document in documents(path):
        assert {"apiVersion", "kind"} <= set(document), path.name
        if document["kind"] != "Kustomization":
            assert document["metadata"]["name"]
            assert document["metadata"]["labels"]["app.kubernetes.io/part-of"] == "kotacerdas"


def test_every_object_passes_the_kubernetes_openapi_schema_strictly() -> None:
    """Strict: an unknown field (a typo such as `readinessprobe`) fails, as kubectl would."""
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    for document in applied() + templates():
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_schema_check_would_catch_a_misspelt_field() -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    broken = one("Deployment", "kotacerdas-aggregator")
    pod_spec(broken)["containers"][0]["readinessprobe"] = pod_spec(broken)["containers"][0].pop(
        "readinessProbe"
    )
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_the_namespace_enforces_the_restricted_pod_security_standard() -> None:
    [namespace] = by_kind("Namespace")
    assert namespace["metadata"]["name"] == "kotacerdas"
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


# --- workloads -------------------------------------------------------------------------------


def test_the_expected_workloads_exist() -> None:
    assert {workload_id(w) for w in workloads()} == {
        "StatefulSet/kotacerdas-ingest",
        "Deployment/kotacerdas-aggregator",
        "CronJob/kotacerdas-exporter",
        "Job/kotacerdas-migrate",
    }


@pytest.mark.parametrize("workload", workloads(), ids=workload_id)
def test_pods_run_as_non_root_read_only_without_capabilities_or_api_token(
    workload: dict[str, Any],
) -> None:
    spec = pod_spec(workload)
    assert spec["automountServiceAccountToken"] is False
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] == 10001  # the image's user
    assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC")
    for container in spec["containers"]:
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context.get("privileged", False) is False
        assert context["capabilities"]["drop"] == ["ALL"]
        assert "add" not in context["capabilities"]
        # A writable /tmp for the read-only root filesystem.
        assert any(m["mountPath"] == "/tmp" for m in container["volumeMounts"])


@pytest.mark.parametrize("workload", workloads(), ids=workload_id)
def test_every_container_has_cpu_and_memory_requests_and_limits(workload: dict[str, Any]) -> None:
    for container in pod_spec(workload)["containers"]:
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][kind]), container["name"]


@pytest.mark.parametrize("workload", workloads(), ids=workload_id)
def test_every_container_runs_our_image_and_a_cli_command(workload: dict[str, Any]) -> None:
    kustomize_images = {i["name"] for i in kustomization()["images"]}
    for container in pod_spec(workload)["containers"]:
        assert container["image"] in kustomize_images  # the tag comes from kustomization
        assert container["envFrom"] == [{"configMapRef": {"name": "kotacerdas-config"}}]


@pytest.mark.parametrize(
    "workload", [w for w in workloads() if w["kind"] in LONG_RUNNING], ids=workload_id
)
def test_probes_use_healthz_for_liveness_and_readyz_for_readiness_on_the_ops_port(
    workload: dict[str, Any],
) -> None:
    [container] = pod_spec(workload)["containers"]
    [port] = [p for p in container["ports"] if p["name"] == "ops"]
    environment = env_of(container)
    prefix = {"ingest": "KOTA_INGEST_", "aggregate": "KOTA_AGG_"}[container["args"][0]]
    assert environment[f"{prefix}OPS_PORT"]["value"] == str(port["containerPort"])
    # The default is loopback, which the kubelet cannot reach.
    assert environment[f"{prefix}OPS_HOST"]["value"] == "0.0.0.0"
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "ops"}
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "ops"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "ops"}


def test_each_ingest_replica_uses_its_pod_name_as_mqtt_client_id() -> None:
    ingest = one("StatefulSet", "kotacerdas-ingest")
    [container] = pod_spec(ingest)["containers"]
    client_id = env_of(container)["KOTA_INGEST_CLIENT_ID"]
    assert client_id["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert ingest["spec"]["replicas"] == 2
    # Stable pod names (kotacerdas-ingest-0, -1, ...) = stable broker sessions.
    assert ingest["spec"]["serviceName"] == "kotacerdas-ingest"
    assert one("Service", "kotacerdas-ingest")["spec"]["clusterIP"] == "None"


def test_aggregator_replicas_never_exceed_the_kafka_partitions() -> None:
    partitions = int(config()["KOTA_KAFKA_PARTITIONS"])
    aggregator = one("Deployment", "kotacerdas-aggregator")
    hpa = one("HorizontalPodAutoscaler", "kotacerdas-aggregator")
    assert aggregator["spec"]["replicas"] <= partitions
    assert hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= partitions


@pytest.mark.parametrize("name", ["kotacerdas-ingest", "kotacerdas-aggregator"])
def test_autoscalers_scale_on_cpu_and_on_lag(name: str) -> None:
    hpa = one("HorizontalPodAutoscaler", name)
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    workload = one(target["kind"], target["name"])
    assert workload["spec"]["replicas"] == hpa["spec"]["minReplicas"]
    metrics = hpa["spec"]["metrics"]
    assert {
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}},
    } in metrics
    lag = [m for m in metrics if m["type"] in ("Pods", "External")]
    assert lag, "a lag metric"
    # The metric is one the service exports on /metrics.
    source = (
        REPO
        / {"kotacerdas-ingest": "ingest", "kotacerdas-aggregator": "aggregator"}[name]
        / "metrics.py"
    ).read_text()
    for metric in lag:
        assert f'"{metric["pods"]["metric"]["name"]}"' in source


@pytest.mark.parametrize(
    "workload", [w for w in workloads() if w["kind"] in LONG_RUNNING], ids=workload_id
)
def test_each_long_running_workload_has_a_disruption_budget(workload: dict[str, Any]) -> None:
    labels = workload["spec"]["template"]["metadata"]["labels"]
    budgets = [
        b
        for b in by_kind("PodDisruptionBudget")
        if b["spec"]["selector"]["matchLabels"].items() <= labels.items()
    ]
    assert len(budgets) == 1
    spec = budgets[0]["spec"]
    assert spec.get("minAvailable", 0) >= 1 or spec.get("maxUnavailable") == 1


def test_selectors_match_their_pod_templates() -> None:
    for workload in workloads():
        if workload["kind"] in LONG_RUNNING:
            selector = workload["spec"]["selector"]["matchLabels"]
            assert selector.items() <= workload["spec"]["template"]["metadata"]["labels"].items()
    for service in by_kind("Service"):
        pods = [
            w
            for w in workloads()
            if w["kind"] in LONG_RUNNING
            and service["spec"]["selector"].items()
            <= w["spec"]["template"]["metadata"]["labels"].items()
        ]
        assert len(pods) == 1, service["metadata"]["name"]


def test_the_exporter_runs_monthly_one_at_a_time_with_a_deadline() -> None:
    cron = one("CronJob", "kotacerdas-exporter")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    assert cron["spec"]["schedule"].split()[2] == "1"  # on the 1st of the month
    assert cron["spec"]["timeZone"] == "Asia/Jakarta"
    assert cron["spec"]["jobTemplate"]["spec"]["activeDeadlineSeconds"] > 0
    [container] = pod_spec(cron)["containers"]
    assert container["args"][0] == "export"
    # The read-only role, nothing more.
    secrets = {
        e["valueFrom"]["secretKeyRef"]["key"]
        for e in env_of(container).values()
        if "valueFrom" in e and "secretKeyRef" in e["valueFrom"]
    }
    assert secrets == {"reader-db-password"}


# --- configuration and secrets ---------------------------------------------------------------


def secret_refs(workload: dict[str, Any]) -> set[tuple[str, str]]:
    refs = set()
    for container in pod_spec(workload)["containers"]:
        for entry in container.get("env", []):
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                refs.add((ref["name"], ref["key"]))
    for volume in pod_spec(workload).get("volumes", []):
        if "secret" in volume:
            refs.add((volume["secret"]["secretName"], "*"))
    return refs


def test_the_secret_template_has_every_key_the_workloads_use_and_only_placeholders() -> None:
    from kotacerdas.settings import PLACEHOLDER_SECRETS

    template = {s["metadata"]["name"]: s["stringData"] for s in templates()}
    for workload in workloads():
        for name, key in secret_refs(workload):
            assert name in template, name
            assert key == "*" or key in template[name], f"{workload_id(workload)}: {name}/{key}"
    for data in template.values():
        assert set(data.values()) <= PLACEHOLDER_SECRETS


def test_no_secret_value_is_in_the_configmap_or_inline_env() -> None:
    for key in config():
        assert not any(word in key for word in ("PASSWORD", "SECRET")), key
    for workload in workloads():
        for container in pod_spec(workload)["containers"]:
            for name, entry in env_of(container).items():
                if "PASSWORD" in name or "SECRET" in name:
                    assert "secretKeyRef" in entry.get("valueFrom", {}), name


def test_production_connections_are_encrypted_and_verified() -> None:
    data = config()
    assert data["KOTA_ENV"] == "prod"
    assert data["KOTA_MQTT_TLS"] == "true" and data["KOTA_MQTT_PORT"] == "8883"
    assert data["KOTA_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert data["KOTA_KAFKA_SASL_MECHANISM"].startswith("SCRAM-")
    for prefix in ("KOTA_DB_", "KOTA_READER_DB_", "KOTA_OWNER_DB_"):
        assert data[f"{prefix}SSLMODE"] == "verify-full"
    assert data["PGSSLROOTCERT"].startswith("/etc/kotacerdas/tls/")


def test_every_kota_variable_is_a_setting_the_services_read() -> None:
    from test_deploy_compose import known_setting

    names = set(config())
    for workload in workloads():
        for container in pod_spec(workload)["containers"]:
            names |= set(env_of(container))
    for name in names:
        if name.startswith("KOTA_"):
            assert known_setting(name), name


@pytest.mark.parametrize("name", ["kotacerdas-ingest", "kotacerdas-aggregator"])
def test_the_settings_accept_the_production_configuration(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The ConfigMap plus the workload's env, with real-looking secrets, validate."""
    from aggregator.settings import AggregatorSettings
    from ingest.settings import IngestSettings

    monkeypatch.chdir(tmp_path)  # no developer .kota/stack.env
    for key in [k for k in os.environ if k.startswith(("KOTA_", "PG"))]:
        monkeypatch.delenv(key)
    workload = next(w for w in workloads() if w["metadata"]["name"] == name)
    [container] = pod_spec(workload)["containers"]
    for key, value in config().items():
        monkeypatch.setenv(key, value)
    for key, entry in env_of(container).items():
        monkeypatch.setenv(key, entry.get("value", "a-real-secret-from-the-cluster"))
    settings_class = IngestSettings if name == "kotacerdas-ingest" else AggregatorSettings
    settings = settings_class()
    assert settings.kafka.security_protocol == "SASL_SSL"
    assert settings.kafka.sasl_username == env_of(container)["KOTA_KAFKA_SASL_USERNAME"]["value"]
    assert str(settings.kafka.ca_file) == "/etc/kotacerdas/tls/kafka-ca.crt"


@pytest.mark.parametrize("workload", workloads(), ids=workload_id)
def test_workload_commands_are_ones_the_cli_accepts(workload: dict[str, Any]) -> None:
    import shlex

    from kotacerdas.cli import build_parser

    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices
    [container] = pod_spec(workload)["containers"]
    if "command" in container:
        assert container["command"][:2] == ["/bin/sh", "-ec"]
        lines = [shlex.split(step)[1:] for step in container["command"][2].split("&&")]
    else:
        lines = [container["args"]]
    for argv in lines:
        if argv[0] not in subcommands:
            pytest.skip(f"`kotacerdas {argv[0]}` is not built yet")
        parser.parse_args(argv)
