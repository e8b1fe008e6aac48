"""Errors as ``application/problem+json`` (RFC 9457), one class per kind.

Every refusal the API makes is a :class:`Problem` leaf with a stable ``type`` URI (under
``/problems/``, documented in README.md), an HTTP status, and a ``detail`` saying what was
wrong; parameter errors list each bad parameter in ``errors`` (the RFC's §3.2 extension
member example, "invalid-params").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

MEDIA_TYPE: Final = "application/problem+json"


@dataclass(frozen=True)
class InvalidParam:
    name: str
    reason: str
    where: str = "query"


@dataclass
class Problem(Exception):
    """Root of the API's errors; ``code`` is the last part of the ``type`` URI."""

    detail: str
    errors: list[InvalidParam] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    code: ClassVar[str] = "about:blank"
    title: ClassVar[str] = "Error"
    status: ClassVar[int] = 400

    def body(self, instance: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": f"/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
        }
        if self.errors:
            out["errors"] = [
                {"name": e.name, "in": e.where, "reason": e.reason} for e in self.errors
            ]
        return out


class InvalidParameters(Problem):
    code, title, status = "invalid-parameters", "Invalid parameters", 400


class NotFound(Problem):
    code, title, status = "not-found", "Not found", 404


class MethodNotAllowed(Problem):
    code, title, status = "method-not-allowed", "Method not allowed", 405


class NotAcceptable(Problem):
    code, title, status = "not-acceptable", "Not acceptable", 406


class Unauthorized(Problem):
    code, title, status = "unauthorized", "API key required", 401


class Forbidden(Problem):
    code, title, status = "forbidden", "Scope not granted", 403


class TooManyRequests(Problem):
    code, title, status = "rate-limited", "Too many requests", 429


class TooLarge(Problem):
    code, title, status = "too-large", "Result too large", 413


class NotImplementedOption(Problem):
    """A query option the SensorThings subset does not implement (OGC 18-088 §9.3:
    "SHALL fail any request that contains the unsupported option and SHALL return
    501 Not Implemented")."""

    code, title, status = "not-implemented", "Not implemented", 501


class DatabaseUnavailable(Problem):
    code, title, status = "database-unavailable", "Database unavailable", 503


class QueryTimeout(Problem):
    code, title, status = "query-timeout", "Query took too long", 503


#: HTTP statuses Starlette raises itself (routing), mapped to our leaves.
BY_STATUS: Final[dict[int, type[Problem]]] = {
    400: InvalidParameters,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    406: NotAcceptable,
    413: TooLarge,
    429: TooManyRequests,
    501: NotImplementedOption,
    503: DatabaseUnavailable,
}
