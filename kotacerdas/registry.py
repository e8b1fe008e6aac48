"""City, district and sensor registry, loaded from data files (one YAML file per city).

The pilot cities ship in ``kotacerdas/cities/``; more cities are added by dropping a file
into the directory named by ``KOTA_REGISTRY_DIR`` (no code change). A file names its
districts with their area and population (sources cited in the file) and describes its
sensor fleet; the fleet is expanded into concrete sensors deterministically, so the
simulator, the ingest bridge and the database always agree on the same sensor ids.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kotacerdas.contract import DOMAINS, Domain, is_valid_sensor_id

PILOT_CITIES_DIR = Path(__file__).with_name("cities")

# libyaml's loader is ~10x faster than the pure-Python one; fall back when it is absent.
_YamlLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# What a district's dominant land use may be; simulated waste fill rates depend on it.
LAND_USES = frozenset({"residential", "commercial", "industrial", "mixed", "rural"})
# Functional road classes of PP 34/2006 (Jalan), as counted segments carry them.
ROAD_CLASSES = frozenset(
    {"arteri_primer", "arteri_sekunder", "kolektor_primer", "kolektor_sekunder", "lokal"}
)
# A traffic segment duplicated by ``scale`` is counted first in its forward direction, then the
# opposite one, then as further lane groups (NGSI TrafficFlowObserved ``laneDirection`` values).
_DIRECTIONS = ("forward", "backward")

# A degree of latitude is ~111.32 km everywhere; longitude shrinks with cos(latitude).
_KM_PER_DEGREE = 111.32


class RegistryError(ValueError):
    """A registry file is missing, malformed or inconsistent; the message names file and key."""


@dataclass(frozen=True, slots=True)
class City:
    slug: str
    name: str
    code: str
    province: str
    timezone: str
    area_km2: float
    population: int
    lat: float
    lon: float
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class District:
    city: str
    slug: str
    name: str
    area_km2: float
    population: int
    lat: float
    lon: float
    land_use: str = "residential"


@dataclass(frozen=True, slots=True)
class Sensor:
    sensor_id: str
    city: str
    district: str
    domain: Domain
    lat: float
    lon: float
    interval_s: int
    # traffic: the road segment the counter watches
    street: str | None = None
    road_class: str | None = None
    lanes: int | None = None
    capacity_pcu_h: float | None = None
    free_flow_kmh: float | None = None
    length_km: float | None = None
    # traffic: which direction of the segment ("forward"/"backward") this counter watches
    direction: str | None = None
    # waste: the bin
    capacity_l: float | None = None


@dataclass(frozen=True)
class Registry:
    cities: Mapping[str, City]
    districts: Mapping[tuple[str, str], District]
    sensors: Mapping[str, Sensor]
    by_city: Mapping[str, tuple[Sensor, ...]] = field(default_factory=dict)

    def sensor(self, sensor_id: str) -> Sensor | None:
        return self.sensors.get(sensor_id)

    def city_sensors(self, city: str, domain: Domain | None = None) -> tuple[Sensor, ...]:
        found = self.by_city.get(city, ())
        return found if domain is None else tuple(s for s in found if s.domain == domain)


def load_registry(extra_dir: Path | None = None, scale: float = 1.0) -> Registry:
    """Load the pilot cities plus every ``*.yaml`` in ``extra_dir``.

    ``scale`` multiplies the per-district sensor counts (benchmarks run 1k–50k sensors
    on the same cities); 1.0 is the inventory as written in the files.
    """
    if scale <= 0:
        raise RegistryError(f"registry scale must be > 0, got {scale}")
    files = sorted(PILOT_CITIES_DIR.glob("*.yaml"))
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise RegistryError(f"KOTA_REGISTRY_DIR={extra_dir} is not a directory")
        files += sorted(extra_dir.glob("*.yaml"))
    cities: dict[str, City] = {}
    districts: dict[tuple[str, str], District] = {}
    sensors: dict[str, Sensor] = {}
    for path in files:
        city, city_districts, city_sensors = _load_city_file(path, scale)
        if city.slug in cities:
            raise RegistryError(f"{path}: city {city.slug!r} is defined twice")
        cities[city.slug] = city
        for d in city_districts:
            districts[(city.slug, d.slug)] = d
        for s in city_sensors:
            if s.sensor_id in sensors:
                raise RegistryError(f"{path}: sensor id {s.sensor_id!r} is not unique")
            sensors[s.sensor_id] = s
    by_city: dict[str, list[Sensor]] = {slug: [] for slug in cities}
    for s in sensors.values():
        by_city[s.city].append(s)
    return Registry(cities, districts, sensors, {k: tuple(v) for k, v in by_city.items()})


def scale_for_sensor_count(target: int, extra_dir: Path | None = None) -> float:
    """The ``scale`` that makes ``load_registry`` produce about ``target`` sensors.

    Benchmarks ask for 1k, 10k or 50k sensors; per-district counts round, so the result is
    within a few percent of ``target`` (check ``len(registry.sensors)``).
    """
    if target <= 0:
        raise RegistryError(f"sensor count must be > 0, got {target}")
    base = len(load_registry(extra_dir, 1.0).sensors)
    return target / base


def _load_city_file(path: Path, scale: float) -> tuple[City, list[District], list[Sensor]]:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise RegistryError(f"{path}: cannot read registry file: {exc}") from None
    try:
        city = City(**{**doc["city"], "sources": tuple(doc["city"].get("sources", ()))})
        districts = [District(city=city.slug, **d) for d in doc["districts"]]
        sensors = list(_expand_fleet(city, districts, doc.get("fleet", {}), scale))
    except (KeyError, TypeError) as exc:
        raise RegistryError(f"{path}: missing or unexpected key: {exc}") from None
    for d in districts:
        if d.land_use not in LAND_USES:
            raise RegistryError(
                f"{path}: district {d.slug!r} land_use {d.land_use!r} is not one of "
                f"{sorted(LAND_USES)}"
            )
    for s in sensors:
        if not is_valid_sensor_id(s.sensor_id):
            raise RegistryError(f"{path}: generated sensor id {s.sensor_id!r} is invalid")
    return city, districts, sensors


def _expand_fleet(
    city: City, districts: list[District], fleet: Mapping[str, Any], scale: float
) -> Iterable[Sensor]:
    by_slug = {d.slug: d for d in districts}
    for domain in DOMAINS:
        spec = fleet.get(domain)
        if not spec:
            continue
        interval_s = int(spec["interval_s"])
        number = 0
        segments = spec.get("segments", ())
        copies = max(1, round(scale)) if segments else 0
        for copy in range(copies):
            for seg in segments:
                number += 1
                if seg["district"] not in by_slug:
                    raise KeyError(
                        f"segment {seg['name']!r} names unknown district {seg['district']!r}"
                    )
                if seg["road_class"] not in ROAD_CLASSES:
                    raise TypeError(
                        f"segment {seg['name']!r} road_class {seg['road_class']!r} "
                        f"is not one of {sorted(ROAD_CLASSES)}"
                    )
                district = by_slug[seg["district"]]
                sid = f"{city.code}-{domain}-{number:04d}"
                lat, lon = _place(district, sid)
                suffix = "" if copy < 2 else f" #{copy // 2 + 1}"
                yield Sensor(
                    sid,
                    city.slug,
                    district.slug,
                    domain,
                    lat,
                    lon,
                    interval_s,
                    street=seg["name"] + suffix,
                    road_class=seg["road_class"],
                    lanes=int(seg["lanes"]),
                    capacity_pcu_h=float(seg["capacity_pcu_h"]),
                    free_flow_kmh=float(seg["free_flow_kmh"]),
                    length_km=float(seg["length_km"]),
                    direction=_DIRECTIONS[copy % 2],
                )
        per_district = spec.get("per_district", 0)
        count = max(1, round(per_district * scale)) if per_district else 0
        for district in districts:
            for _ in range(count):
                number += 1
                sid = f"{city.code}-{domain}-{number:04d}"
                lat, lon = _place(district, sid)
                yield Sensor(
                    sid,
                    city.slug,
                    district.slug,
                    domain,
                    lat,
                    lon,
                    interval_s,
                    capacity_l=float(spec["capacity_l"]) if "capacity_l" in spec else None,
                )


def _place(district: District, sensor_id: str) -> tuple[float, float]:
    """A stable position near the district centroid, within the district's radius."""
    digest = hashlib.blake2b(sensor_id.encode(), digest_size=8).digest()
    angle = int.from_bytes(digest[:4], "big") / 2**32 * 2 * math.pi
    # sqrt keeps the points uniform over the disc; 0.5 keeps them well inside the district.
    radius_km = (
        0.5
        * math.sqrt(district.area_km2 / math.pi)
        * math.sqrt(int.from_bytes(digest[4:], "big") / 2**32)
    )
    dlat = radius_km * math.cos(angle) / _KM_PER_DEGREE
    dlon = radius_km * math.sin(angle) / (_KM_PER_DEGREE * math.cos(math.radians(district.lat)))
    return round(district.lat + dlat, 6), round(district.lon + dlon, 6)
