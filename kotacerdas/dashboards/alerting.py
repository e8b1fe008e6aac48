"""Grafana-managed alert rules, contact points and the notification policy, as a Grafana
file-provisioning document (``apiVersion: 1`` with ``groups``, ``contactPoints``,
``policies``).

Rules are built with grafana-foundation-sdk (``alerting.Rule`` + an SQL query + a
threshold expression) and rendered into the file-provisioning shape. Each SQL query
returns table data: string columns become alert labels, the one numeric column is the
value the threshold compares (Grafana's multi-dimensional alerts from SQL tables).
Contact-point addresses are ``$KOTA_…`` placeholders that Grafana's provisioning
expands from its environment at start-up.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from grafana_foundation_sdk.builders import alerting, expr
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import alerting as am
from grafana_foundation_sdk.models import dashboard as dm

from kotacerdas.dashboards.folders import GREEN_SAFE, OPERATIONS, Folder
from kotacerdas.dashboards.panels import label
from kotacerdas.dashboards.sql_query import DATASOURCE_UID, SqlQuery, sql

CONTACT_POINT = "kota-operations-centre"
EVAL_INTERVAL = "1m"
# Only fresh indicator rows count: an indicator job that stopped must not keep an alert
# firing on a stale value (that case is the pipeline-stalled rule's job).
FRESH = "window_start > now() - interval '15 minutes'"


@dataclass(frozen=True)
class RuleSpec:
    uid: str
    title: str
    folder: Folder
    query: str
    above: float
    pending: str
    severity: str
    summary: str
    no_data: str = "OK"


RULES: tuple[RuleSpec, ...] = (
    RuleSpec(
        "kota-hazardous-air",
        label("Udara berbahaya", "Hazardous air"),
        GREEN_SAFE,
        f"""SELECT city, sensor_id, value AS ispu FROM v_indicator_latest
             WHERE code = 'ispu' AND sensor_id IS NOT NULL AND {FRESH}""",
        300.0,
        "5m",
        "critical",
        "ISPU {{ $values.A }} at {{ $labels.sensor_id }} ({{ $labels.city }}): berbahaya.",
    ),
    RuleSpec(
        "kota-bin-fire-risk",
        label("Risiko kebakaran tempat sampah", "Bin fire risk"),
        GREEN_SAFE,
        f"""SELECT city, sensor_id, value AS fire_risk FROM v_indicator_latest
             WHERE code = 'bin_fire_risk' AND {FRESH}""",
        0.5,
        "0s",
        "critical",
        "Bin {{ $labels.sensor_id }} ({{ $labels.city }}) is hot: possible fire.",
    ),
    RuleSpec(
        "kota-gridlock",
        label("Macet total", "Gridlock"),
        GREEN_SAFE,
        f"""SELECT city, sensor_id, value AS gridlock FROM v_indicator_latest
             WHERE code = 'gridlock' AND {FRESH}""",
        0.5,
        "0s",
        "warning",
        "Gridlock (LOS F ≥ 15 min) on {{ $labels.sensor_id }} ({{ $labels.city }}).",
    ),
    RuleSpec(
        "kota-pipeline-stalled",
        label("Pipeline berhenti", "Pipeline stalled"),
        OPERATIONS,
        """SELECT coalesce(extract(epoch FROM now() - max(ts)), 86400) AS seconds_since_batch
             FROM v_pipeline_batch WHERE ts > now() - interval '1 day'""",
        120.0,
        "1m",
        "critical",
        "No batch stored for {{ $values.A }} s: ingest, Kafka or the aggregator is down.",
        no_data="Alerting",
    ),
)


def _rule(spec: RuleSpec) -> alerting.Rule:
    query = alerting.Query("A").datasource_uid(DATASOURCE_UID).model(sql(spec.query))
    query.relative_time_range(am.RelativeTimeRange(from_val=600, to=0))
    threshold = (
        expr.TypeThreshold()
        .ref_id("B")
        .expression("A")
        .datasource(dm.DataSourceRef(type_val="__expr__", uid="__expr__"))
        .conditions(
            [
                expr.ExprTypeThresholdConditions().evaluator(
                    expr.ExprTypeThresholdConditionsEvaluator().type("gt").params([spec.above])
                )
            ]
        )
    )
    return (
        alerting.Rule(spec.title)
        .uid(spec.uid)
        .condition("B")
        .with_query(query)
        .with_query(alerting.Query("B").datasource_uid("__expr__").model(threshold))
        .for_val(spec.pending)
        .no_data_state(spec.no_data)  # type: ignore[arg-type]
        .exec_err_state("Error")
        .labels({"severity": spec.severity, "team": "operations-centre"})
        .annotations(spec_annotations(spec))
    )


def _file_rule(spec: RuleSpec) -> dict[str, object]:
    """The SDK's API model → the file-provisioning rule shape."""
    api = json.loads(json.dumps(_rule(spec).build(), cls=JSONEncoder))
    keep = (
        "uid",
        "title",
        "condition",
        "data",
        "noDataState",
        "execErrState",
        "for",
        "labels",
        "annotations",
    )
    rule = {key: api[key] for key in keep if key in api}
    # Grafana expands $VAR in provisioning files; "$$" keeps a literal "$" for the
    # notification templates ({{ $labels.x }}).
    rule["annotations"] = {k: v.replace("$", "$$") for k, v in spec_annotations(spec).items()}
    rule["isPaused"] = False
    return rule


def spec_annotations(spec: RuleSpec) -> dict[str, str]:
    return {"summary": spec.summary}


def rule_queries() -> dict[str, SqlQuery]:
    """uid → the rule's SQL query (for the tests)."""
    return {spec.uid: SqlQuery("A", sql(spec.query).build().sql, "table") for spec in RULES}


def provisioning_document() -> dict[str, object]:
    folders: dict[str, list[RuleSpec]] = {}
    for spec in RULES:
        folders.setdefault(spec.folder.title, []).append(spec)
    groups = [
        {
            "orgId": 1,
            "name": "kotacerdas",
            "folder": title,
            "interval": EVAL_INTERVAL,
            "rules": [_file_rule(spec) for spec in specs],
        }
        for title, specs in folders.items()
    ]
    return {
        "apiVersion": 1,
        "groups": groups,
        "contactPoints": [
            {
                "orgId": 1,
                "name": CONTACT_POINT,
                "receivers": [
                    {
                        "uid": "kota-ops-email",
                        "type": "email",
                        "settings": {"addresses": "$KOTA_ALERT_EMAIL"},
                    },
                    {
                        "uid": "kota-ops-webhook",
                        "type": "webhook",
                        "settings": {"url": "$KOTA_ALERT_WEBHOOK_URL", "httpMethod": "POST"},
                    },
                ],
            }
        ],
        "policies": [
            {
                "orgId": 1,
                "receiver": CONTACT_POINT,
                "group_by": ["grafana_folder", "alertname", "city"],
                "group_wait": "30s",
                "group_interval": "5m",
                "repeat_interval": "4h",
            }
        ],
    }
