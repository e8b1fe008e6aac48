"""A tiny HTTP endpoint per service: /metrics (Prometheus), /healthz, /readyz.

Liveness says the event loop answers; readiness says the service can do its job now
(e.g. the bridge is connected to the broker and Kafka accepts records). Kubernetes
probes and the local stack's status use them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

ReadinessCheck = Callable[[], tuple[bool, str]]

_MAX_REQUEST_LINE = 4096


class OpsServer:
    def __init__(
        self, host: str, port: int, registry: CollectorRegistry, ready: ReadinessCheck
    ) -> None:
        self._host, self._port = host, port
        self._registry = registry
        self._ready = ready
        self._server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            return self._port
        return int(self._server.sockets[0].getsockname()[1])

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self._host, self._port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), timeout=5)
            path = line[:_MAX_REQUEST_LINE].split(b" ")[1].decode() if b" " in line else ""
            while (await asyncio.wait_for(reader.readline(), timeout=5)) not in (b"\r\n", b""):
                pass  # headers are not needed
            status, ctype, body = self._route(path)
            head = (
                f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
        except (TimeoutError, ConnectionError, IndexError, UnicodeDecodeError):
            pass
        finally:
            writer.close()

    def _route(self, path: str) -> tuple[str, str, bytes]:
        if path == "/metrics":
            return "200 OK", CONTENT_TYPE_LATEST, generate_latest(self._registry)
        if path == "/healthz":
            return "200 OK", "text/plain", b"ok\n"
        if path == "/readyz":
            ok, why = self._ready()
            return (
                ("200 OK" if ok else "503 Service Unavailable"),
                "text/plain",
                f"{why}\n".encode(),
            )
        return "404 Not Found", "text/plain", b"not found\n"
