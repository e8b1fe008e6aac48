"""Helpers every route shares: the store, caching headers, next links, known cities."""

from __future__ import annotations

import threading
import time
from typing import Any, Final

from fastapi import Request, Response
from pydantic import BaseModel, Field

from kotacerdas.api import cursor as cursors
from kotacerdas.api import queries as q
from kotacerdas.api.etag import etag_of, matches
from kotacerdas.api.problems import MEDIA_TYPE, NotFound
from kotacerdas.api.representation import cache_control, to_json
from kotacerdas.api.store import Store

#: Largest page any list resource returns.
PAGE_MAX: Final = 1000
#: How long the list of known cities is trusted (the registry changes on `registry load`).
CITIES_TTL_S: Final = 60.0


class ProblemModel(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(examples=["/problems/invalid-parameters"])
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, str]] | None = None


_PROBLEM = {"model": ProblemModel, "content": {MEDIA_TYPE: {}}}
#: Statuses every resource may answer besides 200, for the OpenAPI document.
RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    304: {"description": "Not modified (If-None-Match matched the ETag)"},
    400: {**_PROBLEM, "description": "A parameter is invalid"},
    404: {**_PROBLEM, "description": "No such city, district, sensor or indicator"},
    422: {**_PROBLEM, "description": "Unprocessable request"},
    429: {**_PROBLEM, "description": "Rate limit exceeded (see Retry-After)"},
    503: {**_PROBLEM, "description": "Database unavailable or query timed out"},
}


def store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def reply(request: Request, payload: Any, kind: str | None, media: str = "application/json"
          ) -> Response:  # fmt: skip
    """JSON with ETag and Cache-Control; ``304`` when the client has these bytes."""
    body = payload if isinstance(payload, bytes) else to_json(payload)
    tag = etag_of(body)
    headers = {"ETag": tag, "Cache-Control": cache_control(kind), "Vary": "Accept-Encoding"}
    if matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media, headers=headers)


def base_url(request: Request) -> str:
    configured = request.app.state.settings.public_url
    return configured or str(request.base_url).rstrip("/")


def next_link(request: Request, **params: Any) -> str:
    url = request.url.include_query_params(**{k: v for k, v in params.items() if v is not None})
    return base_url(request) + url.path + ("?" + url.query if url.query else "")


def page_key(
    request: Request, rows: list[Any], limit: int, key: Any, params: dict[str, Any]
) -> str | None:
    """The next page's URL when more than ``limit`` rows came back (the extra is cut)."""
    if len(rows) <= limit:
        return None
    del rows[limit:]
    token = cursors.encode(key(rows[-1]), cursors.query_digest(params))
    return next_link(request, cursor=token)


class _Cities:
    """Known city slugs, re-read at most every :data:`CITIES_TTL_S` seconds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = -CITIES_TTL_S
        self._slugs: frozenset[str] = frozenset()

    def require(self, db: Store, slug: str) -> None:
        with self._lock:
            if time.monotonic() - self._at > CITIES_TTL_S or slug not in self._slugs:
                rows = db.fetch(q.cities(10_000))
                self._slugs = frozenset(str(r[0]) for r in rows)
                self._at = time.monotonic()
            if slug not in self._slugs:
                raise NotFound(f"no city {slug!r}; GET /v1/cities lists them")


def require_city(request: Request, slug: str) -> None:
    state = request.app.state
    if not hasattr(state, "cities"):
        state.cities = _Cities()
    state.cities.require(state.store, slug)
