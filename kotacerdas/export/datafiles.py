"""The two data files behind an export: the maturity rubric and the city denominators.

Both are read as bytes, hashed (the hash is printed in every file the export writes) and
validated before any query runs, so a typo fails fast with the file and key named.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

import cityscore
from cityscore.maturity import InvalidRubric, Rubric, parse_rubric
from kotacerdas.export.errors import InvalidDataFile
from kotacerdas.export.fingerprint import sha256_bytes

DEFAULT_RUBRIC: Final = Path(cityscore.__file__).parent / "rubrics" / "kotacerdas-default.yaml"
DEFAULT_DENOMINATORS: Final = Path(__file__).with_name("denominators.yaml")
DENOMINATOR_KEYS: Final = ("waste_containers", "public_bins", "street_km", "major_street_km")


@dataclass(frozen=True, slots=True)
class LoadedRubric:
    rubric: Rubric
    path: Path
    sha256: str


@dataclass(frozen=True, slots=True)
class Denominator:
    value: float | None
    source: str | None


@dataclass(frozen=True, slots=True)
class Denominators:
    version: str
    path: Path
    sha256: str
    cities: dict[str, dict[str, Denominator]]

    def get(self, city: str, key: str) -> Denominator:
        return self.cities.get(city, {}).get(key, Denominator(None, None))


def _read(path: Path) -> tuple[Any, str]:
    try:
        raw = path.read_bytes()
        return yaml.safe_load(raw), sha256_bytes(raw)
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidDataFile(f"{path}: cannot read: {exc}") from None


def load_rubric(path: Path | None = None) -> LoadedRubric:
    chosen = path or DEFAULT_RUBRIC
    document, digest = _read(chosen)
    try:
        return LoadedRubric(parse_rubric(document), chosen, digest)
    except InvalidRubric as exc:
        raise InvalidDataFile(f"{chosen}: {exc}") from None


def load_denominators(path: Path | None = None) -> Denominators:
    chosen = path or DEFAULT_DENOMINATORS
    document, digest = _read(chosen)
    if not isinstance(document, dict) or not isinstance(document.get("cities"), dict):
        raise InvalidDataFile(f"{chosen}: needs a 'cities' mapping")
    cities: dict[str, dict[str, Denominator]] = {}
    for city, entries in document["cities"].items():
        if not isinstance(entries, dict):
            raise InvalidDataFile(f"{chosen}: cities.{city} must be a mapping")
        cities[str(city)] = {
            key: _denominator(chosen, f"cities.{city}.{key}", entry)
            for key, entry in entries.items()
        }
        unknown = set(entries) - set(DENOMINATOR_KEYS)
        if unknown:
            raise InvalidDataFile(f"{chosen}: cities.{city}: unknown keys {sorted(unknown)}")
    return Denominators(str(document.get("version", "")), chosen, digest, cities)


def _denominator(path: Path, where: str, entry: object) -> Denominator:
    if not isinstance(entry, dict):
        raise InvalidDataFile(f"{path}: {where} must be a mapping with value and source")
    value, source = entry.get("value"), entry.get("source")
    if value is None:
        return Denominator(None, str(source) if source else None)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise InvalidDataFile(f"{path}: {where}.value must be a positive number, got {value!r}")
    if not isinstance(source, str) or not source.strip():
        raise InvalidDataFile(f"{path}: {where} has a value but no source: say where it came from")
    return Denominator(float(value), source)
