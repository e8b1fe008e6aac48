"""Template variables shared by the dashboards: ``city`` (one) and ``district`` (many).

Both are SQL variables over the registry views (``__value``/``__text`` columns give a
slug as value and the official name as text). ``district`` is multi-value with "All", so
queries use it as ``IN (${district:sqlstring})`` (Grafana's quoted, comma-joined form).
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import dashboard as dm

from kotacerdas.dashboards.panels import label
from kotacerdas.dashboards.sql_query import DATASOURCE

CITY = "'$city'"
DISTRICTS = "${district:sqlstring}"


def city_variable(default: str = "jakarta") -> db.QueryVariable:
    return (
        db.QueryVariable("city")
        .label(label("Kota", "City"))
        .datasource(DATASOURCE)
        .query("SELECT slug AS __value, name AS __text FROM v_city ORDER BY name")
        .refresh(dm.VariableRefresh.ON_DASHBOARD_LOAD)
        .current(dm.VariableOption(selected=True, text=default, value=default))
    )


def district_variable() -> db.QueryVariable:
    return (
        db.QueryVariable("district")
        .label(label("Kecamatan", "District"))
        .datasource(DATASOURCE)
        .query(
            "SELECT slug AS __value, name AS __text FROM v_district "
            f"WHERE city = {CITY} ORDER BY name"
        )
        .refresh(dm.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .multi(True)
        .include_all(True)
        .current(dm.VariableOption(selected=True, text=["All"], value=["$__all"]))
    )


def sensors_in_districts(domain: str) -> str:
    """SQL: the ids of the chosen city's sensors of one domain in the chosen districts."""
    return (
        f"SELECT sensor_id FROM v_sensor WHERE city = {CITY} AND domain = '{domain}' "
        f"AND district IN ({DISTRICTS})"
    )
