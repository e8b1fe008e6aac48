"""Import inputs → numbered messages (ingest.import_sources) and published index rows."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.import_cli import MAPPINGS_DIR
from ingest.import_sources import (
    CsvMapping,
    Message,
    Refusal,
    csv_rows,
    json_lines,
    load_mapping,
    senml_file,
)
from ingest.published_index import PublishedIndexMapping, PublishedRow, parse
from kotacerdas.reasons import ReasonCode as R
from kotacerdas.registry import load_registry

REGISTRY = load_registry(Path(__file__).parents[2] / "data" / "cities")
TOPIC = "kota/ujipulih/air/ujp-air-0001"


def _lines(*texts: str):
    return enumerate((t.encode() for t in texts), 1)


def test_json_lines_keep_their_numbers_and_resolve_the_station() -> None:
    good = json.dumps(
        {"v": 1, "sensor_id": "ujp-air-0001", "ts": "2026-01-01T00:00:00Z", "metrics": {"pm25": 1}}
    )
    unknown = good.replace("ujp-air-0001", "ujp-air-0999")
    out = list(json_lines(_lines(good, "", "{oops", unknown, "42"), REGISTRY))
    assert isinstance(out[0], Message) and out[0].topic == TOPIC and out[0].line == 1
    assert [(o.line, o.reason) for o in out[1:]] == [  # type: ignore[union-attr]
        (3, R.MALFORMED_JSON),
        (4, R.UNKNOWN_SENSOR),
        (5, R.NOT_AN_OBJECT),
    ]


def test_a_senml_pack_names_its_station_in_the_base_name() -> None:
    pack = [{"bn": "urn:dev:kota:ujp-air-0001:", "bt": 1.7e9, "n": "pm2_5", "v": 3}]
    (found,) = senml_file(json.dumps(pack).encode(), REGISTRY)
    assert isinstance(found, Message) and found.topic == TOPIC
    (anon,) = senml_file(json.dumps([{"n": "pm2_5", "v": 3, "t": 1.7e9}]).encode(), REGISTRY)
    assert isinstance(anon, Refusal) and anon.reason == R.MISSING_FIELD
    (given,) = senml_file(json.dumps([{"n": "pm2_5", "v": 3}]).encode(), REGISTRY, "ujp-air-0001")
    assert isinstance(given, Message)


def test_csv_rows_become_native_messages_with_units() -> None:
    mapping = CsvMapping.model_validate(
        {
            "sensor": {"column": "st", "map": {"A": "ujp-air-0001"}},
            "time": {"column": "t", "format": "%Y-%m-%d %H:%M", "timezone": "Asia/Jakarta"},
            "metrics": {"pm10": {"column": "p", "unit": "mg/m3"}},
            "revision": {"column": "rev"},
        }
    )
    text = "st,t,p,rev\nA,2026-01-01 07:00,0.05,\nB,2026-01-01 07:00,1,\nA,yesterday,1,\nA,2026-01-01 08:00,x,\n"
    good, unknown, bad_date, bad_number = csv_rows(text, mapping, REGISTRY)
    assert isinstance(good, Message) and good.line == 2
    body = json.loads(good.payload)
    assert body["ts"] == "2026-01-01T07:00:00+07:00" and body["units"] == {"pm10": "mg/m3"}
    assert [(r.line, r.reason) for r in (unknown, bad_date, bad_number)] == [  # type: ignore[union-attr]
        (3, R.UNKNOWN_SENSOR),
        (4, R.INVALID_TIMESTAMP),
        (5, R.WRONG_TYPE),
    ]


def test_the_jakarta_ispu_mapping_stores_sub_indices_as_evidence() -> None:
    mapping = load_mapping(MAPPINGS_DIR / "jakarta_ispu.yaml")
    assert isinstance(mapping, PublishedIndexMapping) and mapping.city == "jakarta"
    text = (
        "periode_data,tanggal,pm10,pm25,so2,co,o3,no2,max,critical,categori,lokasi_spku\n"
        "202101,2021-01-01,38,53,29,6,31,13,53,PM25,SEDANG,DKI1\n"
        "202101,01/01/2021,38,---,29,6,31,13,38,PM10,TIDAK SEHAT,DKI2\n"
        "202101,2021-01-01,38,53,29,6,31,13,80,PM25,SEDANG,DKI3\n"
        "202101,kemarin,38,53,29,6,31,13,53,PM25,SEDANG,DKI4\n"
    )
    first, second, wrong_max, bad_day = parse(text, mapping)
    assert isinstance(first, PublishedRow) and first.values["pm25"] == 53 and first.max == 53
    assert first.category == "sedang" and first.period == "202101"
    assert isinstance(second, PublishedRow) and "pm25" not in second.values
    assert second.category == "tidak_sehat"
    assert isinstance(wrong_max, Refusal) and wrong_max.reason == R.INCONSISTENT
    assert isinstance(bad_day, Refusal) and bad_day.line == 5
