"""Publish as a sensor (own credentials) or as the gateway, QoS 1, MQTT 5."""

from __future__ import annotations

import threading
from collections.abc import Iterable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from kotacerdas.credentials import sensor_password


class Publisher:
    def __init__(self, host: str, port: int, username: str, password: str, client_id: str) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5
        )
        self.client.username_pw_set(username, password)
        self.client.max_inflight_messages_set(1000)
        self.refused: list[int] = []
        self._lock = threading.Lock()
        self.client.on_publish = self._on_publish
        self.client.connect(host, port)
        self.client.loop_start()

    def _on_publish(self, client, userdata, mid, reason, properties) -> None:  # type: ignore[no-untyped-def]
        if reason.is_failure:
            with self._lock:
                self.refused.append(mid)

    def publish_all(self, messages: Iterable[tuple[str, bytes]], timeout_s: float = 60) -> int:
        infos = [self.client.publish(topic, payload, qos=1) for topic, payload in messages]
        for info in infos:
            info.wait_for_publish(timeout_s)
        return len(infos)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def sensor_publisher(env: dict[str, str], sensor_id: str) -> Publisher:
    return Publisher(
        env["KOTA_MQTT_HOST"],
        int(env["KOTA_MQTT_PORT"]),
        sensor_id,
        sensor_password(env["KOTA_SENSOR_SECRET"], sensor_id),
        sensor_id,
    )


def gateway_publisher(env: dict[str, str], client_id: str = "kota-test-gateway") -> Publisher:
    return Publisher(
        env["KOTA_MQTT_HOST"],
        int(env["KOTA_MQTT_PORT"]),
        "kota-gateway",
        env["KOTA_GATEWAY_PASSWORD"],
        client_id,
    )
