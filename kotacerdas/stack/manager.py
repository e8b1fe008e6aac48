"""`stack up | down | status`: start the three services idempotently, stop only our own.

``up`` is safe to run twice: a service that already runs (checked by PID file and
command line) is left alone. Generated secrets and ports are written to
``<state>/stack.env`` (mode 0600), which every ``kotacerdas`` command reads.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kotacerdas.registry import Registry
from kotacerdas.settings import RegistrySettings
from kotacerdas.stack import kafka, mosquitto, postgres
from kotacerdas.stack.folders import service_root
from kotacerdas.stack.prereq import Tools, find_tools
from kotacerdas.stack.procs import (
    ServiceError,
    has_exited,
    port_is_free,
    stop_pid,
    wait_until,
)
from kotacerdas.stack.settings import StackSettings

Progress = Callable[[str], None]

# The secrets the stack generates once and keeps in its state folder.
_SECRET_NAMES = (
    "KOTA_MQTT_PASSWORD",
    "KOTA_GATEWAY_PASSWORD",
    "KOTA_SENSOR_SECRET",
    "KOTA_DB_PASSWORD",
    "KOTA_READER_DB_PASSWORD",
    "KOTA_OWNER_DB_PASSWORD",
)


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    pid: int | None
    port: int
    ready: bool
    detail: str = ""


class LocalStack:
    def __init__(self, settings: StackSettings, registry: Registry | None = None) -> None:
        self.settings = settings
        self.state = settings.state
        self._registry = registry
        # Mosquitto and PostgreSQL run as their own users: their folders are where those
        # users can reach them (folders.py); Kafka runs as us, in the state folder.
        self.service_root = service_root(self.state)
        self.mqtt = mosquitto.MosquittoPaths(self.service_root / "mosquitto")
        self.kafka = kafka.KafkaPaths(self.state / "kafka")
        self.pg = postgres.PgPaths(self.service_root / "postgres")

    # --- configuration handed to every other command ------------------------------
    @property
    def env_file(self) -> Path:
        return self.state / "stack.env"

    def secrets(self) -> dict[str, str]:
        """Generated once per state folder; kept so restarts keep working credentials."""
        path = self.state / "secrets.env"
        known = _read_env(path)
        missing = {n: secrets.token_urlsafe(24) for n in _SECRET_NAMES if n not in known}
        if missing:
            known |= missing
            _write_private(path, known)
        return known

    def environment(self) -> dict[str, str]:
        s = self.settings
        return {
            "KOTA_ENV": "dev",
            "KOTA_STATE_DIR": str(self.state),
            "KOTA_MQTT_HOST": s.host,
            "KOTA_MQTT_PORT": str(s.mqtt_port),
            "KOTA_MQTT_USERNAME": mosquitto.INGEST_USER,
            "KOTA_KAFKA_BOOTSTRAP": f"{s.host}:{s.kafka_port}",
            "KOTA_KAFKA_PARTITIONS": str(s.kafka_partitions),
            **{f"KOTA_{r}DB_HOST": s.host for r in ("", "READER_", "OWNER_")},
            **{f"KOTA_{r}DB_PORT": str(s.pg_port) for r in ("", "READER_", "OWNER_")},
            **{f"KOTA_{r}DB_SSLMODE": "disable" for r in ("", "READER_", "OWNER_")},
            **self.secrets(),
        }

    # --- up ------------------------------------------------------------------------
    def up(self, progress: Progress = lambda _: None, install: bool = True) -> dict[str, str]:
        self.state.mkdir(parents=True, exist_ok=True)
        self.state.chmod(0o755)
        if self.service_root != self.state:
            self.service_root.mkdir(mode=0o755, parents=True, exist_ok=True)
            (self.service_root / "state-folder").write_text(f"{self.state}\n")
        tools = find_tools(install)
        env = self.environment()
        _write_private(self.env_file, env)
        self._up_mosquitto(tools, env, progress)
        self._up_postgres(tools, env, progress)
        self._up_kafka(tools, progress)
        return env

    def _registry_for_broker(self) -> Registry:
        if self._registry is None:
            self._registry = RegistrySettings().load()
        return self._registry

    def _up_mosquitto(self, tools: Tools, env: dict[str, str], progress: Progress) -> None:
        s = self.settings
        self.mqtt.root.mkdir(parents=True, exist_ok=True)
        users = mosquitto.write_password_file(
            tools.mosquitto_passwd,
            self.mqtt.passwd,
            env["KOTA_MQTT_PASSWORD"],
            env["KOTA_GATEWAY_PASSWORD"],
            env["KOTA_SENSOR_SECRET"],
            self._registry_for_broker(),
        )
        pid = mosquitto.running_pid(self.mqtt)
        if pid is not None:
            if users:
                mosquitto.reload(pid)  # pick up the changed users of the password file
            note = f"{users} users reloaded" if users else "users unchanged"
            progress(f"mosquitto already running (pid {pid}), {note}")
            return
        _require_free(s.mqtt_port, "KOTA_STACK_MQTT_PORT")
        pid = mosquitto.start(tools.mosquitto, self.mqtt, s.host, s.mqtt_port)
        ready = wait_until(
            lambda: has_exited(pid) or mosquitto.is_ready(s.host, s.mqtt_port), s.start_timeout_s
        )
        if not ready or has_exited(pid):
            raise ServiceError(f"mosquitto did not come up: {mosquitto.failure_hint(self.mqtt)}")
        progress(f"mosquitto up on {s.host}:{s.mqtt_port} (pid {pid})")

    def _up_postgres(self, tools: Tools, env: dict[str, str], progress: Progress) -> None:
        s = self.settings
        backend = postgres.resolve_backend(s.db_backend, tools.pg_bin, self.pg)
        fresh = postgres.init_cluster(tools.pg_bin, self.pg, secrets.token_urlsafe(24), backend)
        pid = postgres.running_pid(self.pg)
        if pid is None:
            _require_free(s.pg_port, "KOTA_STACK_PG_PORT")
            pid = postgres.start(
                tools.pg_bin, self.pg, s.host, s.pg_port, s.start_timeout_s, backend
            )
            note = ", new cluster" if fresh else ""
            progress(f"postgresql ({backend}) up on {s.host}:{s.pg_port} (pid {pid}{note})")
        else:
            progress(f"postgresql ({backend}) already running (pid {pid})")
        superuser = self.pg.superuser_password.read_text().strip()
        passwords = {k: env[k] for k in _SECRET_NAMES if k.endswith("DB_PASSWORD")}
        postgres.bootstrap(tools.pg_bin, s.host, s.pg_port, superuser, passwords, backend)

    def _up_kafka(self, tools: Tools, progress: Progress) -> None:
        s = self.settings
        bootstrap = f"{s.host}:{s.kafka_port}"
        pid = kafka.running_pid(self.kafka)
        if pid is None:
            progress("resolving Kafka jars with Maven (cached after the first run)")
            libs = kafka.resolve_jars(tools.mvn, s.cache_dir)
            self.kafka.root.mkdir(parents=True, exist_ok=True)
            self.kafka.properties.write_text(
                kafka.render_properties(
                    s.host,
                    s.kafka_port,
                    s.kafka_controller_port,
                    s.kafka_partitions,
                    self.kafka.data,
                )
            )
            _require_free(s.kafka_port, "KOTA_STACK_KAFKA_PORT")
            _require_free(s.kafka_controller_port, "KOTA_STACK_KAFKA_CONTROLLER_PORT")
            if kafka.format_storage(tools.java, libs, self.kafka):
                progress("kafka storage formatted (KRaft)")
            pid = kafka.start(tools.java, libs, self.kafka, s.kafka_heap_mb)
            ready = wait_until(
                lambda: has_exited(pid) or kafka.is_ready(bootstrap), s.start_timeout_s, 0.5
            )
            if not ready or has_exited(pid):
                raise ServiceError(f"kafka did not come up: {kafka.failure_hint(self.kafka)}")
            progress(f"kafka up on {bootstrap} (pid {pid})")
        else:
            progress(f"kafka already running (pid {pid})")
        created = kafka.ensure_topics(bootstrap, "kota", s.kafka_partitions)
        if created:
            progress(f"topics created: {', '.join(created)} ({s.kafka_partitions} partitions)")

    # --- down / status -------------------------------------------------------------
    def down(self, progress: Progress = lambda _: None) -> None:
        for name in ("kafka", "postgresql", "mosquitto"):
            self.stop(name, progress)

    def remove(self) -> None:
        """Stop the services and delete every file of this stack (throw-away stacks)."""
        self.down()
        if self.service_root != self.state:
            shutil.rmtree(self.service_root, ignore_errors=True)
        shutil.rmtree(self.state, ignore_errors=True)

    def stop(self, name: str, progress: Progress = lambda _: None, kill: bool = False) -> None:
        """Stop one service of this stack (``kill``: SIGKILL, like a crash)."""
        if name == "kafka" and (pid := kafka.running_pid(self.kafka)) is not None:
            killed = stop_pid(pid, "kafka.Kafka", grace_s=30, crash=kill)
            progress(f"kafka stopped (pid {pid}{', killed' if killed else ''})")
        elif name == "postgresql" and postgres.running_pid(self.pg) is not None:
            postgres.stop(find_tools(install=False).pg_bin, self.pg, immediate=kill)
            progress("postgresql stopped")
        elif name == "mosquitto" and (pid := mosquitto.running_pid(self.mqtt)) is not None:
            stop_pid(pid, "mosquitto", crash=kill)
            progress(f"mosquitto stopped (pid {pid})")

    def db_backend(self) -> str:
        """The backend this stack's database was created for (or will be)."""
        try:
            return self.pg.backend_file.read_text().strip()
        except FileNotFoundError:
            return f"{self.settings.db_backend} (not created yet)"

    def status(self) -> list[ServiceStatus]:
        s = self.settings
        mqtt_pid = mosquitto.running_pid(self.mqtt)
        pg_pid = postgres.running_pid(self.pg)
        kafka_pid = kafka.running_pid(self.kafka)
        return [
            ServiceStatus(
                "mosquitto",
                mqtt_pid,
                s.mqtt_port,
                mqtt_pid is not None and mosquitto.is_ready(s.host, s.mqtt_port),
            ),
            ServiceStatus("postgresql", pg_pid, s.pg_port, pg_pid is not None, self.db_backend()),
            ServiceStatus(
                "kafka",
                kafka_pid,
                s.kafka_port,
                kafka_pid is not None and kafka.is_ready(f"{s.host}:{s.kafka_port}"),
            ),
        ]


def _require_free(port: int, setting: str) -> None:
    if not port_is_free(port):
        raise ServiceError(
            f"port {port} is in use by another process; set {setting} to a free port"
        )


def _read_env(path: Path) -> dict[str, str]:
    try:
        lines = path.read_text().splitlines()
    except FileNotFoundError:
        return {}
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def _write_private(path: Path, values: dict[str, str]) -> None:
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
