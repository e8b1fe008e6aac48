"""Entity tags (RFC 9110 §8.8.3) and conditional GET (§13.1.2 If-None-Match).

The tag is a digest of the representation's bytes: equal bytes, equal tag, whichever
replica served them, so caches and clients revalidate with ``If-None-Match`` and get
``304 Not Modified`` without the body.
"""

from __future__ import annotations

import hashlib


def etag_of(body: bytes) -> str:
    """A strong entity tag for ``body`` (quoted, as sent in the header)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches(if_none_match: str | None, tag: str) -> bool:
    """True when ``If-None-Match`` names ``tag`` (weak comparison, §8.8.3.2) or is ``*``."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    bare = tag.removeprefix("W/")
    return any(
        candidate.strip().removeprefix("W/") == bare for candidate in if_none_match.split(",")
    )
