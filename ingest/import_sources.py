"""Files to import → numbered messages (topic + payload bytes) for ``ingest.formats.decode`` (pure).

``kotacerdas import`` does not parse readings itself: every line (or CSV row) becomes
the MQTT message a sensor would have sent, with the topic the registry gives its sensor,
and is decoded by the same adapters, units and rules as live data. This module only
finds each unit of input, its line number and its sensor:

* **native JSON lines** (``.jsonl``/``.ndjson``, or ``.json`` with one object a line):
  ``{"v": 1, "sensor_id": …}``; the sensor is ``sensor_id``;
* **SenML packs** (RFC 8428 JSON): a ``.json`` file holding one pack, or one pack per
  line; the sensor is the registered id among the tokens of the base name ``bn``
  (``urn:dev:kota:jkt-air-0001:``), or ``--sensor`` for packs without one;
* **CSV** with a column mapping (``ingest/mappings/*.yaml``, :class:`CsvMapping`): each
  row becomes a native v1 object (units from the mapping, converted by the decoder).

A unit that cannot even be read (bad JSON, an unknown station, a bad date in a CSV row)
is a :class:`Refusal` with its line number; it never stops the rest.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field

from kotacerdas.reasons import ReasonCode
from kotacerdas.registry import Registry

Format = Literal["jsonl", "senml", "csv"]
_TOKENS = re.compile(r"[:/#?&=,;\s]+")


@dataclass(frozen=True, slots=True)
class Message:
    """One unit of input as the message a sensor would have sent."""

    line: int
    topic: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class Refusal:
    line: int
    reason: ReasonCode
    message: str


class Column(BaseModel):
    """A value from a column, or a fixed value; ``map`` translates column values."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    column: str | None = None
    value: str | float | int | None = None
    map: dict[str, str] | None = None


class TimeColumn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    column: str
    # "iso" (RFC 3339 / ISO 8601), or a strptime format such as "%Y-%m-%d"
    format: str = "iso"
    # for times without an offset (an Indonesian open-data export: local time)
    timezone: str = "UTC"


