"""Value types of the decoding layer: limits in, a result with readings and rejections out.

Nothing here does I/O. A rejection is a value with a stable reason code
(:class:`kotacerdas.reasons.ReasonCode`), never a log line; the bridge turns a
whole-message rejection into a dead letter and counts field-level ones.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from kotacerdas.contract import Domain, Reading
from kotacerdas.reasons import ReasonCode

__all__ = [
    "DEFAULT_LIMITS",
    "DecodeLimits",
    "DecodeRejected",
    "DecodeResult",
    "Rejection",
    "TopicParts",
    "shorten",
]

# A human message quotes the offending value, but never more than this many characters of
# it: dead-letter rows and logs must stay readable when a payload carries a megabyte string.
MAX_QUOTED_CHARS: Final = 80


@dataclass(frozen=True, slots=True)
class DecodeLimits:
    """Every bound the decoder enforces, named and configurable (STYLE.md: no magic numbers)."""

    # MQTT allows 256 MB; no sensor reading needs more than a few kB. 64 KiB leaves room
    # for a SenML pack of ~1 000 records and keeps a hostile payload cheap to refuse.
    max_payload_bytes: int = 65_536
    # DESIGN.md, "The contract": more than 5 min in the future is a dead letter.
    future_skew: timedelta = timedelta(minutes=5)
    # Older than this is a dead letter (the late limit of the ingest side).
    max_age: timedelta = timedelta(days=7)
    # kota/{city}/{domain}/{sensor_id}
    max_topic_levels: int = 4
    # Records per SenML pack: 1 000 one-minute records is more than half a day of backlog.
    max_records: int = 1_000

    def __post_init__(self) -> None:
        if self.max_payload_bytes < 1:
            raise ValueError(f"max_payload_bytes must be >= 1, got {self.max_payload_bytes}")
        if self.future_skew < timedelta(0):
            raise ValueError(f"future_skew must be >= 0, got {self.future_skew}")
        if self.max_age <= timedelta(0):
            raise ValueError(f"max_age must be > 0, got {self.max_age}")
        if self.max_topic_levels < 4:
            raise ValueError(
                f"max_topic_levels must be >= 4 (kota/city/domain/sensor), "
                f"got {self.max_topic_levels}"
            )
        if self.max_records < 1:
            raise ValueError(f"max_records must be >= 1, got {self.max_records}")


DEFAULT_LIMITS: Final = DecodeLimits()


@dataclass(frozen=True, slots=True)
class TopicParts:
    """The three variable levels of ``kota/{city}/{domain}/{sensor_id}``."""

    city: str
    domain: Domain
    sensor_id: str


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a message, one reading of it, or one field of a reading was refused.

    ``field`` names the offending field or metric (None when the whole message is at
    fault); ``cause`` is the specific reason behind a ``field_rejected``.
    """

    reason: ReasonCode
    message: str
    field: str | None = None
    cause: ReasonCode | None = None


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """What one MQTT message turned into.

    A whole-message rejection has no readings and exactly one rejection. An accepted
    message has at least one reading and may carry field-level rejections (quarantined
    metrics) and ``ignored`` names (attributes or metrics we do not use: counted, not
    dead-lettered).
    """

    readings: tuple[Reading, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    format: str | None = None
    ignored: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        """At least one reading came out."""
        return bool(self.readings)

    @property
    def reason(self) -> ReasonCode | None:
        """The dead-letter reason of a rejected message, None if something was accepted."""
        if self.readings or not self.rejections:
            return None
        return self.rejections[0].reason

    @property
    def partial(self) -> bool:
        """Accepted, but some field or reading of it was refused."""
        return bool(self.readings) and bool(self.rejections)


class DecodeRejected(Exception):
    """Internal control flow: an adapter refuses the whole message (faststream RejectMessage).

    :func:`ingest.formats.decode` catches it and returns the rejection as a value; it never
    escapes the package.
    """

    def __init__(self, rejection: Rejection) -> None:
        super().__init__(f"{rejection.reason}: {rejection.message}")
        self.rejection = rejection


class _BoundedRepr(reprlib.Repr):
    """reprlib bounds depth and length, so quoting a hostile value costs O(1), not O(payload)."""

    def repr_int(self, x: int, level: int) -> str:
        # str(int) refuses more than 4 300 digits (CVE-2020-10735 guard) and is quadratic.
        if x.bit_length() > 256:
            return f"<{'-' if x < 0 else ''}integer of {x.bit_length()} bits>"
        return super().repr_int(x, level)


def _make_repr() -> reprlib.Repr:
    r = _BoundedRepr()
    r.maxlevel = 3
    r.maxstring = MAX_QUOTED_CHARS
    r.maxother = MAX_QUOTED_CHARS
    r.maxlong = MAX_QUOTED_CHARS
    r.maxlist = r.maxtuple = r.maxdict = r.maxset = 6
    return r


_REPR: Final = _make_repr()


def shorten(value: object) -> str:
    """A bounded ``repr`` of ``value`` for a human message (≈ :data:`MAX_QUOTED_CHARS`)."""
    text = _REPR.repr(value)
    if len(text) <= MAX_QUOTED_CHARS:
        return text
    return text[: MAX_QUOTED_CHARS - 1] + "…"
