"""File names, rendering to bytes and atomic writes of the export's outputs."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from kotacerdas.export.render_html import to_html
from kotacerdas.export.render_tabular import to_csv, to_json
from kotacerdas.export.render_xlsx import to_xlsx

Renderer = Callable[[Mapping[str, Any]], bytes]
RENDERERS: Final[dict[str, Renderer]] = {
    "csv": to_csv,
    "json": to_json,
    "xlsx": to_xlsx,
    "html": to_html,
}
FORMATS: Final = tuple(RENDERERS)


def file_name(city: str, period: str, fmt: str) -> str:
    """``jakarta_2026-10.json``: city slug, period label, format."""
    return f"{city}_{period}.{fmt}"


def render(document: Mapping[str, Any], formats: Iterable[str]) -> dict[str, bytes]:
    city, period = document["city"]["slug"], document["period"]["label"]
    return {file_name(city, period, fmt): RENDERERS[fmt](document) for fmt in formats}


def write_atomic(path: Path, data: bytes) -> None:
    """Write next to the target, flush to disk, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
