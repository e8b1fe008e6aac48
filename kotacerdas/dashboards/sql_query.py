"""The PostgreSQL data source reference and its query model (raw SQL in code mode).

grafana-foundation-sdk ships typed query models for many data sources but not for the
SQL ones, so this module provides the small one we need: the JSON a Grafana PostgreSQL
panel target holds (``refId``, ``datasource``, ``rawSql``, ``format``, ``editorMode``).
"""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from grafana_foundation_sdk.cog import builder as cogbuilder
from grafana_foundation_sdk.cog import variants as cogvariants
from grafana_foundation_sdk.models import dashboard as dm

# Plugin id of the built-in PostgreSQL data source since Grafana 10.3 (was "postgres").
DATASOURCE_TYPE = "grafana-postgresql-datasource"
# Fixed uid: the provisioning file creates the data source with it, panels refer to it.
DATASOURCE_UID = "kota-pg"
DATASOURCE = dm.DataSourceRef(type_val=DATASOURCE_TYPE, uid=DATASOURCE_UID)

Format = Literal["time_series", "table"]
T = TypeVar("T")


class SqlQuery(cogvariants.Dataquery):
    """One panel target: raw SQL with Grafana macros and template variables."""

    def __init__(self, ref_id: str, sql: str, fmt: Format) -> None:
        self.ref_id = ref_id
        self.sql = sql
        self.fmt = fmt

    def to_json(self) -> dict[str, object]:
        return {
            "datasource": DATASOURCE.to_json(),
            "editorMode": "code",
            "format": self.fmt,
            "rawQuery": True,
            "rawSql": self.sql,
            "refId": self.ref_id,
        }


class Built(cogbuilder.Builder[T], Generic[T]):
    """A builder for a model that is already complete (the SDK's setters take builders)."""

    def __init__(self, model: T) -> None:
        self._model = model

    def build(self) -> T:
        return self._model


def sql(query: str, fmt: Format = "table", ref_id: str = "A") -> Built[SqlQuery]:
    """A target builder; the SQL is dedented so the JSON stays readable."""
    return Built(SqlQuery(ref_id, _tidy(query), fmt))


def _tidy(query: str) -> str:
    import inspect

    return inspect.cleandoc(query)
