"""The threat model of deploy/SECURITY.md, against real Mosquitto brokers.

1. The session broker (`stack` fixture: the native stack, started with
   deploy/mosquitto/conf.d and deploy/mosquitto/acl): no anonymous clients, no wrong
   passwords, a sensor publishes only under its own id, the bridge publishes nothing, a
   sensor reads nothing.
2. The docker-compose broker, rebuilt outside a container: the `mqtt-users` one-shot
   (deploy/docker/mqtt_users.py), the broker entrypoint (deploy/docker/mosquitto-
   entrypoint.sh) and deploy/mosquitto/mosquitto.docker.conf with the TLS listener of
   deploy/mosquitto/tls.conf.example and certificates from deploy/tls/make-dev-ca.sh.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from kotacerdas.credentials import sensor_password
from kotacerdas.registry import load_registry

REPO = Path(__file__).resolve().parents[2]
NOT_AUTHORIZED = 135  # MQTT 5 reason code 0x87, CONNACK/PUBACK/SUBACK
BAD_CREDENTIALS = 134  # 0x86
NO_SUBSCRIBERS = 16  # 0x10: a successful PUBACK when nobody subscribes to the topic
ACCEPTED = {0, NO_SUBSCRIBERS}
TIMEOUT_S = 10

pytestmark = pytest.mark.integration


@dataclass
class Session:
    client: mqtt.Client
    connack: mqtt.ReasonCode | None
    received: list[mqtt.MQTTMessage]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def connect(
    host: str,
    port: int,
    username: str | None,
    password: str | None,
    tls_ca: Path | None = None,
    server_name: str | None = None,
) -> Session:
    """Connect with MQTT 5 and a clean, non-persistent session; return its CONNACK."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"kota-sec-{uuid.uuid4().hex[:10]}",
        protocol=mqtt.MQTTv5,
    )
    if username is not None:
        client.username_pw_set(username, password)
    if tls_ca is not None:
        client.tls_set(ca_certs=str(tls_ca), cert_reqs=ssl.CERT_REQUIRED)
    done = threading.Event()
    session = Session(client, None, [])

    def on_connect(_c, _u, _flags, reason, _props) -> None:  # type: ignore[no-untyped-def]
        session.connack = reason
        done.set()

    def on_disconnect(_c, _u, _flags, reason, _props) -> None:  # type: ignore[no-untyped-def]
        if session.connack is None:
            session.connack = reason
        done.set()

    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    client.on_message = lambda _c, _u, message: session.received.append(message)
    props = Properties(PacketTypes.CONNECT)
    props.SessionExpiryInterval = 0
    client.connect(server_name or host, port, clean_start=True, properties=props)
    client.loop_start()
    assert done.wait(TIMEOUT_S), "no CONNACK"
    return session


def publish(session: Session, topic: str, payload: bytes) -> int:
    """Publish at QoS 1 and return the PUBACK reason code."""
    acked = threading.Event()
    result: dict[str, int] = {}

    def on_publish(_c, _u, mid, reason, _props) -> None:  # type: ignore[no-untyped-def]
        result[mid] = reason.value
        acked.set()

    session.client.on_publish = on_publish
    info = session.client.publish(topic, payload, qos=1)
    assert acked.wait(TIMEOUT_S), "no PUBACK"
    return result[info.mid]


def subscribe(session: Session, topic: str) -> int:
    granted = threading.Event()
    result: list[int] = []

    def on_subscribe(_c, _u, _mid, reasons, _props) -> None:  # type: ignore[no-untyped-def]
        result.extend(r.value for r in reasons)
        granted.set()

    session.client.on_subscribe = on_subscribe
    session.client.subscribe(topic, qos=1)
    assert granted.wait(TIMEOUT_S), "no SUBACK"
    return result[0]


def wait_for(predicate, timeout_s: float = TIMEOUT_S) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def two_sensors_of_one_kind() -> tuple[str, str, str]:
    """(topic prefix kota/{city}/{domain}, sensor A, sensor B) from the registry."""
    sensors = load_registry().sensors
    first = sensors[sorted(sensors)[0]]
    other = next(
        s
        for s in sorted(sensors.values(), key=lambda s: s.sensor_id)
        if s.city == first.city and s.domain == first.domain and s is not first
    )
    return f"kota/{first.city}/{first.domain}", first.sensor_id, other.sensor_id


# --- 1. the broker configuration every environment shares ----------------------------------


@pytest.fixture(scope="module")
def broker(stack) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return stack.env


