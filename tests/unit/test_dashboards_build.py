"""The generated dashboards and provisioning files: stable, complete, consistent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kotacerdas.cli import main
from kotacerdas.dashboards import alerting
from kotacerdas.dashboards.catalogue import (
    ALERTING_FILE,
    CATALOGUE,
    DEPLOY_DIR,
    dashboard_model,
    render,
    stale_files,
)
from kotacerdas.dashboards.folders import FOLDERS
from kotacerdas.dashboards.sql_query import DATASOURCE_TYPE, DATASOURCE_UID

EXPECTED = {
    "kota-overview": "Ikhtisar kota / City overview",
    "kota-air": "Kualitas udara / Air quality",
    "kota-traffic": "Lalu lintas / Traffic",
    "kota-waste": "Sampah / Waste",
    "kota-pipeline": "Kesehatan pipeline / Pipeline health",
}
PROVISIONING = DEPLOY_DIR / "provisioning"


def test_building_twice_gives_identical_files():
    assert render() == render()


def test_committed_files_are_what_the_builders_give():
    assert stale_files() == [], "run `kotacerdas dashboards build`"


def test_each_dashboard_has_its_uid_title_and_the_reader_data_source():
    assert {entry.uid: dashboard_model(entry)["title"] for entry in CATALOGUE} == EXPECTED
    for entry in CATALOGUE:
        model = json.loads((DEPLOY_DIR / entry.path).read_text(encoding="utf-8"))
        assert model["uid"] == entry.uid and model["title"] == EXPECTED[entry.uid]
        assert model["panels"], entry.uid
        for panel in model["panels"]:
            refs = [panel["datasource"], *(t["datasource"] for t in panel["targets"])]
            assert all(r == {"type": DATASOURCE_TYPE, "uid": DATASOURCE_UID} for r in refs)
            assert [t["refId"] for t in panel["targets"]] == ["A"]
        for variable in model.get("templating", {}).get("list", []):
            assert variable["datasource"]["uid"] == DATASOURCE_UID


def test_panel_ids_are_unique_and_titles_bilingual_indonesian_first():
    for entry in CATALOGUE:
        model = dashboard_model(entry)
        ids = [panel["id"] for panel in model["panels"]]
        assert ids == list(range(1, len(ids) + 1))
        for panel in model["panels"]:
            indonesian, english = panel["title"].split(" / ", 1)
            assert indonesian and english, panel["title"]


def test_overview_has_city_and_district_variables_and_a_station_geomap():
    model = dashboard_model(next(e for e in CATALOGUE if e.uid == "kota-overview"))
    variables = {v["name"]: v for v in model["templating"]["list"]}
    assert not variables["city"]["multi"]
    assert variables["district"]["multi"] and variables["district"]["includeAll"]
    geomap = next(p for p in model["panels"] if p["type"] == "geomap")
    assert geomap["options"]["layers"][0]["location"] == {
        "mode": "coords",
        "latitude": "lat",
        "longitude": "lon",
    }


def test_datasource_provisioning_uses_the_read_only_role_and_the_panels_uid():
    doc = yaml.safe_load((PROVISIONING / "datasources" / "kotacerdas.yaml").read_text())
    (source,) = doc["datasources"]
    assert source["uid"] == DATASOURCE_UID and source["type"] == DATASOURCE_TYPE
    assert source["user"] == "kota_reader"
    assert source["secureJsonData"]["password"].startswith("$")  # never a literal secret


def test_dashboard_providers_match_the_folders_and_the_build_layout():
    doc = yaml.safe_load((PROVISIONING / "dashboards" / "kotacerdas.yaml").read_text())
    providers = {p["folderUid"]: p for p in doc["providers"]}
    assert {(f.uid, f.title) for f in FOLDERS} == {
        (uid, p["folder"]) for uid, p in providers.items()
    }
    for entry in CATALOGUE:
        assert providers[entry.folder.uid]["options"]["path"].endswith(entry.path.parent.name)


def test_alert_rules_cover_the_four_kinds_and_query_the_data_source():
    doc = yaml.safe_load(render()[ALERTING_FILE])
    rules = {r["uid"]: r for group in doc["groups"] for r in group["rules"]}
    assert set(rules) == {
        "kota-hazardous-air",
        "kota-bin-fire-risk",
        "kota-gridlock",
        "kota-pipeline-stalled",
    }
    for rule in rules.values():
        query, condition = rule["data"]
        assert query["datasourceUid"] == DATASOURCE_UID and query["model"]["format"] == "table"
        assert "$" not in query["model"]["rawSql"]  # Grafana would expand it as an env var
        assert condition["model"]["type"] == "threshold" and rule["condition"] == "B"
        assert (
            "$$labels" in rule["annotations"]["summary"]
            or "$$values" in rule["annotations"]["summary"]
        )
    assert rules["kota-pipeline-stalled"]["noDataState"] == "Alerting"
    (contact,) = doc["contactPoints"]
    settings = [r["settings"] for r in contact["receivers"]]
    assert settings[0]["addresses"] == "$KOTA_ALERT_EMAIL"
    assert doc["policies"][0]["receiver"] == alerting.CONTACT_POINT


def test_cli_build_writes_and_check_detects_drift(tmp_path: Path, capsys: pytest.CaptureFixture):
    assert main(["dashboards", "build", "--out", str(tmp_path)]) == 0
    assert main(["dashboards", "build", "--out", str(tmp_path), "--check"]) == 0
    target = tmp_path / CATALOGUE[0].path
    target.write_text("{}", encoding="utf-8")
    assert main(["dashboards", "build", "--out", str(tmp_path), "--check"]) == 1
    assert "out of date" in capsys.readouterr().out
    assert main(["dashboards", "build", "--out", str(tmp_path)]) == 0
    assert json.loads(target.read_text())["uid"] == CATALOGUE[0].uid
