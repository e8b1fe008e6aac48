"""Keyset pagination cursors: the last row's key, bound to the query that produced it.

A cursor is ``base64url(JSON [version, query digest, key...])``. It is opaque to clients
but not secret: it carries only values the client has already seen. The query digest
(of every parameter except the cursor itself) makes a cursor from one query refused by
another, instead of silently paging through the wrong rows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from typing import Final

VERSION: Final = 1
#: A cursor holds a handful of key values (ids, times, names: a few hundred characters,
#: non-ASCII names included); anything longer is not one of ours.
MAX_LENGTH: Final = 2048

Key = tuple[str | int | float | None, ...]


class CursorError(ValueError):
    """The cursor is malformed, or belongs to another query."""


def query_digest(params: Mapping[str, object]) -> str:
    """A short digest of a query's parameters (order-independent, cursor excluded)."""
    canonical = json.dumps(
        {k: params[k] for k in sorted(params) if k != "cursor"}, default=str, sort_keys=True
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode(key: Key, digest: str) -> str:
    # UTF-8, not \u escapes: a name in another script would otherwise grow sixfold
    raw = json.dumps([VERSION, digest, *key], separators=(",", ":"), ensure_ascii=False)
    token = base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()
    if len(token) > MAX_LENGTH:  # never issue a cursor that decode() would refuse
        raise ValueError(f"a cursor key of {len(raw)} characters is too long: {key!r:.80}")
    return token


def decode(token: str, digest: str, arity: int) -> Key:
    """The key in ``token``; refuses another query's cursor or a key of another shape."""
    if len(token) > MAX_LENGTH:
        raise CursorError(f"cursor is longer than {MAX_LENGTH} characters")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise CursorError("cursor is not one this API issued") from None
    if not isinstance(value, list) or len(value) != 2 + arity or value[0] != VERSION:
        raise CursorError("cursor is not one this API issued")
    if value[1] != digest:
        raise CursorError("cursor belongs to another query (parameters changed)")
    key = value[2:]
    if not all(v is None or isinstance(v, str | int | float) for v in key):
        raise CursorError("cursor is not one this API issued")
    return tuple(key)
