"""Bare paho subscriber (the floor): QoS 1, automatic acks, the same kind of persistent
shared subscription and Receive Maximum as the bridge.

    prepare            create the session and leave (the broker queues for it)
    drain --expect N   reconnect and receive N queued messages as fast as paho can;
                       prints {"received": N, "seconds": s, "rate": N/s}
"""

from __future__ import annotations

import argparse
import json
import os
import time

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

state = {"count": 0, "first": 0.0, "last": 0.0}


def on_message(client, userdata, message) -> None:  # type: ignore[no-untyped-def]
    now = time.monotonic()
    if state["count"] == 0:
        state["first"] = now
    state["count"] += 1
    state["last"] = now


def connect(window: int) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-floor", protocol=mqtt.MQTTv5)
    client.username_pw_set("kota-ingest", os.environ["KOTA_MQTT_PASSWORD"])
    client.on_message = on_message
    props = Properties(PacketTypes.CONNECT)
    props.ReceiveMaximum = window
    props.SessionExpiryInterval = 3600
    client.connect(
        os.environ["KOTA_MQTT_HOST"],
        int(os.environ["KOTA_MQTT_PORT"]),
        clean_start=False,
        properties=props,
    )
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["prepare", "drain"])
    parser.add_argument("--window", type=int, default=4096)
    parser.add_argument("--expect", type=int, default=0)
    args = parser.parse_args()
    client = connect(args.window)
    if args.mode == "prepare":
        client.subscribe("$share/bench-floor/kota/#", options=SubscribeOptions(qos=1))
        client.loop(1.0)
        client.loop(1.0)
        client.disconnect()
        print(json.dumps({"prepared": True}))
        return
    deadline = time.monotonic() + 300
    while state["count"] < args.expect and time.monotonic() < deadline:
        client.loop(0.1)
    seconds = state["last"] - state["first"]
    client.disconnect()
    print(
        json.dumps(
            {
                "received": state["count"],
                "seconds": seconds,
                "rate": state["count"] / seconds if seconds else 0.0,
            }
        )
    )


if __name__ == "__main__":
    main()
