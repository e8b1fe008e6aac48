"""The MQTT side of the bridge: paho-mqtt 2 driven by the asyncio loop, manual acks.

This module is the one place where paho and asyncio meet. paho runs no thread of its
own: its socket is registered with the event loop (paho's "external loop" API:
``loop_read``/``loop_write``/``loop_misc``), so every paho callback runs on the loop's
thread and nothing here needs a lock. Inbound messages go to ``on_message`` one by one;
the broker never has more than the session's Receive Maximum of them unacknowledged,
which bounds everything downstream.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from kotacerdas.backoff import Backoff, sleep_or_stop
from kotacerdas.settings import MqttSettings

log = logging.getLogger("kota.ingest.mqtt")

# How many packets one readable event may process before yielding to other tasks; keeps
# a firehose from starving the Kafka callbacks while still amortising the wake-up.
_PACKETS_PER_WAKEUP = 256
_MISC_INTERVAL_S = 1.0
# The broker's own counters, read for the dropped-message alert (not sensor data).
SYS_DROPPED_TOPIC = "$SYS/broker/publish/messages/dropped"


@dataclass(frozen=True, slots=True)
class InboundMessage:
    topic: str
    payload: bytes
    mid: int
    dup: bool
    received_at: datetime


@dataclass(frozen=True)
class SessionOptions:
    client_id: str
    shared_group: str
    topic_filter: str
    session_expiry_s: int
    receive_maximum: int

    @property
    def subscription(self) -> str:
        return f"$share/{self.shared_group}/{self.topic_filter}"


class MqttSource:
    """A persistent MQTT 5 session with a shared subscription and manual QoS 1 acks."""

    def __init__(
        self,
        settings: MqttSettings,
        options: SessionOptions,
        on_message: Callable[[InboundMessage], None],
        on_session_lost: Callable[[], None],
        on_broker_stat: Callable[[str, bytes], None] = lambda topic, value: None,
    ) -> None:
        self._settings = settings
        self._options = options
        self._on_message = on_message
        self._on_session_lost = on_session_lost
        self._on_broker_stat = on_broker_stat
        self._loop = asyncio.get_running_loop()
        self._client = self._make_client()
        self._connected = asyncio.Event()  # connected and subscribed
        self._subscribe_mid: int | None = None
        self._paused = False
        self._delivered = 0  # messages handed on (counted to know when a read brought one)
        self._held = False
        self._sock: Any = None
        self.reconnects = 0
        self.last_error = "not connected yet"

    # --- public ----------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def ack(self, mid: int) -> None:
        self._client.ack(mid, 1)

    def hold(self) -> None:
        """Stop reading for now (the bridge's window is full); TCP holds the broker back.

        Needed because Mosquitto 2.0.11 does not always keep to the Receive Maximum
        after PUBACKs (eclipse-mosquitto/mosquitto#2301): our own bound must not depend
        on the broker's."""
        if not self._paused and self._sock is not None:
            self._loop.remove_reader(self._sock)
        self._held = True

    @property
    def held(self) -> bool:
        return self._held

    def release_hold(self) -> None:
        if self._held and not self._paused and self._sock is not None:
            self._loop.add_reader(self._sock, self._readable)
        self._held = False

    def pause(self) -> None:
        """Stop reading new messages (shutdown): acks still go out on the write side."""
        self._paused = True
        if self._sock is not None:
            self._loop.remove_reader(self._sock)

    async def run(self, stop: asyncio.Event) -> None:
        """Keep the session connected until ``stop``; reconnect with capped backoff."""
        backoff = Backoff()
        while not stop.is_set():
            if self.connected:
                backoff.reset()
            elif self._sock is None:
                if backoff.attempt:  # the last attempt failed (refused or unreachable)
                    delay = backoff.next_delay()
                    log.warning(
                        f"{self.last_error}; retrying",
                        extra={"attempt": backoff.attempt, "delay_s": f"{delay:.1f}"},
                    )
                    if await sleep_or_stop(stop, delay):
                        return
                else:
                    backoff.attempt = 1
                try:
                    self._connect()
                except (OSError, mqtt.WebsocketConnectionError) as exc:
                    self.last_error = (
                        f"cannot reach broker {self._settings.host}:{self._settings.port}: {exc}"
                    )
                    continue
            self._client.loop_misc()  # keepalive pings, connection timeouts
            await sleep_or_stop(stop, _MISC_INTERVAL_S)

    async def disconnect(self) -> None:
        if self._sock is not None:
            self._client.disconnect()
            # Let the DISCONNECT packet leave before the socket closes.
            for _ in range(20):
                if self._sock is None:
                    break
                await asyncio.sleep(0.05)

    # --- paho wiring -----------------------------------------------------------------
    def _make_client(self) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self._options.client_id,
            protocol=mqtt.MQTTv5,
            reconnect_on_failure=False,  # we reconnect, with backoff and reporting
        )
        client.manual_ack_set(True)
        client.username_pw_set(self._settings.username, self._settings.password.get_secret_value())
        if self._settings.tls:
            client.tls_set(ca_certs=str(self._settings.ca_file) if self._settings.ca_file else None)
        client.on_connect = self._handle_connect
        client.on_disconnect = self._handle_disconnect
        client.on_subscribe = self._handle_subscribe
        client.on_message = self._handle_message
        client.on_socket_open = self._socket_open
        client.on_socket_close = self._socket_close
        client.on_socket_register_write = self._register_write
        client.on_socket_unregister_write = self._unregister_write
        return client

    def _connect(self) -> None:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self._options.session_expiry_s
        props.ReceiveMaximum = self._options.receive_maximum
        self._client.connect(
            self._settings.host,
            self._settings.port,
            keepalive=self._settings.keepalive_s,
            clean_start=False,  # resume the session: receive what queued while we were away
            properties=props,
        )

    def _socket_open(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        self._sock = sock
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        # A new connection is always read (its CONNACK, then redeliveries); the bridge
        # holds again if its window is still full.
        self._held = False
        if not self._paused:
            self._loop.add_reader(sock, self._readable)

    def _socket_close(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        self._loop.remove_reader(sock)
        self._loop.remove_writer(sock)
        self._sock = None

    def _register_write(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        self._loop.add_writer(sock, client.loop_write)

    def _unregister_write(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        self._loop.remove_writer(sock)

    def _readable(self) -> None:
        # paho reads one packet per loop_read(). Go on while packets bring messages; the
        # first read that brings none (no data left, or a PINGRESP) ends this wakeup, and
        # the event loop calls again if bytes are still waiting. (A MSG_PEEK per packet
        # to ask the socket cost ~11 % of the bridge's CPU.)
        for _ in range(_PACKETS_PER_WAKEUP):
            before = self._delivered
            rc = self._client.loop_read()
            if rc != mqtt.MQTT_ERR_SUCCESS or self._sock is None or self._held:
                return
            if self._delivered == before:
                return

    def _handle_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            self.last_error = f"broker refused the connection: {reason}"
            return
        if not flags.session_present:
            # A new session: mids of messages we still hold are meaningless now; the
            # broker will not redeliver them to us, and acking them would ack others.
            self._on_session_lost()
        # Ready only once the broker has granted the subscription (SUBACK, below): a
        # message published before that, on a new session, has no subscriber and is
        # dropped by the broker while its sender gets a PUBACK.
        self.last_error = "waiting for the broker to grant the subscription"
        _, self._subscribe_mid = client.subscribe(
            [
                (self._options.subscription, SubscribeOptions(qos=1)),
                (SYS_DROPPED_TOPIC, SubscribeOptions(qos=0)),
            ]
        )

    def _handle_subscribe(
        self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, properties: Any
    ) -> None:
        if mid != self._subscribe_mid:
            return
        if not reasons or reasons[0].is_failure:
            self.last_error = f"broker refused the subscription: {reasons[0] if reasons else '?'}"
            log.error(self.last_error, extra={"event": "mqtt_subscribe_refused"})
            return
        self._connected.set()
        self.last_error = ""
        log.info(
            "connected to broker",
            extra={"event": "mqtt_connected", "topic": self._options.subscription},
        )

    def _handle_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if not self._connected.is_set():
            return  # a refused attempt; run() reports it with its backoff
        self.reconnects += 1
        self._connected.clear()
        self.last_error = f"disconnected from broker: {reason}"
        log.warning(self.last_error, extra={"event": "mqtt_disconnected"})

    def _handle_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        if msg.topic.startswith("$SYS/"):
            self._on_broker_stat(msg.topic, msg.payload)
            return
        self._delivered += 1
        self._on_message(
            InboundMessage(msg.topic, msg.payload, msg.mid, bool(msg.dup), datetime.now(UTC))
        )
