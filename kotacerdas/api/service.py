"""The `kotacerdas api` process: uvicorn serving :func:`create_app`, stopped gracefully.

Steps of :func:`serve`:

1. Validate the settings (a bad one stops start-up naming its ``KOTA_API_*`` variable).
2. Open the pool of ``kota_reader`` connections without waiting for the database.
3. Serve with uvicorn on ``host:port``. On SIGTERM or SIGINT uvicorn stops accepting,
   lets requests in flight finish for up to ``graceful_timeout_s`` seconds, then closes
   what is left; the pool is closed after the server has stopped; the signal is then
   re-raised, so the command ends through ``kotacerdas.shutdown`` with 128 + signal.
   A second signal forces (uvicorn's, and then ours).
"""

from __future__ import annotations

import logging

from kotacerdas.api.app import create_app
from kotacerdas.api.settings import ApiSettings
from kotacerdas.api.store import Store
from kotacerdas.settings import ReaderDatabaseSettings


def build(settings: ApiSettings, database: ReaderDatabaseSettings) -> tuple[object, Store]:
    store = Store(
        database.conninfo(),
        min_size=settings.pool_min,
        max_size=settings.pool_max,
        pool_timeout_s=settings.pool_timeout_s,
        statement_timeout_ms=settings.statement_timeout_ms,
    )
    return create_app(settings, store), store


def serve(settings: ApiSettings, database: ReaderDatabaseSettings) -> int:
    import uvicorn

    app, store = build(settings, database)
    store.open()
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
        timeout_graceful_shutdown=int(settings.graceful_timeout_s),
        server_header=False,
        proxy_headers=False,
        lifespan="off",
    )
    logging.getLogger("kotacerdas.api").info(
        "serving on http://%s:%d (docs at /docs)", settings.host, settings.port
    )
    try:
        uvicorn.Server(config).run()
    finally:
        store.close()
    return 0
