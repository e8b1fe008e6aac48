"""Many sensors' MQTT connections driven by one selectors loop (the I/O shell).

Each sensor connects as itself (username = sensor id, password derived from the fleet
secret), so the broker ACL ``pattern write kota/+/+/%u`` holds it to its own topic. All
clients of a process share one thread: paho's "external event loop" API (``socket()``,
``loop_read``, ``loop_write``, ``loop_misc``) is driven from a ``selectors`` poll — never a
thread per sensor.

Bounds: a client never has more than ``window`` unacknowledged QoS 1 publishes; when it is
full the caller waits (``pump``) for PUBACKs — backpressure, not loss. paho itself would queue
past its own in-flight limit and silently fail past 65 535 outstanding message ids, so the
window also sits below paho's ``max_inflight_messages``.
"""

from __future__ import annotations

import contextlib
import resource
import selectors
import time
from collections.abc import Sequence
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode

from kotacerdas.credentials import sensor_password
from kotacerdas.errors import UserFacingError

MISC_INTERVAL_S = 1.0  # keepalive bookkeeping (PINGREQ) for every client


class _ReadAheadSocket:
    """A socket whose ``recv`` reads up to 64 KiB at once and serves paho's small reads.

    paho reads a packet as three ``recv`` calls (command byte, length, body) and one more that
    fails with EAGAIN; for a stream of 4-byte PUBACKs that is four system calls per
    acknowledgement. Serving them from one large read keeps the acks cheap. paho's
    ``loop_read`` keeps reading until EAGAIN, so nothing is left stranded in the buffer.
    """

    __slots__ = ("_buf", "_drained", "_sock")

    def __init__(self, sock: Any) -> None:
        self._sock = sock
        self._buf = b""
        self._drained = False

    def recv(self, bufsize: int) -> bytes:
        if not self._buf:
            if self._drained:
                # The last read emptied the kernel buffer: report "would block" without a
                # system call. select() is level-triggered, so newer data is not missed.
                self._drained = False
                raise BlockingIOError
            data = self._sock.recv(65536)  # BlockingIOError and b"" (closed) pass through
            self._drained = 0 < len(data) < 65536
            if len(data) <= bufsize:
                return bytes(data)
            self._buf = data
        chunk, self._buf = self._buf[:bufsize], self._buf[bufsize:]
        return chunk

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class PublishError(UserFacingError):
    """The broker refused or dropped a sensor's connection; the message names it."""


