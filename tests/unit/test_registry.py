"""The pilot-city registry: real kecamatan inventories, a 300–800 sensor default fleet, and
deterministic expansion to benchmark scales (1k/10k/50k sensors, 50k in < 2 s)."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from kotacerdas.contract import is_valid_sensor_id
from kotacerdas.registry import (
    LAND_USES,
    ROAD_CLASSES,
    RegistryError,
    load_registry,
    scale_for_sensor_count,
)

# Rough bounding boxes (lat_min, lat_max, lon_min, lon_max) of each city's land area.
BOUNDS = {
    "jakarta": (-6.38, -6.08, 106.68, 106.98),
    "makassar": (-5.24, -5.00, 119.30, 119.56),
    "banyuwangi": (-8.78, -7.70, 113.85, 114.65),
    "sumedang": (-7.10, -6.55, 107.70, 108.25),
}
KECAMATAN = {"jakarta": 42, "makassar": 15, "banyuwangi": 25, "sumedang": 26}
CODES = {"jakarta": "jkt", "makassar": "mks", "banyuwangi": "bwi", "sumedang": "smd"}


@pytest.fixture(scope="module")
def registry():  # type: ignore[no-untyped-def]
    return load_registry()


def test_pilot_cities_and_their_kecamatan(registry) -> None:  # type: ignore[no-untyped-def]
    assert set(registry.cities) == set(KECAMATAN)
    per_city = Counter(city for city, _ in registry.districts)
    assert dict(per_city) == KECAMATAN
    for slug, city in registry.cities.items():
        assert city.code == CODES[slug]
        assert city.sources, slug
        assert city.timezone == ("Asia/Makassar" if slug == "makassar" else "Asia/Jakarta")


def test_district_figures_are_plausible_and_sum_near_the_city(registry) -> None:  # type: ignore[no-untyped-def]
    for slug, city in registry.cities.items():
        districts = [d for (c, _), d in registry.districts.items() if c == slug]
        area = sum(d.area_km2 for d in districts)
        population = sum(d.population for d in districts)
        assert 0.9 * city.area_km2 <= area <= 1.05 * city.area_km2, slug
        assert 0.95 * city.population <= population <= 1.01 * city.population, slug
        for d in districts:
            assert d.area_km2 > 0 and d.population > 1000, d
            assert d.land_use in LAND_USES
            lat0, lat1, lon0, lon1 = BOUNDS[slug]
            assert lat0 <= d.lat <= lat1 and lon0 <= d.lon <= lon1, d


def test_default_fleet_size_suits_the_readme_demo(registry) -> None:  # type: ignore[no-untyped-def]
    assert 300 <= len(registry.sensors) <= 800
    for slug in registry.cities:
        domains = Counter(s.domain for s in registry.city_sensors(slug))
        assert set(domains) == {"air", "traffic", "waste"}, slug


def test_sensor_ids_follow_the_scheme_and_sit_in_their_city(registry) -> None:  # type: ignore[no-untyped-def]
    for sid, s in registry.sensors.items():
        code, domain, number = sid.split("-")
        assert code == CODES[s.city] and domain == s.domain and number.isdigit()
        assert is_valid_sensor_id(sid)
        lat0, lat1, lon0, lon1 = BOUNDS[s.city]
        assert lat0 - 0.05 <= s.lat <= lat1 + 0.05 and lon0 - 0.05 <= s.lon <= lon1 + 0.05


def test_traffic_segments_are_complete(registry) -> None:  # type: ignore[no-untyped-def]
    segments = [s for s in registry.sensors.values() if s.domain == "traffic"]
    assert segments
    for s in segments:
        assert s.street and s.street.startswith("Jl. ")
        assert s.road_class in ROAD_CLASSES
        assert s.lanes and s.capacity_pcu_h and s.free_flow_kmh and s.length_km
        # MKJI 1997: 1 500–1 650 pcu/h per lane (divided), 2 900 for a 2/2UD road.
        assert 1000 <= s.capacity_pcu_h / s.lanes <= 1800
        assert s.direction == "forward"
    bins = [s for s in registry.sensors.values() if s.domain == "waste"]
    assert all(b.capacity_l == 660 for b in bins)


@pytest.mark.parametrize("target", [1_000, 10_000, 50_000])
def test_benchmark_scales(target: int) -> None:
    scale = scale_for_sensor_count(target)
    started = time.perf_counter()
    big = load_registry(scale=scale)
    elapsed = time.perf_counter() - started
    assert abs(len(big.sensors) - target) <= 0.08 * target
    assert elapsed < 2.0
    directions = Counter(s.direction for s in big.sensors.values() if s.domain == "traffic")
    assert directions["forward"] and directions["backward"]


def test_expansion_is_deterministic() -> None:
    a, b = load_registry(scale=3), load_registry(scale=3)
    assert list(a.sensors) == list(b.sensors)
    assert [(s.lat, s.lon) for s in a.sensors.values()] == [
        (s.lat, s.lon) for s in b.sensors.values()
    ]


def test_a_bad_land_use_is_named(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "city: {slug: kota-x, name: X, code: kx, province: P, timezone: Asia/Jakarta, "
        "area_km2: 1, population: 1, lat: 0, lon: 0}\n"
        "districts:\n  - {slug: a, name: A, area_km2: 1, population: 1, lat: 0, lon: 0, "
        "land_use: swamp}\n"
    )
    with pytest.raises(RegistryError, match="swamp"):
        load_registry(tmp_path)
