"""SensorThings API 1.1 entities from the registry and readings (pure: rows → JSON).

The mapping (OGC 18-088 §8.2; ids are strings, written ``Things('jkt-air-0001')``):

| entity            | from                                  | @iot.id                       |
|-------------------|---------------------------------------|-------------------------------|
| Thing             | a registered sensor station           | sensor id                     |
| Location          | its coordinates (GeoJSON Point)       | sensor id                     |
| Sensor            | the instrument of that station        | sensor id                     |
| ObservedProperty  | a canonical metric (kotacerdas.contract.METRICS) | metric name        |
| Datastream        | one metric of one station             | ``sensor:metric``             |
| Observation       | one stored reading's metric value     | ``sensor:metric:epoch_ms``    |
| FeatureOfInterest | the station's point (in-situ sensing) | sensor id                     |

HistoricalLocations exist as an (always empty) entity set: stations do not move.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from kotacerdas.contract import METRICS

VERSION: Final = "v1.1"
OM_MEASUREMENT: Final = (
    "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"
)  # fmt: skip
#: encodingType of GeoJSON locations and features (18-088 encodingType code list).
GEOJSON: Final = "application/geo+json"
#: Entity sets and the navigation properties of each (§8.2, one hop).
NAVIGATION: Final[dict[str, dict[str, str]]] = {
    "Things": {"Locations": "Locations", "HistoricalLocations": "HistoricalLocations",
               "Datastreams": "Datastreams"},
    "Locations": {"Things": "Things", "HistoricalLocations": "HistoricalLocations"},
    "Sensors": {"Datastreams": "Datastreams"},
    "ObservedProperties": {"Datastreams": "Datastreams"},
    "Datastreams": {"Thing": "Things", "Sensor": "Sensors",
                    "ObservedProperty": "ObservedProperties", "Observations": "Observations"},
    "Observations": {"Datastream": "Datastreams", "FeatureOfInterest": "FeaturesOfInterest"},
    "FeaturesOfInterest": {"Observations": "Observations"},
    "HistoricalLocations": {"Thing": "Things", "Locations": "Locations"},
}  # fmt: skip
#: UCUM codes of our units (SensorThings unitOfMeasurement.definition).
UCUM: Final = {"µg/m³": "ug/m3", "°C": "Cel", "%": "%", "dB(A)": "dB", "km/h": "km/h",
               "vehicles": "{vehicle}", "kg": "kg", "0/1": "1"}  # fmt: skip


@dataclass(frozen=True)
class Station:
    sensor_id: str
    city: str
    district: str | None
    domain: str
    lat: float | None
    lon: float | None
    interval_s: int | None
    street: str | None


def quoted(identifier: str) -> str:
    return "'" + identifier.replace("'", "''") + "'"


def unquote(text: str) -> str:
    """``'jkt-air-0001'`` → ``jkt-air-0001`` (OData string key; '' escapes a quote)."""
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    return text


def _entity(base: str, entity_set: str, identifier: str, body: dict[str, Any]) -> dict[str, Any]:
    self_path = f"{entity_set}({quoted(identifier)})"
    out: dict[str, Any] = {"@iot.id": identifier, "@iot.selfLink": f"{base}/{self_path}"}
    for name in NAVIGATION[entity_set]:
        out[f"{name}@iot.navigationLink"] = f"{base}/{self_path}/{name}"
    return out | body


def thing(base: str, s: Station) -> dict[str, Any]:
    return _entity(base, "Things", s.sensor_id, {
        "name": s.sensor_id,
        "description": f"{s.domain} sensor station in {s.district or s.city} ({s.city})",
        "properties": {"city": s.city, "district": s.district, "domain": s.domain,
                       "street": s.street, "interval_s": s.interval_s},
    })  # fmt: skip


def _point(s: Station) -> dict[str, Any] | None:
    """GeoJSON Point (RFC 7946: lon, lat), or null: ``coordinates: null`` is no geometry."""
    if s.lat is None or s.lon is None:
        return None
    return {"type": "Point", "coordinates": [s.lon, s.lat]}


def location(base: str, s: Station) -> dict[str, Any]:
    return _entity(base, "Locations", s.sensor_id, {
        "name": f"{s.sensor_id} location",
        "description": f"{s.street or s.district or s.city}",
        "encodingType": GEOJSON,
        "location": _point(s),
    })  # fmt: skip


def feature_of_interest(base: str, s: Station) -> dict[str, Any]:
    """The FeatureOfInterest of an in-situ station's Observations is its Location (18-088
    FeatureOfInterest: "many Observations' FeatureOfInterest can be the Location of the
    Thing")."""
    return _entity(base, "FeaturesOfInterest", s.sensor_id, {
        "name": f"{s.sensor_id} surroundings",
        "description": f"where station {s.sensor_id} measures: "
                       f"{s.street or s.district or s.city}",
        "encodingType": GEOJSON,
        "feature": _point(s),
    })  # fmt: skip


def sensor(base: str, s: Station) -> dict[str, Any]:
    return _entity(base, "Sensors", s.sensor_id, {
        "name": f"{s.sensor_id} instrument",
        "description": f"{s.domain} instrument of station {s.sensor_id}",
        "encodingType": "text/html",
        "metadata": f"{base}/Things({quoted(s.sensor_id)})",
    })  # fmt: skip


def _spec(metric: str) -> tuple[str, str]:
    for domain, specs in METRICS.items():
        if metric in specs:
            return domain, specs[metric].unit
    raise KeyError(metric)


