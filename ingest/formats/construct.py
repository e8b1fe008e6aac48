"""Building a ``Reading`` from values the decoder has already checked, without validating twice.

Pydantic's ``model_construct`` skips validation but still loops over the model's fields in
Python (~2.4 µs a call, a third of a native decode). When every field is given, what it
produces is a ``__dict__`` plus three bookkeeping slots; :func:`construct_reading` sets those
directly (~0.8 µs). It is used only if an import-time self-check finds it indistinguishable
from ``model_construct`` for the installed pydantic; otherwise the public API is used.
The equivalence with ``Reading.model_validate`` is proven in tests/unit/ingest.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final

from kotacerdas.contract import Reading

__all__ = ["construct_reading"]

_READING_FIELDS: Final = frozenset(Reading.model_fields)
_new_reading = Reading.__new__
_set_slot = object.__setattr__


def _construct_direct(values: dict[str, object]) -> Reading:
    """What ``Reading.model_construct(**values)`` does when every field is given."""
    reading = _new_reading(Reading)
    _set_slot(reading, "__dict__", values)
    _set_slot(reading, "__pydantic_fields_set__", set(_READING_FIELDS))
    _set_slot(reading, "__pydantic_extra__", None)
    _set_slot(reading, "__pydantic_private__", None)
    return reading


def _construct_public(values: dict[str, object]) -> Reading:
    fields: dict[str, Any] = values
    return Reading.model_construct(**fields)


def _pick_constructor() -> Callable[[dict[str, object]], Reading]:
    """The direct constructor if, for this pydantic version, it is indistinguishable from
    ``model_construct`` (same field values, fields set, extra and private state); else the
    public API. The check runs once at import; a pydantic upgrade cannot silently break it."""
    sample: dict[str, object] = {
        "msg_id": "m",
        "city": "jakarta",
        "domain": "air",
        "sensor_id": "jkt-air-0001",
        "ts": datetime(2026, 1, 1, tzinfo=UTC),
        "seq": 1,
        "metrics": {"pm25": 1.0},
        "source_format": "kota/v1",
        "device_ref": None,
        "interval_s": 60,
        "revision": 0,
    }
    try:
        direct = _construct_direct(dict(sample))
        public = _construct_public(dict(sample))
        same = (
            set(sample) == _READING_FIELDS
            and direct.__dict__ == public.__dict__
            and direct.model_fields_set == public.model_fields_set
            and direct.__pydantic_extra__ == public.__pydantic_extra__
            and direct.__pydantic_private__ == public.__pydantic_private__
            and direct == public
            and direct.model_dump_json() == public.model_dump_json()
        )
    except (AttributeError, TypeError):  # pydantic internals moved: use the public API
        same = False
    return _construct_direct if same else _construct_public


#: values (every field of Reading, already valid) -> Reading
construct_reading: Final = _pick_constructor()
