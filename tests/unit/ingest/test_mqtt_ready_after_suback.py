"""The bridge is ready only once the broker granted its subscription (SUBACK): before,
on a new session, a published message has no subscriber and the broker drops it while
its sender gets a PUBACK. Service shell with a fake client, no broker."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.reasoncodes import ReasonCode

from ingest.mqtt_source import MqttSource, SessionOptions
from kotacerdas.settings import MqttSettings


class _Client:
    def __init__(self) -> None:
        self.subscribed: list[object] = []

    def subscribe(self, topics: object) -> tuple[int, int]:
        self.subscribed.append(topics)
        return 0, 41


def _source() -> MqttSource:
    options = SessionOptions("kota-ingest-t", "kota-ingest", "kota/#", 120, 100)
    return MqttSource(MqttSettings(), options, lambda message: None, lambda: None)


def _granted(qos: int) -> ReasonCode:
    return ReasonCode(PacketTypes.SUBACK, identifier=qos)


def test_ready_after_the_suback_not_the_connack() -> None:
    async def scenario() -> None:
        source, client = _source(), _Client()
        connack = SimpleNamespace(is_failure=False)
        source._handle_connect(client, None, SimpleNamespace(session_present=True), connack, None)
        assert client.subscribed and not source.connected
        assert "subscription" in source.last_error
        source._handle_subscribe(client, None, 40, [_granted(1)], None)  # not ours
        assert not source.connected
        source._handle_subscribe(client, None, 41, [_granted(1), _granted(0)], None)
        assert source.connected and source.last_error == ""

    asyncio.run(scenario())


def test_a_refused_subscription_is_said_and_never_ready() -> None:
    async def scenario() -> None:
        source, client = _source(), _Client()
        connack = SimpleNamespace(is_failure=False)
        source._handle_connect(client, None, SimpleNamespace(session_present=True), connack, None)
        refused = ReasonCode(PacketTypes.SUBACK, identifier=0x87)  # not authorized
        source._handle_subscribe(client, None, 41, [refused], None)
        assert not source.connected
        assert source.last_error.startswith("broker refused the subscription")

    asyncio.run(scenario())
