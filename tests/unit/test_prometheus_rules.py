"""The Prometheus rules parse and only use metrics the services really export."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from aggregator.metrics import AggregatorMetrics
from ingest.metrics import IngestMetrics

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "alerts.yml"


def _exported() -> set[str]:
    names: set[str] = set()
    for registry in (IngestMetrics().registry, AggregatorMetrics().registry):
        for family in registry.collect():
            names |= {s.name for s in family.samples} | {family.name}
    # metrics registered by the aggregator's jobs on its registry
    names |= {"kota_agg_indicator_errors_total", "kota_agg_indicator_final_until"}
    return names


def test_every_rule_has_a_summary_and_known_metrics():
    doc = yaml.safe_load(RULES.read_text())
    exported = _exported()
    rules = [r for g in doc["groups"] for r in g["rules"]]
    assert len(rules) >= 5
    for rule in rules:
        assert rule["annotations"]["summary"]
        assert rule["labels"]["severity"] in {"warning", "critical"}
        for metric in re.findall(r"\b(kota_[a-z0-9_]+)", rule["expr"]):
            assert metric in exported, f"{rule['alert']}: {metric} is not exported"
