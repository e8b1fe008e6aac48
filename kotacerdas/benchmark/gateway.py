"""The simulated fleet published through a few gateway connections instead of one MQTT
connection per sensor (benchmarks at 50 000 sensors).

One Mosquitto process holds one file descriptor per connection; where the open-file
limit is below the sensor count (20 000 on the benchmark machine, not raisable without
privileges), a fleet that large reaches the broker the way city deployments do anyway:
through an integration gateway (the ``kota-gateway`` user, deploy/mosquitto/acl). The
payloads, topics and truth records are the simulator's own (``simulators.plan``); each
sensor always uses the same connection, so its messages stay in order.

    python -m kotacerdas.benchmark.gateway --scale 108 --rate 3000 --duration 25 \\
        --truth FILE [--connections 8]
Reads KOTA_MQTT_HOST/PORT and KOTA_GATEWAY_PASSWORD. Prints one JSON line when done.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import zlib

import msgspec
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from kotacerdas.registry import load_registry
from kotacerdas.shutdown import stop_on_signals
from simulators.planner import make_spec, plan

CITIES = ("jakarta", "makassar", "banyuwangi", "sumedang")
WINDOW = 1000  # unacknowledged publishes per connection (paho loses past 65 535)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--duration", type=float, required=True)
    parser.add_argument("--truth", required=True)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    registry = load_registry(scale=args.scale)
    sensors = sorted(
        (s for s in registry.sensors.values() if s.city in CITIES), key=lambda s: s.sensor_id
    )
    clients = []
    for k in range(args.connections):
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"bench-gateway-{k}", protocol=mqtt.MQTTv5
        )
        client.username_pw_set("kota-gateway", os.environ["KOTA_GATEWAY_PASSWORD"])
        client.max_inflight_messages_set(WINDOW)
        client.connect(os.environ["KOTA_MQTT_HOST"], int(os.environ["KOTA_MQTT_PORT"]))
        client.loop_start()
        clients.append(client)
    began = time.time()
    spec = make_spec(
        sensors,
        seed=args.seed,
        rate=args.rate,
        duration_s=args.duration,
        max_span_s=6 * 86_400,
        wall_start=began,
        formats={"native": 0.6, "senml": 0.25, "ngsi": 0.15},
    )
    encode = msgspec.json.Encoder().encode
    pending: list[list[mqtt.MQTTMessageInfo]] = [[] for _ in clients]
    sent = 0
    interrupted = False
    with open(args.truth, "wb") as truth:
        start = time.monotonic()
        try:
            for item in plan(spec, sensors, registry, emit_scenarios=False):
                if item.topic is None:
                    continue
                due = start + sent / args.rate
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                k = zlib.crc32(item.truth["sensor_id"].encode()) % len(clients)
                pending[k].append(clients[k].publish(item.topic, item.payload, qos=1))
                if len(pending[k]) >= WINDOW:
                    pending[k].pop(0).wait_for_publish(60)
                truth.write(encode({**item.truth, "sent_at": time.time()}) + b"\n")
                sent += 1
        except KeyboardInterrupt:  # SIGINT or SIGTERM: what was sent is still acked and told
            interrupted = True
        elapsed = time.monotonic() - start
        for queue in pending:
            for info in queue:
                info.wait_for_publish(60)
        elapsed = max(elapsed, 1e-9)
        summary = {"sent": sent, "achieved_rate": sent / elapsed, "interrupted": interrupted}
        truth.write(encode({"kind": "summary", **summary}) + b"\n")
    for client in clients:
        client.loop_stop()
        client.disconnect()
    print(
        json.dumps(
            {"sent": sent, "seconds": elapsed, "rate": sent / elapsed, "sensors": len(sensors)}
        )
    )


if __name__ == "__main__":
    # SIGTERM as Ctrl-C (kotacerdas.shutdown): sending stops, the truth gets its summary.
    with stop_on_signals() as stopping, contextlib.suppress(KeyboardInterrupt):
        main()
    sys.exit(stopping.exit_code if stopping.received else 0)
