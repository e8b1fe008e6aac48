"""The ASGI application: resources, problem+json errors, limits, caching headers, metrics.

:func:`create_app` composes the pure parts with a :class:`Store`; nothing here is global,
so tests build an app per database. Request path through :func:`_edge` (one middleware,
in this order):

1. ``OPTIONS`` preflight on a public path: answered here (CORS, no database);
2. the rate limit per client (API key, else peer address): 429 + ``Retry-After``;
3. the route; its response gets CORS headers when the path is public, and is counted
   in the metrics by route template (never by raw path: bounded label values).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException as StarletteHTTPException

from kotacerdas import __version__
from kotacerdas.api import problems as p
from kotacerdas.api.ratelimit import RateLimiter
from kotacerdas.api.representation import to_json
from kotacerdas.api.settings import ApiSettings
from kotacerdas.api.store import Store

log = logging.getLogger("kotacerdas.api")

#: Paths never rate limited: probes and scrapes must work while clients are throttled.
UNLIMITED = ("/healthz", "/readyz", "/metrics")
#: Paths that are not public (an API key with a scope): no CORS for them.
PRIVATE_PREFIXES = ("/v1/ops/",)
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Link, Retry-After, X-RateLimit-Remaining",
}
PREFLIGHT_HEADERS = {
    **CORS_HEADERS,
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, If-None-Match",
    "Access-Control-Max-Age": "86400",
}


class ApiMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kota_api_requests", "Requests by route and status", ["route", "status"],
            registry=self.registry,
        )  # fmt: skip
        self.seconds = Histogram(
            "kota_api_request_seconds", "Time to the response head, by route", ["route"],
            registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )  # fmt: skip
        self.limited = Counter(
            "kota_api_rate_limited", "Requests refused by the rate limit", registry=self.registry
        )


def problem_response(problem: p.Problem, instance: str) -> Response:
    return Response(
        to_json(problem.body(instance)),
        status_code=problem.status,
        media_type=p.MEDIA_TYPE,
        headers=problem.headers,
    )


def public(path: str) -> bool:
    return not path.startswith(PRIVATE_PREFIXES)


def create_app(
    settings: ApiSettings, store: Store, clock: Callable[[], float] = time.monotonic
) -> FastAPI:
    from kotacerdas.api import pages, routes, sta_routes

    app = FastAPI(
        title="kotacerdas open data API",
        version=__version__,
        summary="Air quality, traffic and waste indicators of Indonesian cities (read-only).",
        description=(
            "Read-only open data from the kotacerdas read contract: cities, districts, "
            "sensors with health, latest indicators, indicator time series with "
            "server-side aggregation (NGSI-LD `aggrMethods` / `aggrPeriodDuration`), "
            "alerts and streamed downloads; OGC SensorThings API 1.1 (read subset) under "
            "`/sta/v1.1`. Errors are `application/problem+json` (RFC 9457)."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.metrics = metrics = ApiMetrics()
    limiter = RateLimiter(settings.rate_per_s, settings.rate_burst)
    keys = {k.get_secret_value() for k in settings.keys}
    app.state.keys = keys

    @app.middleware("http")
    async def _edge(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if request.method == "OPTIONS" and public(path):
            return Response(status_code=204, headers=PREFLIGHT_HEADERS)
        if not path.startswith(UNLIMITED):
            key = request.headers.get("x-api-key")
            client = f"key:{key}" if key in keys else (
                request.client.host if request.client else "unknown")  # fmt: skip
            verdict = limiter.take(client, clock())
            if not verdict.allowed:
                metrics.limited.inc()
                metrics.requests.labels("rate-limited", "429").inc()
                refused = p.TooManyRequests(
                    f"more than {settings.rate_burst} requests in a burst or "
                    f"{settings.rate_per_s:g}/s sustained; retry after {verdict.retry_after_s} s",
                    headers={"Retry-After": str(verdict.retry_after_s)},
                )
                response = problem_response(refused, path)
                if public(path):
                    response.headers.update(CORS_HEADERS)
                return response
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        metrics.seconds.labels(route).observe(time.perf_counter() - started)
        metrics.requests.labels(route, str(response.status_code)).inc()
        if public(path):
            response.headers.update(CORS_HEADERS)
        return response

    @app.exception_handler(p.Problem)
    async def _problem(request: Request, exc: p.Problem) -> Response:
        return problem_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            p.InvalidParam(
                str(e["loc"][-1]) if e.get("loc") else "request",
                str(e.get("msg", "invalid")),
                str(e["loc"][0]) if e.get("loc") else "query",
            )
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e.name}: {e.reason}" for e in errors)
        return problem_response(p.InvalidParameters(detail, errors), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        kind = p.BY_STATUS.get(exc.status_code)
        if kind is None:
            body = {"type": "about:blank", "title": str(exc.detail), "status": exc.status_code}
            return Response(to_json(body), exc.status_code, media_type=p.MEDIA_TYPE)
        detail = str(exc.detail)
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no resource at {request.url.path}; see /docs"
        problem = kind(detail, headers=dict(exc.headers or {}))
        return problem_response(problem, request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        body: dict[str, Any] = {
            "type": "/problems/internal",
            "title": "Internal error",
            "status": 500,
            "detail": f"unexpected {type(exc).__name__}; it has been logged",
            "instance": request.url.path,
        }
        return Response(to_json(body), 500, media_type=p.MEDIA_TYPE)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> Response:
        return Response("ok\n", media_type="text/plain")

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> Response:
        ok, why = store.ping()
        return Response(f"{why}\n", 200 if ok else 503, media_type="text/plain")

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(routes.router)
    app.include_router(sta_routes.router)
    app.include_router(pages.router)
    return app
