"""The truth file against what the pipeline stored and dead-lettered (pure).

The simulator's truth file (simulators/README.md, "Truth file") is the contract:

* every ``message`` with ``valid: true`` must be stored exactly once (count of its msg_id
  in the raw tables == 1); a stored msg_id of the simulated sensors that no valid line
  names is an *extra*;
* every line with an ``expected_reason`` must have a dead letter of that reason (and,
  for ``field_rejected``, of that ``expected_cause``) — except ``duplicate`` copies, which
  are either dead-lettered ``duplicate`` by the bridge (its memory of recent ids) or
  dropped by the database on the natural key: both count, the second as *dropped*.

Dead letters are matched, per (MQTT topic, reason): by the msg_id the letter carries
(duplicates), else by the msg_id or the device counter ``"seq":N`` inside the raw payload
(native payloads carry both), else by count of distinct payloads (a SenML or NGSI
payload with a future timestamp carries neither). The same payload dead-lettered twice
(redelivered after a crash of the bridge) is one letter here, and counted as such.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class StoredLetter:
    reason: str
    cause: str | None
    msg_id: str | None
    mqtt_topic: str | None
    payload: bytes


@dataclass
class Reconciliation:
    sent: int = 0
    valid: int = 0
    invalid: int = 0
    stored: int = 0  # valid msg_ids found stored (once or more)
    stored_rows: int = 0  # rows of the simulated sensors in scope
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    stored_twice: list[str] = field(default_factory=list)
    expected_letters: int = 0  # lines with an expected reason, duplicates excluded
    dead_lettered: int = 0  # of those, found with the right reason (and cause)
    letters_missing: list[dict[str, Any]] = field(default_factory=list)
    duplicates_sent: int = 0
    duplicates_lettered: int = 0
    duplicates_dropped: int = 0
    letters_seen: int = 0  # dead-letter rows of the simulated sensors
    letters_redelivered: int = 0  # the same payload and reason again (after a crash)
    letters_unexpected: list[dict[str, Any]] = field(default_factory=list)
    by_reason: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (
            self.missing
            or self.extra
            or self.stored_twice
            or self.letters_missing
            or self.letters_unexpected
        )

    def counts(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "valid": self.valid,
            "invalid": self.invalid,
            "stored": self.stored,
            "stored_rows": self.stored_rows,
            "missing": len(self.missing),
            "extra": len(self.extra),
            "stored_twice": len(self.stored_twice),
            "expected_letters": self.expected_letters,
            "dead_lettered": self.dead_lettered,
            "letters_missing": len(self.letters_missing),
            "duplicates_sent": self.duplicates_sent,
            "duplicates_lettered": self.duplicates_lettered,
            "duplicates_dropped": self.duplicates_dropped,
            "letters_seen": self.letters_seen,
            "letters_redelivered": self.letters_redelivered,
            "letters_unexpected": len(self.letters_unexpected),
        }


def reconcile(
    messages: Iterable[Mapping[str, Any]],
    stored: Mapping[str, int],
    letters: Iterable[StoredLetter],
) -> Reconciliation:
    """``messages``: the truth's message lines; ``stored``: msg_id → rows holding it
    (the simulated sensors' rows only); ``letters``: their dead letters."""
    out = Reconciliation()
    expected_ids: set[str] = set()
    wanted: list[Mapping[str, Any]] = []
    duplicates: list[Mapping[str, Any]] = []
    for m in messages:
        out.sent += 1
        if m["valid"]:
            out.valid += 1
            expected_ids.add(m["msg_id"])
        else:
            out.invalid += 1
        reason = m.get("expected_reason")
        if reason == "duplicate":
            duplicates.append(m)
        elif reason:
            wanted.append(m)
    _check_stored(out, expected_ids, stored)
    index = _LetterIndex(letters)
    out.letters_seen = index.total
    out.letters_redelivered = index.redelivered
    for m in duplicates:
        out.duplicates_sent += 1
        if index.take_by_id(m["topic"], "duplicate", m["msg_id"]):
            out.duplicates_lettered += 1
        else:
            out.duplicates_dropped += 1
    out.expected_letters = len(wanted)
    _match_letters(out, wanted, index)
    out.letters_unexpected = index.leftovers()
    return out


def _check_stored(out: Reconciliation, expected: set[str], stored: Mapping[str, int]) -> None:
    out.stored_rows = sum(stored.values())
    out.stored = sum(1 for msg_id in expected if stored.get(msg_id, 0) > 0)
    out.missing = sorted(msg_id for msg_id in expected if stored.get(msg_id, 0) == 0)
    out.extra = sorted(msg_id for msg_id in stored if msg_id not in expected)
    out.stored_twice = sorted(msg_id for msg_id, n in stored.items() if n > 1)


def _match_letters(
    out: Reconciliation, wanted: list[Mapping[str, Any]], index: _LetterIndex
) -> None:
    by_reason: dict[str, Counter[str]] = defaultdict(Counter)
    unmatched: list[Mapping[str, Any]] = []
    for matcher in (_by_msg_id, _by_seq):
        still = []
        for m in wanted:
            if matcher(index, m):
                by_reason[m["expected_reason"]]["found"] += 1
            else:
                still.append(m)
        wanted = still
    for m in wanted:  # last resort: any distinct payload of the same topic and reason
        if index.take_any(m["topic"], m["expected_reason"], m.get("expected_cause")):
            by_reason[m["expected_reason"]]["found"] += 1
        else:
            unmatched.append(m)
    for m in unmatched:
        by_reason[m["expected_reason"]]["missing"] += 1
        out.letters_missing.append(
            {
                "msg_id": m["msg_id"],
                "topic": m["topic"],
                "expected_reason": m["expected_reason"],
                "expected_cause": m.get("expected_cause"),
                "found_reasons": index.reasons_mentioning(m["topic"], m["msg_id"]),
            }
        )
    out.dead_lettered = sum(c["found"] for c in by_reason.values())
    out.by_reason = {r: dict(c) for r, c in sorted(by_reason.items())}


def _by_msg_id(index: _LetterIndex, m: Mapping[str, Any]) -> bool:
    needle = f'"msg_id":"{m["msg_id"]}"'.encode()
    return index.take_containing(m["topic"], m["expected_reason"], m.get("expected_cause"), needle)


def _by_seq(index: _LetterIndex, m: Mapping[str, Any]) -> bool:
    if m.get("seq") is None:
        return False
    seq = m["seq"]
    for needle in (f'"seq":{seq},'.encode(), f'"seq":{seq}}}'.encode()):
        if index.take_containing(m["topic"], m["expected_reason"], m.get("expected_cause"), needle):
            return True
    return False


class _LetterIndex:
    """Distinct letters per (topic, reason); each can satisfy one truth line."""

    def __init__(self, letters: Iterable[StoredLetter]) -> None:
        seen: set[tuple[Any, ...]] = set()
        self.total = 0
        self.redelivered = 0
        self._open: dict[tuple[str | None, str], list[StoredLetter]] = defaultdict(list)
        self._ids: Counter[tuple[str | None, str, str]] = Counter()
        for letter in letters:
            self.total += 1
            key = (letter.mqtt_topic, letter.reason, letter.cause, letter.msg_id, letter.payload)
            if key in seen:
                self.redelivered += 1
                continue
            seen.add(key)
            if letter.msg_id is not None and letter.reason == "duplicate":
                self._ids[(letter.mqtt_topic, letter.reason, letter.msg_id)] += 1
            else:
                self._open[(letter.mqtt_topic, letter.reason)].append(letter)

    def take_by_id(self, topic: str, reason: str, msg_id: str) -> bool:
        key = (topic, reason, msg_id)
        if self._ids[key] > 0:
            self._ids[key] -= 1
            return True
        return False

    def take_containing(self, topic: str, reason: str, cause: str | None, needle: bytes) -> bool:
        bucket = self._open.get((topic, reason), [])
        for i, letter in enumerate(bucket):
            if (cause is None or letter.cause == cause) and needle in letter.payload:
                del bucket[i]
                return True
        return False

    def take_any(self, topic: str, reason: str, cause: str | None) -> bool:
        bucket = self._open.get((topic, reason), [])
        for i, letter in enumerate(bucket):
            if cause is None or letter.cause == cause:
                del bucket[i]
                return True
        return False

    def reasons_mentioning(self, topic: str, msg_id: str) -> list[str]:
        needle = f'"{msg_id}"'.encode()
        return sorted(
            {
                reason
                for (t, reason), bucket in self._open.items()
                if t == topic
                for letter in bucket
                if needle in letter.payload
            }
        )

    def leftovers(self) -> list[dict[str, Any]]:
        """Letters no truth line asked for (a duplicate letter whose copy was matched
        already counts as a redelivery, not as unexpected)."""
        out = [
            {"topic": t, "reason": r, "payload": letter.payload[:120].decode(errors="replace")}
            for (t, r), bucket in self._open.items()
            for letter in bucket
        ]
        out += [
            {"topic": t, "reason": r, "msg_id": msg_id, "copies": n}
            for (t, r, msg_id), n in self._ids.items()
            if n > 0
        ]
        return out
