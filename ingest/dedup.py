"""A bounded memory of recently seen message ids (device-level duplicates).

Exact deduplication happens in the database on the natural key (sensor_id, ts); this
cache catches a device re-sending the same message id soon after, so the duplicate is
accounted as a dead letter with reason ``duplicate`` instead of disappearing silently.
It is per process: with several bridges a duplicate may reach another replica and is
then dropped by the database (counted there).
"""

from __future__ import annotations

from collections import OrderedDict


class RecentIds:
    def __init__(self, capacity: int) -> None:
        if capacity < 0:
            raise ValueError("capacity must be >= 0")
        self._capacity = capacity
        self._seen: OrderedDict[str, None] = OrderedDict()

    def seen_before(self, msg_id: str) -> bool:
        """Record ``msg_id``; True if it was already there. Evicts the oldest at capacity."""
        if self._capacity == 0:
            return False
        if msg_id in self._seen:
            self._seen.move_to_end(msg_id)
            return True
        self._seen[msg_id] = None
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        return False

    def __len__(self) -> int:
        return len(self._seen)
