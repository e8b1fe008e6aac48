"""A test fleet publishing many QoS 1 messages from several sensors in threads."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from kota_testing.mqtt import sensor_publisher
from kota_testing.payloads import native, topic
from kotacerdas.wire import H_REASON

SENSORS = [f"jkt-air-{n:04d}" for n in range(1, 11)]


@dataclass
class Sent:
    valid: set[str] = field(default_factory=set)  # msg_ids that must reach a reading topic
    malformed: set[str] = field(default_factory=set)  # markers that must reach the DLQ


def build_messages(sensor: str, count: int, malformed_every: int, tag: str) -> tuple[list, Sent]:
    """``count`` messages of one sensor, one second apart ending now; every n-th broken."""
    sent, messages = Sent(), []
    end = datetime.now(UTC).replace(microsecond=0)
    for i in range(count):
        ts = end - timedelta(seconds=count - i)
        msg_id = f"{tag}-{sensor}-{i}"
        if malformed_every and i % malformed_every == malformed_every - 1:
            payload = f'{{"v": 1, "msg_id": "{msg_id}", "sensor_id": "{sensor}", "ts": '.encode()
            sent.malformed.add(msg_id)
        else:
            payload = native(sensor, "air", ts, i, msg_id=msg_id)
            sent.valid.add(msg_id)
        messages.append((topic("jakarta", "air", sensor), payload))
    return messages, sent


def publish_fleet(
    env: dict[str, str],
    per_sensor: int,
    malformed_every: int,
    tag: str,
    progress: list[int] | None = None,
) -> Sent:
    """Publish from every sensor in its own thread; returns what was sent."""
    total = Sent()
    plans = [build_messages(s, per_sensor, malformed_every, tag) for s in SENSORS]
    for _, sent in plans:
        total.valid |= sent.valid
        total.malformed |= sent.malformed

    def run(sensor: str, messages: list) -> None:
        publisher = sensor_publisher(env, f"{sensor}")
        for start in range(0, len(messages), 500):
            publisher.publish_all(messages[start : start + 500], timeout_s=300)
            if progress is not None:
                progress.append(len(messages[start : start + 500]))
        publisher.close()

    threads = [
        threading.Thread(target=run, args=(s, m)) for s, (m, _) in zip(SENSORS, plans, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return total


def reading_ids(records: list) -> set[str]:
    return {json.loads(r.value)["msg_id"] for r in records if not r.topic.endswith("deadletter.v1")}


def dead_letters(records: list) -> list[tuple[str, bytes]]:
    """(reason, raw payload) of every dead-letter record."""
    out = []
    for r in records:
        if r.topic.endswith("deadletter.v1"):
            reason = dict(r.headers).get(H_REASON, b"").decode()
            out.append((reason, r.value))
    return out


def malformed_ids_in(letters: list[tuple[str, bytes]]) -> set[str]:
    found = set()
    for reason, payload in letters:
        if reason == "malformed_json":
            text = payload.decode(errors="replace")
            if '"msg_id": "' in text:
                found.add(text.split('"msg_id": "')[1].split('"')[0])
    return found


@dataclass
class Background:
    """A fleet publishing in a thread; ``progress`` grows by 500s as acks come in."""

    thread: threading.Thread
    progress: list[int]
    result: dict[str, Sent]

    def wait_for(self, count: int) -> None:
        while sum(self.progress) < count and self.thread.is_alive():
            time.sleep(0.05)

    def join(self) -> Sent:
        self.thread.join()
        return self.result["sent"]


def publish_in_background(
    env: dict[str, str], per_sensor: int, tag: str, malformed_every: int = 0
) -> Background:
    progress: list[int] = []
    result: dict[str, Sent] = {}
    thread = threading.Thread(
        target=lambda: result.update(
            sent=publish_fleet(env, per_sensor, malformed_every, tag, progress)
        )
    )
    thread.start()
    return Background(thread, progress, result)
