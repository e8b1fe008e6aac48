"""Bare paho QoS 1 publisher for benchmarks: N messages of ~200 bytes from K sensors.

Each sensor is its own connection with its own credentials (the broker ACL applies).
The message id carries the publish time (ns), so a consumer downstream can measure
publish → visible latency without clock games. Prints one JSON line when done.
    python bench/tools/mqtt_publisher.py --count 200000 --sensors 8 [--rate 0]
Reads KOTA_MQTT_HOST/PORT and KOTA_SENSOR_SECRET from the environment.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from kotacerdas.credentials import sensor_password

WINDOW = 1000  # unacknowledged publishes per connection (paho loses past 65 535)


def payload(sensor: str, i: int, ts: datetime) -> bytes:
    return json.dumps(
        {
            "v": 1,
            "sensor_id": sensor,
            "ts": ts.isoformat(),
            "seq": i,
            "msg_id": f"{time.time_ns()}-{sensor}-{i}",
            "metrics": {
                "pm25": 35.2 + i % 40,
                "pm10": 51.0,
                "no2": 40.1,
                "temperature": 29.5,
                "humidity": 71.0,
            },
        },
        separators=(",", ":"),
    ).encode()


def run_sensor(sensor: str, count: int, rate: float, start: float, done: list[int]) -> None:
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=f"bench-{sensor}", protocol=mqtt.MQTTv5
    )
    client.username_pw_set(sensor, sensor_password(os.environ["KOTA_SENSOR_SECRET"], sensor))
    client.max_inflight_messages_set(WINDOW)
    client.connect(os.environ["KOTA_MQTT_HOST"], int(os.environ["KOTA_MQTT_PORT"]))
    client.loop_start()
    base = datetime.now(UTC) - timedelta(seconds=count)
    infos = []
    for i in range(count):
        if rate:
            wait = start + i / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        infos.append(
            client.publish(
                f"kota/jakarta/air/{sensor}", payload(sensor, i, base + timedelta(seconds=i)), qos=1
            )
        )
        if len(infos) >= WINDOW:
            infos.pop(0).wait_for_publish(60)
    for info in infos:
        info.wait_for_publish(60)
    client.loop_stop()
    client.disconnect()
    done.append(count)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000, help="messages in total")
    parser.add_argument("--sensors", type=int, default=8, help="connections (air sensors)")
    parser.add_argument("--rate", type=float, default=0, help="messages/s in total, 0 = max")
    parser.add_argument("--first", type=int, default=1, help="number of the first sensor")
    args = parser.parse_args()
    sensors = [f"jkt-air-{n:04d}" for n in range(args.first, args.first + args.sensors)]
    per = args.count // len(sensors)
    start, done = time.monotonic(), []
    threads = [
        threading.Thread(target=run_sensor, args=(s, per, args.rate / len(sensors), start, done))
        for s in sensors
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    print(json.dumps({"published": sum(done), "seconds": elapsed, "rate": sum(done) / elapsed}))


if __name__ == "__main__":
    main()
