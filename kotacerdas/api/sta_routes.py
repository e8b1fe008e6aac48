"""OGC SensorThings API 1.1, read subset, under ``/sta/v1.1`` (the shell).

Query options (§9.3): ``$top`` (default 100; above 1000 the server's page of 1000 is
imposed, §9.3.3.2), ``$skip``, ``$count`` (``true``/``false`` only, §9.3.3.4), ``$orderby``,
``$expand`` of one level (navigation property names), ``$filter`` on Observations'
``phenomenonTime`` and ``result`` (:mod:`sta_filter`). A system query option outside this
subset (``$select``, ``$resultFormat``, nested ``$expand``) is a 501 (§9.3, Req
request-data/query-status-code), never ignored.
Registry entities (Things, Locations, Sensors, ObservedProperties, Datastreams) are built
from ``v_sensor`` (kept :data:`REGISTRY_TTL_S`); Observations are read from the raw views.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Annotated, Any, Final, Literal
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Path, Query, Request, Response

from kotacerdas.api import queries as q
from kotacerdas.api import sta_filter
from kotacerdas.api import sta_model as m
from kotacerdas.api.http import RESPONSES, base_url, reply, store
from kotacerdas.api.params import bad
from kotacerdas.api.problems import NotFound, NotImplementedOption
from kotacerdas.api.store import Store

PREFIX: Final = f"/sta/{m.VERSION}"
DEFAULT_TOP: Final = 100
MAX_TOP: Final = 1000
MAX_SKIP: Final = 1_000_000
#: Observations listed per expanded Datastream (newest first).
EXPAND_OBSERVATIONS: Final = 100
REGISTRY_TTL_S: Final = 60.0
#: An entity key in a path: ``'text'`` (OData string literal) or digits.
KEY_PATH: Final = Path(pattern=r"^('([^']|'')+'|[0-9]+)$", max_length=200,
                       description="@iot.id, quoted: 'jkt-air-0001'")  # fmt: skip

_NOT_IMPLEMENTED = {**RESPONSES[400], "description": "A query option outside the subset"}
router = APIRouter(prefix=PREFIX, tags=["SensorThings"],
                   responses={**RESPONSES, 501: _NOT_IMPLEMENTED})  # fmt: skip
EntitySet = Literal["Things", "Locations", "HistoricalLocations", "Sensors",
                    "ObservedProperties", "Datastreams", "Observations",
                    "FeaturesOfInterest"]  # fmt: skip
#: No upper bound here: a larger $top is cut to MAX_TOP (§9.3.3.2), not refused.
Top = Annotated[int, Query(alias="$top", ge=0)]
Skip = Annotated[int, Query(alias="$skip", ge=0, le=MAX_SKIP)]
#: Exactly ``true`` or ``false`` (§9.3.3.4: any other value is a 400), not pydantic's
#: wider bool parsing (``yes``, ``1``, ``on`` …).
Count = Annotated[Literal["true", "false"], Query(alias="$count")]
OrderBy = Annotated[str | None, Query(alias="$orderby", max_length=200)]
Filter = Annotated[str | None, Query(alias="$filter", max_length=sta_filter.MAX_LENGTH)]
Expand = Annotated[str | None, Query(alias="$expand", max_length=200)]


#: System query options this subset implements (OGC 18-088 §9.3).
SUPPORTED_OPTIONS: Final = frozenset({"$top", "$skip", "$count", "$orderby", "$filter",
                                      "$expand"})  # fmt: skip


def _refuse_unsupported(request: Request) -> None:
    """501 for a system query option outside the subset (18-088 §9.3, Req
    request-data/query-status-code), instead of answering as if it were absent."""
    unknown = sorted(k for k in request.query_params if k.startswith("$")
                     and k not in SUPPORTED_OPTIONS)  # fmt: skip
    if unknown:
        raise NotImplementedOption(
            f"{', '.join(unknown)}: not implemented; supported: "
            f"{', '.join(sorted(SUPPORTED_OPTIONS))}"
        )


class _Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = -REGISTRY_TTL_S
        self.stations: dict[str, m.Station] = {}

    def get(self, db: Store) -> dict[str, m.Station]:
        with self._lock:
            if time.monotonic() - self._at > REGISTRY_TTL_S:
                self.stations = {r[0]: m.Station(*r) for r in db.fetch(q.stations())}
                self._at = time.monotonic()
            return self.stations


def _stations(request: Request) -> dict[str, m.Station]:
    state = request.app.state
    if not hasattr(state, "sta_registry"):
        state.sta_registry = _Registry()
    return state.sta_registry.get(state.store)  # type: ignore[no-any-return]


def _base(request: Request) -> str:
    return base_url(request) + PREFIX


class _Context:
    def __init__(self, request: Request) -> None:
        self.request = request
        self.base = _base(request)
        self.stations = _stations(request)
        self.db = store(request)

    def station(self, sensor_id: str) -> m.Station:
        found = self.stations.get(sensor_id)
        if found is None:
            raise NotFound(f"no entity with @iot.id {sensor_id!r}")
        return found

    def datastream_key(self, identifier: str) -> tuple[m.Station, str]:
        sensor_id, _, metric = identifier.rpartition(":")
        station = self.station(sensor_id)
        if metric not in m.metrics_of(station.domain):
            raise NotFound(f"no Datastream {identifier!r}")
        return station, metric

    def datastreams(self, keep: Callable[[m.Station, str], bool]) -> list[dict[str, Any]]:
        return [m.datastream(self.base, s, metric) for s in self.stations.values()
                for metric in m.metrics_of(s.domain) if keep(s, metric)]  # fmt: skip

    def observations(self, scope: m.Scope, condition: sta_filter.Compiled,
                     order: str, top: int, skip: int) -> list[dict[str, Any]]:  # fmt: skip
        sql, params = m.observations_sql(scope, condition.sql, order, top, skip)
        rows = self.db.fetch(q.Query(sql, params | condition.params))
        return [m.observation(self.base, s, metric, ts, v) for s, metric, ts, v in rows]

    def observation_count(self, scope: m.Scope,
                          condition: sta_filter.Compiled) -> int:  # fmt: skip
        sql, params = m.observations_sql(scope, condition.sql, "ts", 1, 0)
        rows = self.db.fetch(q.Query(m.count_sql(sql), params | condition.params))
        return int(rows[0][0])


def _expand_names(entity_set: str, text: str | None) -> list[str]:
    if not text:
        return []
    names = [n.strip() for n in text.split(",") if n.strip()]
    allowed = m.NAVIGATION[entity_set]
    for name in names:
        if "/" in name or "(" in name:  # §9.3.2.1 allows both; this subset does not
            raise NotImplementedOption(
                f"$expand={name!r}: nested paths and expand options are not implemented"
            )
        if name not in allowed:
            raise bad("$expand", f"{name!r}: one level of {', '.join(allowed)}")
    return names


def _navigate(ctx: _Context, entity_set: str, identifier: str, nav: str) -> Any:
    """The related entity (dict) or entities (list) of one entity."""
    if entity_set in ("Things", "Locations", "Sensors", "FeaturesOfInterest"):
        station = ctx.station(identifier)
        if nav == "Observations":  # of a FeatureOfInterest: every metric of the station
            return ctx.observations((station.domain, station.sensor_id),
                                    sta_filter.Compiled("TRUE"), "ts DESC",
                                    EXPAND_OBSERVATIONS, 0)  # fmt: skip
        if nav == "Locations":
            return [m.location(ctx.base, station)]
        if nav == "Things":
            return [m.thing(ctx.base, station)]
        if nav == "HistoricalLocations":
            return []
        return ctx.datastreams(lambda s, _: s.sensor_id == identifier)
    if entity_set == "ObservedProperties":
        if identifier not in m.all_metrics():
            raise NotFound(f"no ObservedProperty {identifier!r}")
        return ctx.datastreams(lambda _, metric: metric == identifier)
    if entity_set == "Datastreams":
        station, metric = ctx.datastream_key(identifier)
        if nav == "Thing":
            return m.thing(ctx.base, station)
        if nav == "Sensor":
            return m.sensor(ctx.base, station)
        if nav == "ObservedProperty":
            return m.observed_property(ctx.base, metric)
        return ctx.observations(
            (station.domain, station.sensor_id, metric),
            sta_filter.Compiled("TRUE"),
            "ts DESC",
            EXPAND_OBSERVATIONS,
            0,
        )
    if entity_set == "HistoricalLocations":
        raise NotFound(f"no HistoricalLocation {identifier!r} (stations do not move)")
    parsed = m.parse_observation_id(identifier)
    if parsed is None:
        raise NotFound(f"no {nav} of Observation {identifier!r}")
    station = ctx.station(parsed[0])
    if nav == "FeatureOfInterest":
        return m.feature_of_interest(ctx.base, station)
    return m.datastream(ctx.base, station, parsed[1])


def _entity(ctx: _Context, entity_set: str, identifier: str) -> dict[str, Any]:
    if entity_set == "Things":
        return m.thing(ctx.base, ctx.station(identifier))
    if entity_set == "Locations":
        return m.location(ctx.base, ctx.station(identifier))
    if entity_set == "Sensors":
        return m.sensor(ctx.base, ctx.station(identifier))
    if entity_set == "FeaturesOfInterest":
        return m.feature_of_interest(ctx.base, ctx.station(identifier))
    if entity_set == "HistoricalLocations":
        raise NotFound(f"no HistoricalLocation {identifier!r} (stations do not move)")
    if entity_set == "ObservedProperties":
        if identifier not in m.all_metrics():
            raise NotFound(f"no ObservedProperty {identifier!r}")
        return m.observed_property(ctx.base, identifier)
    if entity_set == "Datastreams":
        station, metric = ctx.datastream_key(identifier)
        return m.datastream(ctx.base, station, metric)
    parsed = m.parse_observation_id(identifier)
    if parsed is None:
        raise NotFound(f"no Observation {identifier!r}")
    station = ctx.station(parsed[0])
    if parsed[1] not in m.metrics_of(station.domain):
        raise NotFound(f"no Observation {identifier!r}")
    exact = sta_filter.Compiled("ts = %(at)s", {"at": parsed[2]})
    found = ctx.observations((station.domain, station.sensor_id, parsed[1]), exact, "ts", 1, 0)
    if not found:
        raise NotFound(f"no Observation {identifier!r}")
    return found[0]


def _with_expansions(ctx: _Context, entity_set: str, entities: list[dict[str, Any]],
                     names: list[str]) -> list[dict[str, Any]]:  # fmt: skip
    for entity in entities:
        for name in names:
            entity[name] = _navigate(ctx, entity_set, entity["@iot.id"], name)
    return entities


def _registry_order(entities: list[dict[str, Any]], orderby: str | None) -> list[dict[str, Any]]:
    if not orderby:
        return entities
    for item in reversed(orderby.split(",")):
        words = item.split()
        if not words or len(words) > 2 or words[0] not in ("id", "@iot.id", "name"):
            raise bad("$orderby", f"registry entities order by id or name, not {item!r}")
        descending = len(words) == 2 and words[1].lower() == "desc"
        if len(words) == 2 and words[1].lower() not in ("asc", "desc"):
            raise bad("$orderby", f"{words[1]!r} is not asc or desc")
        field = "@iot.id" if words[0] in ("id", "@iot.id") else "name"
        entities = sorted(entities, key=lambda e: str(e.get(field)), reverse=descending)
    return entities


def _next(request: Request, skip: int, top: int) -> str:
    """The nextLink, with ``$`` options written as in the spec's example
    (``…/Things?$top=100&$skip=100``, server-driven paging) rather than ``%24top``."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in ("$skip", "$top")]
    items += [("$top", str(top)), ("$skip", str(skip + top))]
    query = urlencode(items, safe="$',()", quote_via=quote)
    return base_url(request) + request.url.path + "?" + query