def test_anonymous_clients_are_refused(broker: dict[str, str]) -> None:
    session = connect(broker["KOTA_MQTT_HOST"], int(broker["KOTA_MQTT_PORT"]), None, None)
    try:
        assert session.connack.value in (NOT_AUTHORIZED, BAD_CREDENTIALS), session.connack
    finally:
        session.close()


@pytest.mark.parametrize("username", ["kota-ingest", "kota-gateway", "sensor"])
def test_a_wrong_password_is_refused(broker: dict[str, str], username: str) -> None:
    if username == "sensor":
        username = two_sensors_of_one_kind()[1]
    session = connect(
        broker["KOTA_MQTT_HOST"], int(broker["KOTA_MQTT_PORT"]), username, "not-the-password"
    )
    try:
        assert session.connack.value in (NOT_AUTHORIZED, BAD_CREDENTIALS), session.connack
    finally:
        session.close()


def test_a_sensor_cannot_publish_as_another_sensor(broker: dict[str, str]) -> None:
    host, port = broker["KOTA_MQTT_HOST"], int(broker["KOTA_MQTT_PORT"])
    prefix, sensor, victim = two_sensors_of_one_kind()
    marker = uuid.uuid4().hex.encode()
    reader = connect(host, port, "kota-ingest", broker["KOTA_MQTT_PASSWORD"])
    publisher = connect(host, port, sensor, sensor_password(broker["KOTA_SENSOR_SECRET"], sensor))
    try:
        assert reader.connack.value == 0 and publisher.connack.value == 0
        assert subscribe(reader, f"{prefix}/#") == 1  # granted QoS 1
        # Mosquitto 2.0 answers a forbidden MQTT 5 publish with PUBACK "Not authorized"
        # and drops the message.
        assert publish(publisher, f"{prefix}/{victim}", b"spoof-" + marker) == NOT_AUTHORIZED
        # Same connection, so delivered in order: once the sensor's own message arrives,
        # the spoofed one would have arrived before it if the broker had let it through.
        assert publish(publisher, f"{prefix}/{sensor}", b"own-" + marker) in ACCEPTED
        assert wait_for(lambda: any(m.payload == b"own-" + marker for m in reader.received))
        ours = [m for m in reader.received if marker in m.payload]
        assert [(m.topic, m.payload) for m in ours] == [(f"{prefix}/{sensor}", b"own-" + marker)]
    finally:
        reader.close()
        publisher.close()


def test_a_sensor_cannot_publish_outside_its_topic(broker: dict[str, str]) -> None:
    host, port = broker["KOTA_MQTT_HOST"], int(broker["KOTA_MQTT_PORT"])
    prefix, sensor, _ = two_sensors_of_one_kind()
    publisher = connect(host, port, sensor, sensor_password(broker["KOTA_SENSOR_SECRET"], sensor))
    try:
        for topic in (
            f"{prefix}/{sensor}/extra",
            "kota/other-city/air/" + sensor,
            f"$SYS/broker/{sensor}",
            "elsewhere",
        ):
            expected = ACCEPTED if topic.startswith("kota/other-city/") else {NOT_AUTHORIZED}
            # kota/+/+/%u admits any city and domain for the sensor's own id; the bridge
            # dead-letters those as wrong_city / wrong_domain (SECURITY.md).
            assert publish(publisher, topic, b"x") in expected, topic
    finally:
        publisher.close()


def test_sensors_and_the_gateway_receive_nothing(broker: dict[str, str]) -> None:
    """Mosquitto 2.0 grants the SUBACK but checks `read` on every delivery: nothing comes."""
    host, port = broker["KOTA_MQTT_HOST"], int(broker["KOTA_MQTT_PORT"])
    prefix, sensor, other = two_sensors_of_one_kind()
    secret = broker["KOTA_SENSOR_SECRET"]
    marker = uuid.uuid4().hex.encode()
    reader = connect(host, port, "kota-ingest", broker["KOTA_MQTT_PASSWORD"])
    eavesdroppers = [
        connect(host, port, sensor, sensor_password(secret, sensor)),
        connect(host, port, "kota-gateway", broker["KOTA_GATEWAY_PASSWORD"]),
    ]
    publisher = connect(host, port, other, sensor_password(secret, other))
    try:
        subscribe(reader, f"{prefix}/{other}")
        for session in eavesdroppers:
            for topic in ("kota/#", "#", "$SYS/#"):
                subscribe(session, topic)
        assert publish(publisher, f"{prefix}/{other}", marker) in ACCEPTED
        assert wait_for(lambda: any(m.payload == marker for m in reader.received))
        time.sleep(0.5)  # the same broker loop delivers to every subscriber at once
        for session in eavesdroppers:
            assert session.received == [], [m.topic for m in session.received]
    finally:
        for session in (reader, *eavesdroppers, publisher):
            session.close()


