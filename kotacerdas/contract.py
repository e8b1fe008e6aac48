"""The Reading contract: one sensor observation at one event time (DESIGN.md, "The contract").

Everything downstream of ``ingest`` (Kafka records, database rows, indicators) is built
from ``Reading`` values. Units are canonical here; adapters convert on the way in.

Corrections (issue 21). The natural key of a stored reading is ``(sensor_id, ts)``.
A reading for a key already stored is
  * a *duplicate* (dropped, counted) when its ``revision`` is not higher than the stored
    one's — an identical replay, a redelivery, a device resending its buffer;
  * a *correction* when its ``revision`` is higher: it replaces the stored reading whole
    (every metric column, ``msg_id``, ``seq``; a metric it does not carry becomes NULL),
    the replaced values are kept in ``reading_correction`` (who, when, old, new), and
    its 1-minute window is marked dirty, so rollups, indicators and alerts are revised
    exactly as for late data.
``revision`` is 0 for an original reading. ``seq`` is *not* the rule: it is the device's
message counter, restarts on reboot and says nothing about which value is right. A
device sends a correction as native v1 with ``"rev": n``; ``kotacerdas import`` takes a
``revision`` field or column. A derived ``msg_id`` includes the revision (from 1 on), so
a correction is never mistaken for a redelivery of the original.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from kotacerdas.reasons import ReasonCode

__all__ = [
    "CITY_SLUG_PATTERN",
    "DOMAINS",
    "METRICS",
    "SENSOR_ID_PATTERN",
    "Domain",
    "MetricSpec",
    "Reading",
    "ReasonCode",
    "SourceFormat",
    "check_metric",
    "derive_msg_id",
]

Domain = Literal["air", "traffic", "waste"]
DOMAINS: Final[tuple[Domain, ...]] = ("air", "traffic", "waste")
SourceFormat = Literal["kota/v1", "senml", "ngsi-ld", "ngsi-v2"]

SENSOR_ID_PATTERN: Final = r"^[a-z0-9][a-z0-9_-]{2,63}$"
CITY_SLUG_PATTERN: Final = r"^[a-z][a-z0-9-]{1,39}$"
_SENSOR_ID_RE: Final = re.compile(SENSOR_ID_PATTERN)

# The longest observation period a count may cover: a daily total.
MAX_INTERVAL_S: Final = 86_400
# Revisions are counted per reading; int4 in the audit table.
MAX_REVISION: Final = 2**31 - 1


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """A canonical metric: its unit and the physically possible range (inclusive)."""

    unit: str
    low: float
    high: float


# Plausibility bounds say what no working sensor can report, not what is healthy.
# Haze episodes in Kalimantan (2015) pushed PM10 past 3 000 µg/m³, so the particulate
# ceilings sit well above that; noise above 194 dB(A) cannot propagate in air at 1 atm;
# ultrasonic fill sensors read above the brim when a bin overflows, hence fill_level ≤ 150.
METRICS: Final[dict[Domain, dict[str, MetricSpec]]] = {
    "air": {
        "pm25": MetricSpec("µg/m³", 0.0, 5_000.0),
        "pm10": MetricSpec("µg/m³", 0.0, 10_000.0),
        "no2": MetricSpec("µg/m³", 0.0, 20_000.0),
        "so2": MetricSpec("µg/m³", 0.0, 30_000.0),
        "o3": MetricSpec("µg/m³", 0.0, 5_000.0),
        "co": MetricSpec("µg/m³", 0.0, 500_000.0),
        "hc": MetricSpec("µg/m³", 0.0, 200_000.0),
        "temperature": MetricSpec("°C", -40.0, 70.0),
        "humidity": MetricSpec("%", 0.0, 100.0),
        "noise": MetricSpec("dB(A)", 0.0, 194.0),
    },
    "traffic": {
        "vehicle_count": MetricSpec("vehicles", 0.0, 1_000_000.0),
        "avg_speed_kmh": MetricSpec("km/h", 0.0, 300.0),
        "occupancy": MetricSpec("%", 0.0, 100.0),
        "speeding_count": MetricSpec("vehicles", 0.0, 1_000_000.0),
    },
    "waste": {
        "fill_level": MetricSpec("%", 0.0, 150.0),
        "temperature": MetricSpec("°C", -20.0, 1_000.0),
        "weight_kg": MetricSpec("kg", 0.0, 50_000.0),
        "lid_open": MetricSpec("0/1", 0.0, 1.0),
    },
}


def check_metric(domain: Domain, name: str, value: object) -> ReasonCode | None:
    """Why ``value`` is not acceptable for metric ``name`` of ``domain``, or None if it is.

    Unknown metric names are not a rejection (DESIGN.md: counted and dropped); callers
    look the name up in ``METRICS`` first.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ReasonCode.WRONG_TYPE
    number = float(value)
    if not math.isfinite(number):
        return ReasonCode.NOT_FINITE
    spec = METRICS[domain][name]
    if not spec.low <= number <= spec.high:
        return ReasonCode.OUT_OF_RANGE
    return None


def derive_msg_id(sensor_id: str, ts: datetime, seq: int | None, revision: int = 0) -> str:
    """A stable id for a device that sends none: the same observation always maps to it
    (and each revision of it to its own id; revision 0 keeps the ids of before)."""
    key = f"{sensor_id}|{ts.astimezone(UTC).isoformat()}|{'' if seq is None else seq}"
    if revision:
        key += f"|r{revision}"
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()


class Reading(BaseModel):
    """One observation of one sensor at one event time, in canonical units."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    msg_id: str = Field(min_length=1, max_length=128)
    city: str = Field(pattern=CITY_SLUG_PATTERN)
    domain: Domain
    sensor_id: str = Field(pattern=SENSOR_ID_PATTERN)
    ts: AwareDatetime
    seq: int | None = Field(default=None, ge=0)
    metrics: dict[str, float]
    source_format: SourceFormat
    device_ref: str | None = Field(default=None, max_length=256)
    interval_s: int | None = Field(default=None, gt=0, le=MAX_INTERVAL_S)
    # 0 = original; a higher revision for the same (sensor_id, ts) replaces it (see above).
    revision: int = Field(default=0, ge=0, le=MAX_REVISION)

    @field_validator("ts")
    @classmethod
    def _to_utc(cls, ts: datetime) -> datetime:
        return ts.astimezone(UTC)

    @model_validator(mode="after")
    def _metrics_are_canonical(self) -> Reading:
        if not self.metrics:
            raise ValueError(f"{ReasonCode.NO_METRICS}: a reading needs at least one metric")
        specs = METRICS[self.domain]
        for name, value in self.metrics.items():
            if name not in specs:
                raise ValueError(
                    f"{ReasonCode.FIELD_REJECTED}: {name!r} is not a {self.domain} metric"
                )
            reason = check_metric(self.domain, name, value)
            if reason is not None:
                raise ValueError(f"{reason}: {name}={value!r}")
        return self


def is_valid_sensor_id(sensor_id: str) -> bool:
    return _SENSOR_ID_RE.match(sensor_id) is not None
