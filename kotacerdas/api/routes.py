"""The REST resources under ``/v1`` (the shell: parameters in, :mod:`queries` out)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from fastapi.security import APIKeyHeader

from kotacerdas.api import cursor as cursors
from kotacerdas.api import params as check
from kotacerdas.api import queries as q
from kotacerdas.api.durations import format_duration
from kotacerdas.api.http import PAGE_MAX, RESPONSES, next_link, page_key, reply, require_city, store
from kotacerdas.api.problems import Forbidden, InvalidParameters, NotFound, Unauthorized
from kotacerdas.api.representation import csv_lines, json_lines, record

router = APIRouter(prefix="/v1", responses=RESPONSES)

City = Annotated[str, Path(pattern=check.SLUG, description="City slug, e.g. `jakarta`")]
Limit = Annotated[int, Query(ge=1, le=PAGE_MAX, description="Rows per page")]
Cursor = Annotated[
    str | None, Query(max_length=512, description="The `next` link's cursor (keyset)")
]
District = Annotated[str | None, Query(pattern=check.SLUG, description="District slug")]
Sensor = Annotated[str | None, Query(pattern=check.SENSOR, description="Sensor id")]
From = Annotated[
    datetime | None,
    Query(alias="from", description="Start (inclusive), RFC 3339 with offset; default to − 24 h"),
]
To = Annotated[
    datetime | None, Query(alias="to", description="End (exclusive), RFC 3339; default now")
]
Methods = Annotated[
    str | None,
    Query(
        alias="aggrMethods",
        max_length=64,
        pattern=r"^[a-z]+(,[a-z]+)*$",
        description="NGSI-LD aggregation methods: comma-separated avg, min, max, sum, count",
    ),
]
Period = Annotated[
    str | None,
    Query(
        alias="aggrPeriodDuration",
        max_length=40,
        description="ISO 8601 bucket length (PT1H, P1D, PT15M; PT0S = the whole range)",
    ),
]


def _decode(token: str | None, params: dict[str, Any], arity: int) -> tuple[Any, ...] | None:
    if token is None:
        return None
    try:
        return cursors.decode(token, cursors.query_digest(params), arity)
    except cursors.CursorError as exc:
        raise check.bad("cursor", str(exc)) from None


def _instant(name: str, text: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        raise check.bad("cursor", f"not one this API issued ({name})") from None


@router.get("/cities", summary="Cities", tags=["registry"])
def list_cities(request: Request, limit: Limit = 100, cursor: Cursor = None) -> Response:
    params = {"limit": limit}
    after = _decode(cursor, params, 1)
    query = q.cities(limit + 1, after=str(after[0]) if after else None)
    rows = store(request).fetch(query)
    link = page_key(request, rows, limit, lambda r: (r[0],), params)
    data = [record(query.columns, r) for r in rows]
    return reply(request, {"data": data, "links": {"next": link}}, "registry")


@router.get("/cities/{city}", summary="One city", tags=["registry"])
def get_city(request: Request, city: City) -> Response:
    query = q.cities(1, slug=city)
    rows = store(request).fetch(query)
    if not rows:
        raise NotFound(f"no city {city!r}; GET /v1/cities lists them")
    return reply(request, record(query.columns, rows[0]), "registry")


@router.get("/cities/{city}/districts", summary="Districts of a city", tags=["registry"])
def list_districts(
    request: Request, city: City, limit: Limit = 100, cursor: Cursor = None
) -> Response:
    require_city(request, city)
    params = {"city": city, "limit": limit}
    after = _decode(cursor, params, 1)
    query = q.districts(city, limit + 1, after=str(after[0]) if after else None)
    rows = store(request).fetch(query)
    link = page_key(request, rows, limit, lambda r: (r[1],), params)
    data = [record(query.columns, r) for r in rows]
    return reply(request, {"data": data, "links": {"next": link}}, "registry")


def _sensor(columns: tuple[str, ...], row: tuple[Any, ...]) -> dict[str, Any]:
    out = record(columns, row)
    out["health"] = {k: out.pop(k) for k in q.HEALTH_COLUMNS}
    return out


@router.get("/cities/{city}/sensors", summary="Sensors of a city, with health", tags=["registry"])
def list_sensors(
    request: Request,
    city: City,
    domain: Literal["air", "traffic", "waste"] | None = None,
    district: District = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response:
    require_city(request, city)
    params = {"city": city, "domain": domain, "district": district, "limit": limit}
    after = _decode(cursor, params, 1)
    query = q.sensors(
        limit + 1, city=city, domain=domain, district=district,
        after=str(after[0]) if after else None,
    )  # fmt: skip
    rows = store(request).fetch(query)
    link = page_key(request, rows, limit, lambda r: (r[0],), params)
    data = [_sensor(query.columns, r) for r in rows]
    return reply(request, {"data": data, "links": {"next": link}}, "latest")


@router.get("/sensors/{sensor_id}", summary="One sensor, with health", tags=["registry"])
def get_sensor(
    request: Request,
    sensor_id: Annotated[str, Path(pattern=check.SENSOR, description="Sensor id")],
) -> Response:
    query = q.sensors(1, sensor_id=sensor_id)
    rows = store(request).fetch(query)
    if not rows:
        raise NotFound(f"no sensor {sensor_id!r}")
    return reply(request, _sensor(query.columns, rows[0]), "latest")


@router.get(
    "/cities/{city}/indicators/latest",
    summary="Latest value of every indicator per place",
    tags=["indicators"],
)
def latest(
    request: Request,
    city: City,
    scope: Annotated[
        Literal["city", "district", "sensor", "all"],
        Query(description="Which places: the city, its districts, its sensors, or all"),
    ] = "all",
    district: District = None,
    sensor: Sensor = None,
    code: Annotated[
        str | None, Query(max_length=1024, description="Comma-separated indicator codes")
    ] = None,
    limit: Limit = 500,
    cursor: Cursor = None,
) -> Response:
    require_city(request, city)
    codes = check.codes(code)
    params = {"city": city, "scope": scope, "district": district, "sensor": sensor,
              "code": codes, "limit": limit}  # fmt: skip
    after = _decode(cursor, params, 3)
    query = q.latest_indicators(
        city, limit + 1, scope, district, sensor, codes,
        after=tuple(str(v) for v in after) if after else None,  # type: ignore[arg-type]
    )  # fmt: skip
    rows = store(request).fetch(query)
    link = page_key(request, rows, limit, lambda r: (r[1] or "", r[2] or "", r[3]), params)
    data = [record(query.columns, r) for r in rows]
    return reply(request, {"data": data, "links": {"next": link}}, "latest")


def _series_spec(
    city: str,
    code: str,
    district: str | None,
    sensor: str | None,
    start: datetime | None,
    end: datetime | None,
    methods: str | None,
    period: str | None,
) -> q.SeriesSpec:
    chosen = check.methods(methods)
    step = check.period(period, bool(chosen))
    if chosen and step is None:
        raise check.bad("aggrPeriodDuration", "needed with aggrMethods (PT0S: the whole range)")
    first, last = check.time_range(start, end, datetime.now(UTC).replace(microsecond=0))
    check.bucket_count(first, last, step)
    return q.SeriesSpec(city, code, first, last, district, sensor, chosen, step)


CodePath = Annotated[str, Path(pattern=check.CODE, description="Indicator code, e.g. `ispu`")]


def _series_head(spec: q.SeriesSpec) -> dict[str, Any]:
    return {
        "city": spec.city,
        "code": spec.code,
        "district": spec.district,
        "sensor": spec.sensor_id,
        "from": spec.start,
        "to": spec.end,
        "aggrMethods": list(spec.methods) or None,
        "aggrPeriodDuration": None if spec.period is None else format_duration(spec.period),
    }


def _bucket_rows(spec: q.SeriesSpec, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    if not spec.methods:
        return [record(("window_start", "window_s", "value", "category", "coverage"), r)
                for r in rows]  # fmt: skip
    out = []
    for bucket, *values in rows:
        end = bucket + spec.period if spec.period else spec.end
        out.append({"start": bucket, "end": min(end, spec.end),
                    **dict(zip(spec.methods, values, strict=True))})  # fmt: skip
    return out


@router.get(
    "/cities/{city}/indicators/{code}/series",
    summary="An indicator's time series at one place, raw or aggregated",
    tags=["indicators"],
)
def series(
    request: Request,
    city: City,
    code: CodePath,
    district: District = None,
    sensor: Sensor = None,
    start: From = None,
    end: To = None,
    methods: Methods = None,
    period: Period = None,
    limit: Limit = PAGE_MAX,
    cursor: Cursor = None,
) -> Response:
    require_city(request, city)
    spec = _series_spec(city, code, district, sensor, start, end, methods, period)
    params = {**_series_head(spec), "limit": limit}
    after = _decode(cursor, params, 1)
    query = q.series(spec, limit + 1, _instant("after", after[0]) if after else None)
    rows = store(request).fetch(query)
    link = None
    if len(rows) > limit:
        del rows[limit:]
        token = cursors.encode((rows[-1][0].isoformat(),), cursors.query_digest(params))
        # the next page repeats the resolved range, so "now" does not move under it
        link = next_link(request, cursor=token, **{"from": spec.start.isoformat(),
                                                   "to": spec.end.isoformat()})  # fmt: skip
    body = {**_series_head(spec), "data": _bucket_rows(spec, rows), "links": {"next": link}}
    return reply(request, body, "series")


Format = Annotated[Literal["csv", "json"], Query(description="csv (RFC 4180) or json")]


def _download(
    name: str, fmt: str, head: dict[str, Any], columns: tuple[str, ...],
    rows: Iterator[tuple[Any, ...]],
) -> StreamingResponse:  # fmt: skip
    if fmt == "csv":
        body, media = csv_lines(columns, rows), "text/csv; charset=utf-8"
    else:
        body, media = json_lines({"query": head}, columns, rows), "application/json"
    disposition = f'attachment; filename="{name}.{fmt}"'
    return StreamingResponse(
        body, media_type=media,
        headers={"Content-Disposition": disposition, "Cache-Control": "public, max-age=60"},
    )  # fmt: skip


def _first_then_rest(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
    """Start the query before the response head is sent, so a refused query is still a
    problem response (status 4xx/5xx) and not a cut-off 200."""
    first = next(rows, None)

    def chain() -> Iterator[tuple[Any, ...]]:
        if first is not None:
            yield first
            yield from rows

    return chain()


@router.get(
    "/cities/{city}/indicators/{code}/series/download",
    summary="Download exactly the series query (all rows, streamed)",
    tags=["downloads"],
    response_class=StreamingResponse,
)
def series_download(
    request: Request,
    city: City,
    code: CodePath,
    format: Format = "csv",
    district: District = None,
    sensor: Sensor = None,
    start: From = None,
    end: To = None,
    methods: Methods = None,
    period: Period = None,
) -> StreamingResponse:
    require_city(request, city)
    spec = _series_spec(city, code, district, sensor, start, end, methods, period)
    query = q.series(spec, None)
    rows = _first_then_rest(store(request).stream(query))
    name = f"{city}-{code}-{spec.start:%Y%m%dT%H%M}-{spec.end:%Y%m%dT%H%M}"
    return _download(name, format, _series_head(spec), query.columns, rows)


def _alert_args(
    city: str, since: datetime | None, until: datetime | None
) -> tuple[datetime | None, datetime | None]:
    since, until = check.instant("since", since), check.instant("until", until)
    if since and until and since >= until:
        raise check.bad("since", "must be before until")
    return since, until


State = Annotated[Literal["open", "closed"] | None, Query(description="open or closed")]
Severity = Annotated[Literal["info", "warning", "critical"] | None, Query()]
Since = Annotated[datetime | None, Query(description="Opened at or after (RFC 3339)")]
Until = Annotated[datetime | None, Query(description="Opened before (RFC 3339)")]


@router.get("/cities/{city}/alerts", summary="Alerts, open and closed, per place",
            tags=["alerts"])  # fmt: skip
def list_alerts(
    request: Request,
    city: City,
    state: State = None,
    district: District = None,
    sensor: Sensor = None,
    severity: Severity = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Response:
    require_city(request, city)
    since, until = _alert_args(city, since, until)
    params = {"city": city, "state": state, "district": district, "sensor": sensor,
              "severity": severity, "since": since, "until": until, "limit": limit}  # fmt: skip
    after = _decode(cursor, params, 2)
    key = None
    if after:
        if not isinstance(after[1], int):
            raise check.bad("cursor", "not one this API issued")
        key = (_instant("after", after[0]), after[1])
    query = q.alerts(city, limit + 1, state, district, sensor, severity, since, until, key)
    rows = store(request).fetch(query)
    link = page_key(request, rows, limit, lambda r: (r[8].isoformat(), r[0]), params)
    data = [record(query.columns, r) for r in rows]
    return reply(request, {"data": data, "links": {"next": link}}, "alerts")


@router.get(
    "/cities/{city}/alerts/download",
    summary="Download exactly the alerts query (all rows, streamed)",
    tags=["downloads"],
    response_class=StreamingResponse,
)
def alerts_download(
    request: Request,
    city: City,
    format: Format = "csv",
    state: State = None,
    district: District = None,
    sensor: Sensor = None,
    severity: Severity = None,
    since: Since = None,
    until: Until = None,
) -> StreamingResponse:
    require_city(request, city)
    since, until = _alert_args(city, since, until)
    query = q.alerts(city, None, state, district, sensor, severity, since, until)
    head = {"city": city, "state": state, "district": district, "sensor": sensor,
            "severity": severity, "since": since, "until": until}  # fmt: skip
    rows = _first_then_rest(store(request).stream(query))
    return _download(f"{city}-alerts", format, head, query.columns, rows)


_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="apiKey",
                        description="Key of the non-public ops scope")  # fmt: skip


def ops_scope(request: Request, key: Annotated[str | None, Depends(_api_key)]) -> None:
    keys = request.app.state.keys
    if not key:
        raise Unauthorized("this resource needs an API key (X-API-Key) with the ops scope",
                           headers={"WWW-Authenticate": 'ApiKey header="X-API-Key"'})  # fmt: skip
    if key not in keys:
        raise Forbidden("the API key is not one with the ops scope")


@router.get(
    "/ops/dead-letters",
    summary="Dead letters per minute and reason (non-public: ops scope)",
    tags=["ops"],
    dependencies=[Depends(ops_scope)],
    responses={401: RESPONSES[400] | {"description": "No API key"},
               403: RESPONSES[400] | {"description": "Key without the ops scope"}},
)  # fmt: skip
def dead_letters(
    request: Request,
    city: Annotated[str | None, Query(pattern=check.SLUG)] = None,
    minutes: Annotated[int, Query(ge=1, le=7 * 24 * 60)] = 60,
) -> Response:
    since = datetime.now(UTC) - timedelta(minutes=minutes)
    query = q.dead_letter_rate(city, since)
    data = [record(query.columns, r) for r in store(request).fetch(query)]
    return reply(request, {"data": data}, None)


__all__ = ["InvalidParameters", "router"]