def _collection(ctx: _Context, entity_set: str, source: Any, top: int, skip: int, count: bool,
                orderby: str | None, filter_: str | None, expand: str | None,
                scope: m.Scope = None) -> Response:  # fmt: skip
    top = min(top, MAX_TOP)  # §9.3.3.2: over the server's page, $top is discarded
    names = _expand_names(entity_set, expand)
    total = None
    if entity_set == "Observations":
        try:
            condition = sta_filter.compile_filter(filter_)
            order = sta_filter.compile_orderby(orderby, "ts DESC")
        except sta_filter.FilterError as exc:
            raise bad("$filter" if filter_ else "$orderby", str(exc)) from None
        page = ctx.observations(scope, condition, order, top + 1, skip)
        if count:
            total = ctx.observation_count(scope, condition)
    else:
        if filter_:
            raise bad("$filter", "supported on Observations (phenomenonTime, result) only")
        entities = _registry_order(list(source), orderby)
        total = len(entities) if count else None
        page = entities[skip : skip + top + 1]
    more = len(page) > top
    page = _with_expansions(ctx, entity_set, page[:top], names)
    link = _next(ctx.request, skip, top) if more else None
    return reply(ctx.request, m.collection(page, total, link), "latest")


def _source(ctx: _Context, entity_set: str) -> list[dict[str, Any]]:
    stations = list(ctx.stations.values())
    if entity_set == "Things":
        return [m.thing(ctx.base, s) for s in stations]
    if entity_set == "Locations":
        return [m.location(ctx.base, s) for s in stations]
    if entity_set == "Sensors":
        return [m.sensor(ctx.base, s) for s in stations]
    if entity_set == "FeaturesOfInterest":
        return [m.feature_of_interest(ctx.base, s) for s in stations]
    if entity_set == "ObservedProperties":
        return [m.observed_property(ctx.base, metric) for metric in m.all_metrics()]
    if entity_set == "Datastreams":
        return ctx.datastreams(lambda *_: True)
    return []


