"""The payload format adapters, registered by name in a dict of factories (telegraf-style).

An adapter *claims* a parsed payload by the payload's own markers and then decodes it; the
dispatcher asks adapters in registration order and hands the payload to the first that
claims it. Adapters are never tried until one does not fail: a payload claimed by the
native adapter and broken is a native dead letter, not a SenML attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ingest.formats.assembly import Context
from ingest.formats.result import DecodeResult

__all__ = ["ADAPTERS", "Adapter", "Factory", "adapter_chain", "register"]


class Adapter(Protocol):
    name: str

    def claims(self, doc: object) -> bool:
        """Whether ``doc`` (parsed JSON) carries this format's markers. Must be cheap."""
        ...

    def decode(self, doc: object, ctx: Context) -> DecodeResult:
        """Readings and rejections; raises DecodeRejected to refuse the whole message."""
        ...


Factory = Callable[[], Adapter]
ADAPTERS: dict[str, Factory] = {}


def register(name: str) -> Callable[[Factory], Factory]:
    def add(factory: Factory) -> Factory:
        ADAPTERS[name] = factory
        return factory

    return add


def adapter_chain(precedence: tuple[str, ...] = ()) -> tuple[Adapter, ...]:
    """One instance of every registered adapter: those named in ``precedence`` first, in
    that order, then the rest in registration order."""
    names = [*precedence, *(name for name in ADAPTERS if name not in precedence)]
    return tuple(ADAPTERS[name]() for name in names)
