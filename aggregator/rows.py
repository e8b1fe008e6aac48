"""Kafka records → database rows (pure). Column order follows the raw tables (001)."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from kotacerdas.contract import METRICS, Domain
from kotacerdas.wire import WireReading

RAW_TABLES: Final[dict[Domain, str]] = {
    "air": "air_reading",
    "traffic": "traffic_reading",
    "waste": "waste_reading",
}

# Metric columns per domain, in the order of aggregator/migrations/001_registry_and_raw.sql.
METRIC_COLUMNS: Final[dict[Domain, tuple[str, ...]]] = {
    domain: tuple(specs) for domain, specs in METRICS.items()
}

_LEAD = ("sensor_id", "ts", "msg_id", "city", "seq")


def raw_columns(domain: Domain) -> tuple[str, ...]:
    middle = ("interval_s",) if domain == "traffic" else ()
    return (*_LEAD, *middle, *METRIC_COLUMNS[domain], "source_format")


Row = tuple[object, ...]


def raw_row(reading: WireReading, domain: Domain) -> Row:
    metrics = reading.metrics
    values = tuple(metrics.get(name) for name in METRIC_COLUMNS[domain])
    middle: tuple[object, ...] = (reading.interval_s,) if domain == "traffic" else ()
    return (
        reading.sensor_id,
        reading.ts,
        reading.msg_id,
        reading.city,
        reading.seq,
        *middle,
        *values,
        reading.source_format,
    )


def row_time(row: Row) -> datetime:
    ts = row[1]
    assert isinstance(ts, datetime)
    return ts