@router.get("", summary="SensorThings service root")
def root(request: Request) -> Response:
    _refuse_unsupported(request)
    base = _base(request)
    sets = ("Things", "Locations", "HistoricalLocations", "Sensors", "ObservedProperties",
            "Datastreams", "Observations", "FeaturesOfInterest")  # fmt: skip
    body = {
        "value": [{"name": s, "url": f"{base}/{s}"} for s in sets],
        "serverSettings": {"conformance": [
            "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
            "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
            "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
        ]},
    }  # fmt: skip
    return reply(request, body, "registry")


@router.get("/{entity_set}({key})", summary="One SensorThings entity")
def entity(
    request: Request, entity_set: EntitySet,
    key: Annotated[str, KEY_PATH], expand: Expand = None,
) -> Response:  # fmt: skip
    _refuse_unsupported(request)
    ctx = _Context(request)
    identifier = m.unquote(key)
    names = _expand_names(entity_set, expand)
    found = _with_expansions(ctx, entity_set, [_entity(ctx, entity_set, identifier)], names)
    return reply(request, found[0], "latest")


Navigation = Literal["Things", "Locations", "HistoricalLocations", "Datastreams", "Thing",
                     "Sensor", "ObservedProperty", "Observations", "Datastream",
                     "FeatureOfInterest"]  # fmt: skip


