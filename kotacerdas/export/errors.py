"""Errors of the export: one root, typed leaves with a stable reason code each."""

from __future__ import annotations

from typing import ClassVar

from kotacerdas.errors import UserFacingError


class ExportError(UserFacingError):
    """Root of every error the export raises on purpose (printed as one line, exit 2)."""

    reason: ClassVar[str] = "export_error"


class InvalidPeriod(ExportError):
    reason: ClassVar[str] = "invalid_period"


class UnknownCity(ExportError):
    reason: ClassVar[str] = "unknown_city"


class UnsupportedTimezone(ExportError):
    reason: ClassVar[str] = "unsupported_timezone"


class DatabaseUnavailable(ExportError):
    reason: ClassVar[str] = "database_unavailable"


class QueryFailed(ExportError):
    """The database refused a query (a view or a grant changed under the export)."""

    reason: ClassVar[str] = "query_failed"


class InvalidDataFile(ExportError):
    """The rubric or the denominators file cannot be read or validated."""

    reason: ClassVar[str] = "invalid_data_file"


class BrowserUnavailable(ExportError):
    """Headless Chromium is missing or did not answer within its timeout."""

    reason: ClassVar[str] = "browser_unavailable"