def raise_fd_limit(wanted: int) -> int:
    """Lift the open-file soft limit towards ``wanted`` (one socket per sensor)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(hard, max(soft, wanted)) if hard != resource.RLIM_INFINITY else max(soft, wanted)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return target


class FleetPublisher:
    """One paho client per sensor, multiplexed; ``publish`` blocks only on a full window."""

    def __init__(
        self,
        sensor_ids: Sequence[str],
        *,
        host: str,
        port: int,
        fleet_secret: str,
        window: int = 32,
        protocol: int = 5,
        keepalive_s: int = 60,
    ) -> None:
        self.host, self.port, self.window = host, port, window
        self.index = {sid: i for i, sid in enumerate(sensor_ids)}
        self.inflight = [0] * len(sensor_ids)
        self.acked = 0
        self.published = 0
        self.window_waits = 0
        self._connected = [False] * len(sensor_ids)
        self._failure: str | None = None
        self._closing = False
        self._sel = selectors.DefaultSelector()
        self._writing: set[int] = set()
        self._last_misc = 0.0
        raise_fd_limit(len(sensor_ids) + 256)
        proto = mqtt.MQTTv5 if protocol == 5 else mqtt.MQTTv311
        self.clients: list[mqtt.Client] = []
        for i, sid in enumerate(sensor_ids):
            client = mqtt.Client(
                CallbackAPIVersion.VERSION2,
                client_id=sid,
                protocol=proto,
                userdata=i,
                clean_session=True if proto == mqtt.MQTTv311 else None,
            )
            client.username_pw_set(sid, sensor_password(fleet_secret, sid))
            client.max_inflight_messages_set(window + 1)
            client.max_queued_messages_set(0)
            client.on_connect = self._on_connect
            client.on_publish = self._on_publish
            client.on_disconnect = self._on_disconnect
            self.clients.append(client)
        self._keepalive = keepalive_s

    # --- callbacks (run inside loop_read) ------------------------------------------------
    def _on_connect(self, client: mqtt.Client, i: int, flags: Any, rc: Any, props: Any) -> None:
        if rc.is_failure:
            self._failure = (
                f"broker refused sensor {client._client_id.decode()!r}: {rc} — check that "
                "KOTA_SENSOR_SECRET matches the broker's password file and the ACL"
            )
        else:
            self._connected[i] = True

    def _on_publish(self, client: mqtt.Client, i: int, mid: int, rc: Any, props: Any) -> None:
        self.inflight[i] -= 1
        self.acked += 1

    def _on_disconnect(self, client: mqtt.Client, i: int, flags: Any, rc: Any, props: Any) -> None:
        self._connected[i] = False
        if not self._closing and self._failure is None:
            self._failure = (
                f"sensor {client._client_id.decode()!r} lost its MQTT connection ({rc}) with "
                f"{self.inflight[i]} publishes unacknowledged"
            )

    # --- connection ---------------------------------------------------------------------
    def connect(self, timeout_s: float) -> None:
        """Open every connection and wait for every CONNACK (or raise naming the sensor)."""
        for i, client in enumerate(self.clients):
            try:
                client.connect(self.host, self.port, keepalive=self._keepalive)
            except OSError as exc:
                raise PublishError(
                    f"cannot connect to the MQTT broker at {self.host}:{self.port} "
                    f"(KOTA_MQTT_HOST/KOTA_MQTT_PORT): {exc}"
                ) from None
            sock = client.socket()
            assert sock is not None
            if not hasattr(sock, "pending"):  # plain TCP (TLS sockets buffer reads already)
                client._sock = _ReadAheadSocket(sock)
            self._sel.register(sock, selectors.EVENT_READ, i)
            if i % 64 == 63:
                self.pump(0.0)
        deadline = time.monotonic() + timeout_s
        while not all(self._connected):
            self.pump(0.05)
            if time.monotonic() > deadline:
                missing = self._connected.count(False)
                raise PublishError(f"{missing} sensors got no CONNACK within {timeout_s:g} s")

    # --- sending ------------------------------------------------------------------------
    def publish(self, sensor_id: str, topic: str, payload: bytes) -> None:
        i = self.index[sensor_id]
        if self.inflight[i] >= self.window:
            self.window_waits += 1
            while self.inflight[i] >= self.window:
                self.pump(0.01)
        client = self.clients[i]
        info = client.publish(topic, payload, qos=1)
        if info.rc != MQTTErrorCode.MQTT_ERR_SUCCESS:
            raise PublishError(f"paho refused a publish for {sensor_id!r}: {info.rc}")
        self.inflight[i] += 1
        self.published += 1
        if client.want_write() and i not in self._writing:
            self._writing.add(i)
            sock = client.socket()
            if sock is not None:
                self._sel.modify(sock, selectors.EVENT_READ | selectors.EVENT_WRITE, i)

    def pump(self, timeout: float) -> None:
        """Process socket events for up to ``timeout`` seconds (0 = only what is ready)."""
        if self._failure:
            raise PublishError(self._failure)
        for key, mask in self._sel.select(timeout):
            i = key.data
            client = self.clients[i]
            if mask & selectors.EVENT_READ:
                client.loop_read()
            if mask & selectors.EVENT_WRITE:
                client.loop_write()
                if not client.want_write():
                    self._writing.discard(i)
                    sock = client.socket()
                    if sock is not None:
                        self._sel.modify(sock, selectors.EVENT_READ, i)
        now = time.monotonic()
        if now - self._last_misc > MISC_INTERVAL_S:
            self._last_misc = now
            for client in self.clients:
                client.loop_misc()
        if self._failure:
            raise PublishError(self._failure)

    @property
    def unacked(self) -> int:
        return self.published - self.acked

    def drain(self, timeout_s: float) -> int:
        """Wait for outstanding PUBACKs; returns how many are still missing."""
        deadline = time.monotonic() + timeout_s
        while self.unacked and time.monotonic() < deadline:
            self.pump(0.05)
        return self.unacked

    def close(self) -> None:
        """Disconnect every client gracefully (DISCONNECT packet), then drop the sockets."""
        self._closing = True
        for client in self.clients:
            sock = client.socket()
            if sock is None:
                continue
            with contextlib.suppress(KeyError, ValueError):
                self._sel.unregister(sock)
            client.disconnect()  # written at once: no thread and no write callback
        self._sel.close()