def observed_property(base: str, metric: str) -> dict[str, Any]:
    _, unit = _spec(metric)
    return _entity(base, "ObservedProperties", metric, {
        "name": metric,
        "definition": f"{base}/ObservedProperties({quoted(metric)})",
        "description": f"{metric} in {unit} (kotacerdas canonical metric)",
    })  # fmt: skip


def metrics_of(domain: str) -> tuple[str, ...]:
    return tuple(METRICS[domain])  # type: ignore[index]


def all_metrics() -> tuple[str, ...]:
    return tuple(dict.fromkeys(m for specs in METRICS.values() for m in specs))


def datastream(base: str, s: Station, metric: str) -> dict[str, Any]:
    unit = METRICS[s.domain][metric].unit  # type: ignore[index]
    return _entity(base, "Datastreams", f"{s.sensor_id}:{metric}", {
        "name": f"{metric} at {s.sensor_id}",
        "description": f"{metric} measured by station {s.sensor_id}",
        "observationType": OM_MEASUREMENT,
        "unitOfMeasurement": {"name": unit, "symbol": unit,
                              "definition": f"http://unitsofmeasure.org/ucum.html#{UCUM[unit]}"},
    })  # fmt: skip


def observation_id(sensor_id: str, metric: str, ts: datetime) -> str:
    return f"{sensor_id}:{metric}:{round(ts.timestamp() * 1000)}"


def parse_observation_id(identifier: str) -> tuple[str, str, datetime] | None:
    parts = identifier.rsplit(":", 2)
    if len(parts) != 3 or not parts[2].lstrip("-").isdigit() or len(parts[2]) > 15:
        return None
    return parts[0], parts[1], datetime.fromtimestamp(int(parts[2]) / 1000, UTC)


def observation(base: str, sensor_id: str, metric: str, ts: datetime, value: float,
                ) -> dict[str, Any]:  # fmt: skip
    stamp = ts.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return _entity(base, "Observations", observation_id(sensor_id, metric, ts), {
        "phenomenonTime": stamp,
        "resultTime": stamp,
        "result": value,
    })  # fmt: skip


def collection(
    values: Sequence[dict[str, Any]], count: int | None, next_link: str | None
) -> dict[str, Any]:
    """``{"@iot.count": n, "value": [...], "@iot.nextLink": url}`` (§9.3.3.2 example)."""
    out: dict[str, Any] = {}
    if count is not None:
        out["@iot.count"] = count
    out["value"] = list(values)
    if next_link:
        out["@iot.nextLink"] = next_link
    return out


def stations_by_id(stations: Iterable[Station]) -> dict[str, Station]:
    return {s.sensor_id: s for s in stations}


#: Which Observations a query reads: one datastream ``(domain, sensor_id, metric)``, every
#: datastream of one station ``(domain, sensor_id)`` (its FeatureOfInterest), or all (None).
Scope = tuple[str, str, str] | tuple[str, str] | None


def observations_sql(
    scope: Scope, condition: str, order: str, top: int, skip: int
) -> tuple[str, dict[str, Any]]:
    """Observations of ``scope``, unpivoted from the raw views where more than one metric
    is read; ``condition`` from $filter (columns ``ts`` and ``value``), ``order`` from
    $orderby. The order ends on the row's key, so $skip pages are stable when the order
    asked for has ties (18-088 §9.3.3.2-3: "the service SHALL impose a stable ordering
    across requests that include $top/$skip")."""
    if scope is not None and len(scope) == 3:
        domain, sensor_id, metric = scope
        if metric not in METRICS.get(domain, {}):  # type: ignore[call-overload]
            raise KeyError(metric)
        # one sensor's rows by the raw key (sensor_id, ts): an index range, newest first
        sql = (
            f"SELECT sensor_id, %(metric)s::text AS metric, ts, value FROM ("
            f"SELECT sensor_id, ts, {metric}::double precision AS value FROM v_{domain}_reading "
            f"WHERE sensor_id = %(sensor)s AND {metric} IS NOT NULL) o WHERE {condition} "
            f"ORDER BY {order}, ts LIMIT {int(top)} OFFSET {int(skip)}"
        )
        return sql, {"sensor": sensor_id, "metric": metric}
    domains: tuple[str, ...] = tuple(METRICS) if scope is None else (scope[0],)
    one = "" if scope is None else " AND r.sensor_id = %(sensor)s"
    selects = []
    for domain in domains:
        values = ", ".join(f"('{m}', r.{m}::double precision)" for m in metrics_of(domain))
        selects.append(
            f"SELECT r.sensor_id, x.metric, r.ts, x.value FROM v_{domain}_reading r "
            f"CROSS JOIN LATERAL (VALUES {values}) AS x(metric, value) "
            f"WHERE x.value IS NOT NULL{one}"
        )
    sql = (
        f"SELECT sensor_id, metric, ts, value FROM ({' UNION ALL '.join(selects)}) o "
        f"WHERE {condition} ORDER BY {order}, sensor_id, metric, ts "
        f"LIMIT {int(top)} OFFSET {int(skip)}"
    )
    return sql, ({} if scope is None else {"sensor": scope[1]})


def count_sql(select: str) -> str:
    """``$count=true``: the rows of the same query without its page (LIMIT/OFFSET cut)."""
    core = select[: select.rindex(" ORDER BY ")]
    return f"SELECT count(*) FROM ({core}) c"