def test_the_ingest_bridge_user_reads_but_cannot_publish(broker: dict[str, str]) -> None:
    host, port = broker["KOTA_MQTT_HOST"], int(broker["KOTA_MQTT_PORT"])
    prefix, sensor, _ = two_sensors_of_one_kind()
    session = connect(host, port, "kota-ingest", broker["KOTA_MQTT_PASSWORD"])
    try:
        assert subscribe(session, "$SYS/broker/version") == 1
        assert publish(session, f"{prefix}/{sensor}", b"forged") == NOT_AUTHORIZED
    finally:
        session.close()


def test_the_gateway_publishes_under_kota_only(broker: dict[str, str]) -> None:
    host, port = broker["KOTA_MQTT_HOST"], int(broker["KOTA_MQTT_PORT"])
    prefix, sensor, _ = two_sensors_of_one_kind()
    session = connect(host, port, "kota-gateway", broker["KOTA_GATEWAY_PASSWORD"])
    try:
        assert publish(session, f"{prefix}/{sensor}", b"{}") in ACCEPTED
        assert publish(session, "elsewhere/x", b"{}") == NOT_AUTHORIZED
    finally:
        session.close()


# --- 2. the docker-compose broker: users one-shot, entrypoint, docker config, TLS ------------


@dataclass
class ComposeBroker:
    root: Path
    port: int
    tls_port: int
    ca: Path
    secrets: dict[str, str]


