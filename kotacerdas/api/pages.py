"""HTML routes: the public page per city and the docs page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from kotacerdas.api import docs_page, page
from kotacerdas.api import queries as q
from kotacerdas.api.http import RESPONSES, reply, store
from kotacerdas.api.params import SLUG
from kotacerdas.api.problems import NotFound

router = APIRouter(responses=RESPONSES)
_HTML = "text/html; charset=utf-8"


def _index(row: dict[str, Any] | None) -> page.Index:
    if row is None:
        return page.Index(None, None)
    return page.Index(row["value"], row["coverage"], row["category"])


@router.get("/docs", include_in_schema=False)
def docs(request: Request) -> Response:
    response = reply(request, docs_page.render(request.app.openapi()).encode(), "page", _HTML)
    response.headers["Content-Security-Policy"] = page.CSP
    return response


@router.get(
    "/cities/{city}",
    summary="Public air-quality page of a city (HTML, Bahasa Indonesia or English)",
    tags=["pages"],
    response_class=Response,
    responses={200: {"content": {"text/html": {}}}},
)
def city_page(
    request: Request,
    city: Annotated[str, Path(pattern=SLUG)],
    lang: Annotated[Literal["id", "en"], Query(description="id or en")] = "id",
) -> Response:
    db = store(request)
    found = db.fetch(q.cities(1, slug=city))
    if not found:
        raise NotFound(f"no city {city!r}")
    city_row = dict(zip(q.CITY_COLUMNS, found[0], strict=True))
    latest_q = q.latest_indicators(city, 100_000, "all", codes=("ispu", "green_city_index",
                                                                 "safety_index"))  # fmt: skip
    latest = [dict(zip(latest_q.columns, r, strict=True)) for r in db.fetch(latest_q)]
    by_place = {(r["district"], r["sensor_id"], r["code"]): r for r in latest}
    now = datetime.now(UTC).replace(microsecond=0)
    hours: dict[str, list[tuple[datetime, float | None]]] = {}
    for sensor_id, hour, value in db.fetch(
        q.station_hours(city, "ispu", now - timedelta(hours=24), now)
    ):
        hours.setdefault(sensor_id, []).append((hour, value))
    air = db.fetch(q.sensors(100_000, city=city, domain="air"))
    stations = [
        page.Station(
            row[0], row[2], _index(by_place.get((row[2], row[0], "ispu"))), hours.get(row[0], [])
        )
        for row in air
    ]
    districts = [
        page.DistrictRow(
            d[1],
            d[2],
            d[4],
            d[3],
            _index(by_place.get((d[1], None, "ispu"))),
            _index(by_place.get((d[1], None, "green_city_index"))),
            _index(by_place.get((d[1], None, "safety_index"))),
        )
        for d in db.fetch(q.districts(city, 100_000))
    ]
    view = page.CityPage(
        city, city_row["name"], city_row["timezone"], now,
        _index(by_place.get((None, None, "ispu"))),
        _index(by_place.get((None, None, "green_city_index"))),
        _index(by_place.get((None, None, "safety_index"))),
        stations, districts,
    )  # fmt: skip
    response = reply(request, page.render(view, lang).encode(), "page", _HTML)
    response.headers["Content-Security-Policy"] = page.CSP
    response.headers["Content-Language"] = lang
    return response
