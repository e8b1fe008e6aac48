"""Structured logs: one JSON object per line on stderr (or plain text on a terminal).

Secrets are ``SecretStr`` in settings and are never passed to a logger; the formatter
also never serialises arbitrary objects, only the message and the declared extras.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

_EXTRA_KEYS = ("service", "event", "reason", "count", "topic", "error", "attempt", "delay_s")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in _EXTRA_KEYS:
            if key in record.__dict__:
                entry[key] = str(record.__dict__[key])
        if record.exc_info and record.exc_info[1] is not None:
            entry["error"] = f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str = "INFO", json_logs: bool | None = None) -> None:
    """Configure the root logger once per process (services call this in ``main``)."""
    handler = logging.StreamHandler(sys.stderr)
    use_json = (not sys.stderr.isatty()) if json_logs is None else json_logs
    handler.setFormatter(
        JsonFormatter()
        if use_json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Client libraries log every refused connection of an outage as an error (thousands
    # of lines a minute); our services report an outage once when it starts and once
    # when it ends, with backoff figures, and say it on /readyz meanwhile.
    for noisy in ("aiokafka", "kafka"):
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