class MetricColumn(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    column: str
    unit: str | None = None


class CsvMapping(BaseModel):
    """How a CSV's columns become a native v1 reading (validated when loaded)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["readings"] = "readings"
    description: str = ""
    delimiter: str = Field(",", min_length=1, max_length=1)
    sensor: Column
    time: TimeColumn
    metrics: dict[str, MetricColumn] = Field(min_length=1)
    seq: Column | None = None
    revision: Column | None = None
    interval_s: Column | None = None
    # Cell values that mean "no value" (left out of the reading, not refused).
    missing: tuple[str, ...] = ("", "-", "NA", "N/A", "null")


def load_mapping(path: Path) -> Any:
    """A ``CsvMapping``, or a ``PublishedIndexMapping`` for ``kind: published_index``.

    Raises ``ValueError`` (pydantic's) naming the bad key, or ``OSError``."""
    doc = yaml.safe_load(path.read_text())
    if isinstance(doc, dict) and doc.get("kind") == "published_index":
        from ingest.published_index import PublishedIndexMapping

        return PublishedIndexMapping.model_validate(doc)
    return CsvMapping.model_validate(doc)


def detect_format(path: Path) -> Format:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        return "csv"
    with path.open("rb") as handle:
        head = handle.read(4096).lstrip()
    return "senml" if head.startswith(b"[") else "jsonl"


def topic_for(registry: Registry, sensor_id: str) -> str | None:
    sensor = registry.sensor(sensor_id)
    return None if sensor is None else f"kota/{sensor.city}/{sensor.domain}/{sensor_id}"


def _unknown(line: int, sensor: object) -> Refusal:
    return Refusal(line, ReasonCode.UNKNOWN_SENSOR, f"station {sensor!r} is not in the registry")


def json_lines(
    lines: Iterator[tuple[int, bytes]], registry: Registry, sensor: str | None = None
) -> Iterator[Message | Refusal]:
    """Native objects and SenML packs, one per line (blank lines skipped)."""
    for number, raw in lines:
        text = raw.strip()
        if not text:
            continue
        try:
            doc = json.loads(text)
        except ValueError as exc:
            yield Refusal(number, ReasonCode.MALFORMED_JSON, f"not parseable JSON: {exc}")
            continue
        yield _message(number, doc, text, registry, sensor)


def senml_file(
    data: bytes, registry: Registry, sensor: str | None = None
) -> Iterator[Message | Refusal]:
    """A whole file holding one SenML pack (line 1), else one pack a line."""
    try:
        doc = json.loads(data)
    except ValueError:
        yield from json_lines(enumerate(data.splitlines(), 1), registry, sensor)
        return
    yield _message(1, doc, data, registry, sensor)


def _message(
    number: int, doc: object, raw: bytes, registry: Registry, sensor: str | None
) -> Message | Refusal:
    if isinstance(doc, dict):
        claimed = doc.get("sensor_id", sensor)
    elif isinstance(doc, list):
        claimed = sensor or _senml_sensor(doc, registry)
    else:
        return Refusal(number, ReasonCode.NOT_AN_OBJECT, "a line must hold a JSON object or array")
    if not isinstance(claimed, str):
        return Refusal(
            number, ReasonCode.MISSING_FIELD, "no station: sensor_id, SenML bn or --sensor"
        )
    topic = topic_for(registry, claimed)
    return _unknown(number, claimed) if topic is None else Message(number, topic, raw)


def _senml_sensor(pack: list[object], registry: Registry) -> str | None:
    for record in pack:
        if isinstance(record, dict) and isinstance(record.get("bn"), str):
            for token in _TOKENS.split(record["bn"].lower()):
                if token in registry.sensors:
                    return token
            return record["bn"]  # reported as an unknown station
    return None


def csv_rows(text: str, mapping: CsvMapping, registry: Registry) -> Iterator[Message | Refusal]:
    """Each row as a native v1 message; line numbers count the header as line 1."""
    reader = csv.DictReader(io.StringIO(text), delimiter=mapping.delimiter)
    header = set(reader.fieldnames or ())
    wanted = {c.column for c in mapping.metrics.values()} | {mapping.time.column}
    if mapping.sensor.column:
        wanted.add(mapping.sensor.column)
    absent = sorted(wanted - header)
    if absent:
        yield Refusal(
            1, ReasonCode.MISSING_FIELD, f"the header lacks column(s) {', '.join(absent)}"
        )
        return
    zone = ZoneInfo(mapping.time.timezone)
    for index, row in enumerate(reader):
        yield _row(index + 2, row, mapping, registry, zone)


def _cell(row: dict[str, str], spec: Column | None, mapping: CsvMapping) -> object:
    if spec is None:
        return None
    value: object = spec.value
    if spec.column is not None:
        cell = (row.get(spec.column) or "").strip()
        value = None if cell in mapping.missing else cell
    if spec.map is not None and value is not None:
        value = spec.map.get(str(value), value)
    return value


def _row(
    line: int, row: dict[str, str], mapping: CsvMapping, registry: Registry, zone: ZoneInfo
) -> Message | Refusal:
    sensor = _cell(row, mapping.sensor, mapping)
    if sensor is None:
        return Refusal(line, ReasonCode.MISSING_FIELD, "no station in this row")
    topic = topic_for(registry, str(sensor))
    if topic is None:
        return _unknown(line, sensor)
    raw_time = (row.get(mapping.time.column) or "").strip()
    try:
        if mapping.time.format == "iso":
            ts = datetime.fromisoformat(raw_time)
        else:
            ts = datetime.strptime(raw_time, mapping.time.format)
    except ValueError:
        return Refusal(
            line,
            ReasonCode.INVALID_TIMESTAMP,
            f"{mapping.time.column}={raw_time!r} is not a date in format {mapping.time.format}",
        )
    if ts.tzinfo is None:
        ts = ts.replace(tzinfo=zone)
    metrics: dict[str, object] = {}
    units: dict[str, str] = {}
    for name, spec in mapping.metrics.items():
        cell = (row.get(spec.column) or "").strip()
        if cell in mapping.missing:
            continue
        try:
            metrics[name] = (
                float(cell.replace(",", ".")) if "," in cell and "." not in cell else float(cell)
            )
        except ValueError:
            return Refusal(line, ReasonCode.WRONG_TYPE, f"{spec.column}={cell!r} is not a number")
        if spec.unit:
            units[name] = spec.unit
    body: dict[str, object] = {
        "v": 1,
        "sensor_id": str(sensor),
        "ts": ts.isoformat(),
        "metrics": metrics,
    }
    if units:
        body["units"] = units
    for key, spec in (
        ("seq", mapping.seq),
        ("rev", mapping.revision),
        ("interval_s", mapping.interval_s),
    ):
        value = _cell(row, spec, mapping)
        if value is not None:
            try:
                body[key] = int(str(value))
            except ValueError:
                return Refusal(line, ReasonCode.WRONG_TYPE, f"{key}={value!r} is not an integer")
    return Message(line, topic, json.dumps(body).encode())