@router.get("/{entity_set}({key})/{nav}", summary="Entities related to one entity")
def related(
    request: Request, entity_set: EntitySet, key: Annotated[str, KEY_PATH],
    nav: Navigation, top: Top = DEFAULT_TOP, skip: Skip = 0, count: Count = "false",
    orderby: OrderBy = None, filter_: Filter = None, expand: Expand = None,
) -> Response:  # fmt: skip
    _refuse_unsupported(request)
    ctx = _Context(request)
    identifier = m.unquote(key)
    if nav not in m.NAVIGATION[entity_set]:
        raise NotFound(f"{entity_set} has no navigation property {nav!r}")
    target = m.NAVIGATION[entity_set][nav]
    if entity_set == "Datastreams" and nav == "Observations":
        station, metric = ctx.datastream_key(identifier)
        return _collection(ctx, "Observations", [], top, skip, count == "true", orderby,
                           filter_, expand,
                           scope=(station.domain, station.sensor_id, metric))  # fmt: skip
    if entity_set == "FeaturesOfInterest" and nav == "Observations":
        station = ctx.station(identifier)
        return _collection(ctx, "Observations", [], top, skip, count == "true", orderby,
                           filter_, expand, scope=(station.domain, station.sensor_id))  # fmt: skip
    related_ = _navigate(ctx, entity_set, identifier, nav)
    if isinstance(related_, dict):
        names = _expand_names(target, expand)
        return reply(request, _with_expansions(ctx, target, [related_], names)[0], "latest")
    return _collection(ctx, target, related_, top, skip, count == "true", orderby, filter_,
                       expand)  # fmt: skip


# Last: "/{entity_set}" would also match "Things('x')" (routes match in order).
@router.get("/{entity_set}", summary="A SensorThings entity set")
def entities(
    request: Request, entity_set: EntitySet, top: Top = DEFAULT_TOP, skip: Skip = 0,
    count: Count = "false", orderby: OrderBy = None, filter_: Filter = None,
    expand: Expand = None,
) -> Response:  # fmt: skip
    _refuse_unsupported(request)
    ctx = _Context(request)
    return _collection(ctx, entity_set, _source(ctx, entity_set), top, skip, count == "true",
                       orderby, filter_, expand)  # fmt: skip
