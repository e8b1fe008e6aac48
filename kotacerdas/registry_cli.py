"""`kotacerdas registry load | show`."""

from __future__ import annotations

import argparse

from kotacerdas.errors import UserFacingError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    registry = subparsers.add_parser(
        "registry",
        help="the city, district and sensor registry",
        description="Cities come from kotacerdas/cities/*.yaml plus KOTA_REGISTRY_DIR; "
        "KOTA_REGISTRY_SCALE multiplies the sensor fleet.",
    )
    actions = registry.add_subparsers(dest="action", metavar="ACTION", required=True)
    load = actions.add_parser("load", help="write cities, districts and sensors to the database")
    load.set_defaults(handler=_load)
    show = actions.add_parser("show", help="print the registry's cities and sensor counts")
    show.set_defaults(handler=_show)


def _registry():  # type: ignore[no-untyped-def]
    from kotacerdas.registry import RegistryError
    from kotacerdas.settings import RegistrySettings

    try:
        return RegistrySettings().load()
    except RegistryError as exc:
        raise UserFacingError(str(exc)) from None


def _load(args: argparse.Namespace) -> int:
    from kotacerdas.registry_store import load_into_database
    from kotacerdas.settings import DatabaseSettings

    counts = load_into_database(_registry(), DatabaseSettings().conninfo())
    print(", ".join(f"{n} {k}" for k, n in counts.items()) + " loaded")
    return 0


def _show(args: argparse.Namespace) -> int:
    registry = _registry()
    for city in registry.cities.values():
        sensors = registry.city_sensors(city.slug)
        by_domain = {
            d: sum(1 for s in sensors if s.domain == d) for d in ("air", "traffic", "waste")
        }
        districts = sum(1 for (c, _) in registry.districts if c == city.slug)
        print(
            f"{city.slug:<12} {city.name:<24} {districts:>3} districts  "
            + "  ".join(f"{d}={n}" for d, n in by_domain.items())
        )
    return 0
