"""In-order MQTT acknowledgement over out-of-order Kafka completions.

MQTT requires PUBACKs in the order the PUBLISH packets arrived ([MQTT-4.6.0-2] in both
3.1.1 and 5.0), but Kafka acknowledges partitions independently. Each received message
takes a slot; a slot is *done* when every Kafka record it produced (readings and dead
letters) is acknowledged; ``pop_ready`` releases the longest done prefix. The window's
size is bounded by the broker: it never sends more than the session's Receive Maximum
unacknowledged messages, so this deque never holds more than that many slots.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass(slots=True)
class Slot:
    mid: int
    pending: int = 0  # Kafka records not yet acknowledged
    sealed: bool = False  # all records for the message have been handed to Kafka

    @property
    def done(self) -> bool:
        return self.sealed and self.pending == 0


@dataclass
class AckWindow:
    slots: deque[Slot] = field(default_factory=deque)

    def open(self, mid: int) -> Slot:
        slot = Slot(mid)
        self.slots.append(slot)
        return slot

    def __len__(self) -> int:
        return len(self.slots)

    def holds(self, mid: int) -> bool:
        return any(s.mid == mid for s in self.slots)

    def pop_ready(self) -> list[int]:
        """The message ids that may be acknowledged now, in arrival order."""
        ready = []
        while self.slots and self.slots[0].done:
            ready.append(self.slots.popleft().mid)
        return ready

    def clear(self) -> int:
        """Forget every slot (the broker lost our session: old mids mean nothing now)."""
        dropped = len(self.slots)
        self.slots.clear()
        return dropped