def _free_port() -> int:
    from kotacerdas.stack.procs import free_port

    return free_port()


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    from kotacerdas.stack.procs import port_accepts

    if not wait_for(lambda: process.poll() is not None or port_accepts(port, "127.0.0.1"), 15):
        pytest.fail(f"broker did not listen on {port}: {log.read_text()[-2000:]}")
    if process.poll() is not None:
        pytest.fail(f"broker exited: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def compose_broker() -> Iterator[ComposeBroker]:
    """The compose layout under a private root: /mosquitto/... -> <root>/..."""
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not Path(mosquitto).exists() or shutil.which("mosquitto_passwd") is None:
        pytest.skip("needs the mosquitto package")
    if os.geteuid() != 0:
        pytest.skip("the entrypoint hands files to the `mosquitto` user, as in the image")
    try:
        pwd.getpwnam("mosquitto")
    except KeyError:
        pytest.skip("no `mosquitto` user")
    # Not under pytest's tmp dir: that is private to root, and the broker drops to its user.
    root = Path(tempfile.mkdtemp(prefix="kota-compose-mqtt-"))
    root.chmod(0o755)
    process = None
    try:
        port, tls_port = _free_port(), _free_port()
        for folder in ("auth", "data", "config"):
            (root / folder).mkdir()
        (root / "auth").chmod(0o755)
        deploy = REPO / "deploy" / "mosquitto"
        config = (deploy / "mosquitto.docker.conf").read_text()
        assert "listener 1883 0.0.0.0" in config
        config = config.replace("listener 1883 0.0.0.0", f"listener {port} 127.0.0.1")
        (root / "config" / "mosquitto.conf").write_text(config.replace("/mosquitto/", f"{root}/"))
        # Copies, not links into the clone: the broker reads its ACL after dropping to
        # the mosquitto user, which may not enter a clone in /root or a 0700 folder.
        shutil.copytree(deploy / "conf.d", root / "config" / "conf.d")
        shutil.copyfile(deploy / "acl", root / "config" / "acl")
        (root / "config" / "local.d").mkdir()
        tls = (deploy / "tls.conf.example").read_text()
        assert "listener 8883 0.0.0.0" in tls
        tls = tls.replace("listener 8883 0.0.0.0", f"listener {tls_port} 127.0.0.1")
        (root / "config" / "local.d" / "tls.conf").write_text(
            tls.replace("/mosquitto/", f"{root}/")
        )

        # deploy/tls/make-dev-ca.sh -> the folder compose.tls.yml mounts as tls-src.
        made = subprocess.run(
            ["sh", str(REPO / "deploy/tls/make-dev-ca.sh"), str(root / "tls-src")],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert made.returncode == 0, made.stderr

        # The `mqtt-users` one-shot, with production settings.
        secrets = {
            "KOTA_MQTT_PASSWORD": uuid.uuid4().hex,
            "KOTA_GATEWAY_PASSWORD": uuid.uuid4().hex,
            "KOTA_SENSOR_SECRET": uuid.uuid4().hex,
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("KOTA_")}
        users = subprocess.run(
            [sys.executable, str(REPO / "deploy/docker/mqtt_users.py")],
            env=env
            | secrets
            | {"KOTA_ENV": "prod", "KOTA_MQTT_USERS_OUT": str(root / "auth/passwd.plain")},
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert users.returncode == 0, users.stderr

        # The broker container's entrypoint: hash, copy TLS files, exec mosquitto.
        log = root / "broker.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                ["sh", str(REPO / "deploy/docker/mosquitto-entrypoint.sh")],
                env=env | {"KOTA_MOSQUITTO_ROOT": str(root)},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_for_port(port, process, log)
        _wait_for_port(tls_port, process, log)
        yield ComposeBroker(root, port, tls_port, root / "tls-src" / "ca.crt", secrets)
    finally:
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)  # our broker, by its PID (exec'd by sh)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def test_compose_broker_keeps_only_hashed_passwords(compose_broker: ComposeBroker) -> None:
    auth = compose_broker.root / "auth"
    assert not (auth / "passwd.plain").exists(), "the plain list is deleted after hashing"
    hashed = (auth / "passwd").read_text()
    assert "kota-ingest:$7$" in hashed  # PBKDF2-SHA512, Mosquitto's own format
    for secret in compose_broker.secrets.values():
        assert secret not in hashed
    assert (auth / "passwd").stat().st_mode & 0o077 == 0


def test_compose_broker_admits_a_sensor_with_its_derived_password(
    compose_broker: ComposeBroker,
) -> None:
    prefix, sensor, victim = two_sensors_of_one_kind()
    password = sensor_password(compose_broker.secrets["KOTA_SENSOR_SECRET"], sensor)
    session = connect("127.0.0.1", compose_broker.port, sensor, password)
    try:
        assert session.connack.value == 0
        assert publish(session, f"{prefix}/{sensor}", b"{}") in ACCEPTED
        assert publish(session, f"{prefix}/{victim}", b"{}") == NOT_AUTHORIZED
    finally:
        session.close()
    anonymous = connect("127.0.0.1", compose_broker.port, None, None)
    try:
        assert anonymous.connack.value in (NOT_AUTHORIZED, BAD_CREDENTIALS)
    finally:
        anonymous.close()


@pytest.mark.parametrize("server_name", ["localhost", "127.0.0.1"])
def test_the_tls_listener_serves_the_dev_ca_certificate(
    compose_broker: ComposeBroker, server_name: str
) -> None:
    session = connect(
        "127.0.0.1",
        compose_broker.tls_port,
        "kota-ingest",
        compose_broker.secrets["KOTA_MQTT_PASSWORD"],
        tls_ca=compose_broker.ca,
        server_name=server_name,
    )
    try:
        assert session.connack.value == 0
        assert subscribe(session, "$SYS/broker/version") == 1
    finally:
        session.close()


def test_the_tls_listener_has_the_same_auth_rules(compose_broker: ComposeBroker) -> None:
    session = connect(
        "127.0.0.1",
        compose_broker.tls_port,
        None,
        None,
        tls_ca=compose_broker.ca,
        server_name="localhost",
    )
    try:
        assert session.connack.value in (NOT_AUTHORIZED, BAD_CREDENTIALS)
    finally:
        session.close()


def test_a_client_that_trusts_another_ca_refuses_the_broker(
    compose_broker: ComposeBroker,
) -> None:
    other = Path(tempfile.mkdtemp(prefix="kota-other-ca-"))
    try:
        made = subprocess.run(
            ["sh", str(REPO / "deploy/tls/make-dev-ca.sh"), str(other)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert made.returncode == 0, made.stderr
        with pytest.raises(ssl.SSLCertVerificationError):
            connect(
                "127.0.0.1",
                compose_broker.tls_port,
                "kota-ingest",
                compose_broker.secrets["KOTA_MQTT_PASSWORD"],
                tls_ca=other / "ca.crt",
                server_name="localhost",
            )
    finally:
        shutil.rmtree(other, ignore_errors=True)
