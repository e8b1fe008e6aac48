"""A token bucket per client (sans-IO: the clock is passed in).

Each client (an API key, else the peer address) has ``burst`` tokens refilled at
``rate_per_s``; a request takes one. With none left the answer is 429 with
``Retry-After`` (RFC 9110 §10.2.3) = the seconds until a token is back. Buckets are kept
for at most ``max_clients`` clients (least recently seen dropped first): a flood of
spoofed addresses costs bounded memory and only resets the dropped clients' buckets.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

#: Clients tracked at once (~100 bytes each).
MAX_CLIENTS: Final = 10_000


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    remaining: int
    retry_after_s: int  # 0 when allowed


class RateLimiter:
    def __init__(self, rate_per_s: float, burst: int, max_clients: int = MAX_CLIENTS) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be > 0 and burst >= 1")
        self._rate, self._burst, self._max = rate_per_s, burst, max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at

    def take(self, client: str, now: float) -> Verdict:
        tokens, at = self._buckets.pop(client, (float(self._burst), now))
        tokens = min(float(self._burst), tokens + max(0.0, now - at) * self._rate)
        if tokens >= 1.0:
            tokens -= 1.0
            verdict = Verdict(True, int(tokens), 0)
        else:
            verdict = Verdict(False, 0, max(1, math.ceil((1.0 - tokens) / self._rate)))
        self._buckets[client] = (tokens, now)
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)
        return verdict
