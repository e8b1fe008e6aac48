"""Write the registry (cities, districts, sensors) into the database, idempotently."""

from __future__ import annotations

import psycopg
from psycopg import sql

from kotacerdas.errors import UserFacingError
from kotacerdas.registry import Registry

# table -> (key columns, other columns), as in aggregator/migrations/001.
_TABLES = {
    "city": (
        ("slug",),
        ("name", "code", "province", "timezone", "area_km2", "population", "lat", "lon", "sources"),
    ),
    "district": (("city", "slug"), ("name", "area_km2", "population", "lat", "lon", "land_use")),
    "sensor": (
        ("sensor_id",),
        (
            "city",
            "district",
            "domain",
            "lat",
            "lon",
            "interval_s",
            "street",
            "road_class",
            "lanes",
            "capacity_pcu_h",
            "free_flow_kmh",
            "length_km",
            "capacity_l",
        ),
    ),
}


def _values(obj: object, columns: tuple[str, ...]) -> tuple[object, ...]:
    # tuples become lists so psycopg sends them as arrays (city.sources is text[])
    return tuple(list(v) if isinstance(v := getattr(obj, c), tuple) else v for c in columns)


def _upsert(cur: psycopg.Cursor, table: str, objects: list[object]) -> None:
    keys, others = _TABLES[table]
    columns = keys + others
    statement = sql.SQL(
        "INSERT INTO {t} ({cols}) VALUES ({vals}) ON CONFLICT ({keys}) DO UPDATE SET {sets}"
    ).format(
        t=sql.Identifier(table),
        cols=sql.SQL(", ").join(map(sql.Identifier, columns)),
        vals=sql.SQL(", ").join(sql.Placeholder() * len(columns)),
        keys=sql.SQL(", ").join(map(sql.Identifier, keys)),
        sets=sql.SQL(", ").join(
            sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in others
        ),
    )
    cur.executemany(statement, [_values(o, columns) for o in objects])


def load_into_database(registry: Registry, conninfo: str) -> dict[str, int]:
    """Upsert everything. Sensors no longer in the files are marked inactive, not
    deleted: their history stays readable."""
    try:
        with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
            _upsert(cur, "city", list(registry.cities.values()))
            _upsert(cur, "district", list(registry.districts.values()))
            _upsert(cur, "sensor", list(registry.sensors.values()))
            cur.execute(
                "UPDATE sensor SET active = (sensor_id = ANY(%s))", (list(registry.sensors),)
            )
    except psycopg.Error as exc:
        raise UserFacingError(f"loading the registry failed: {exc}".strip()) from None
    return {
        "cities": len(registry.cities),
        "districts": len(registry.districts),
        "sensors": len(registry.sensors),
    }
