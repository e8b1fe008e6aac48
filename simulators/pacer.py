"""Rate control (pure): a token bucket with an injected clock.

The sender asks ``take(now)`` before each publish. Tokens accrue at ``rate`` per second up to
``burst`` (so a short stall is caught up, a long one is not turned into a flood); the long-run
average stays at ``rate`` as long as the broker keeps up — which is what "±5 %" is held to.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Pacer:
    rate: float  # tokens (messages) per second
    burst_s: float = 0.25  # bucket depth: a stall this long is caught up, longer ones are not
    tokens: float = 0.0
    last: float | None = field(default=None)

    @property
    def burst(self) -> float:
        return max(1.0, self.rate * self.burst_s)

    def _refill(self, now: float) -> None:
        if self.last is None:
            self.last = now
            self.tokens = 1.0
            return
        elapsed = now - self.last
        if elapsed > 0:
            self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
            self.last = now

    def take(self, now: float) -> bool:
        """Spend one token if there is one."""
        self._refill(now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def wait_s(self, now: float) -> float:
        """Seconds until the next token is due (0 if one is available)."""
        self._refill(now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate
