"""Apache Kafka (KRaft, one node) for the local stack: jars from Maven, storage, topics."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from string import Template

from kotacerdas.stack.procs import ServiceError, is_alive, read_pid, spawn, tail
from kotacerdas.stack.settings import DEPLOY_DIR
from kotacerdas.topics import TopicsError

POM = DEPLOY_DIR / "kafka" / "pom.xml"
_MAIN_CLASS = "kafka.Kafka"


@dataclass(frozen=True)
class KafkaPaths:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def properties(self) -> Path:
        return self.root / "server.properties"

    @property
    def pid(self) -> Path:
        return self.root / "kafka.pid"

    @property
    def out(self) -> Path:
        return self.root / "kafka.out"

    @property
    def server_log(self) -> Path:
        return self.root / "server.log"


def resolve_jars(mvn: Path, cache_dir: Path) -> Path:
    """Resolve the broker's jars once per pom version into the user cache; return the dir."""
    key = hashlib.sha256(POM.read_bytes()).hexdigest()[:12]
    libs = cache_dir / f"kafka-{key}" / "libs"
    marker = libs.parent / ".complete"
    if marker.exists():
        return libs
    libs.mkdir(parents=True, exist_ok=True)
    argv = [
        str(mvn),
        "-q",
        "-B",
        "-f",
        str(POM),
        "dependency:copy-dependencies",
        f"-DoutputDirectory={libs}",
    ]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stdout + result.stderr).strip().splitlines()[-3:]
        raise ServiceError(
            "Maven could not resolve the Kafka broker (deploy/kafka/pom.xml): "
            f"{' | '.join(detail)}; check network access to Maven Central or ~/.m2/settings.xml"
        )
    marker.write_text("ok\n")
    return libs


def render_properties(
    host: str, port: int, controller_port: int, partitions: int, data: Path
) -> str:
    template = Template((DEPLOY_DIR / "kafka" / "server.properties.tmpl").read_text())
    return template.substitute(
        HOST=host,
        PORT=port,
        CONTROLLER_PORT=controller_port,
        PARTITIONS=partitions,
        LOG_DIRS=data,
    )


def _java_argv(java: Path, libs: Path, paths: KafkaPaths, heap_mb: int, main: str) -> list[str]:
    return [
        str(java),
        f"-Xms{min(256, heap_mb)}m",
        f"-Xmx{heap_mb}m",
        "-XX:+UseG1GC",
        f"-Dlog4j2.configurationFile={DEPLOY_DIR / 'kafka' / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={paths.root}",
        "-cp",
        f"{libs}/*",
        main,
    ]


def cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):  # Kafka rejects ids that look like a CLI flag
            return text


def format_storage(java: Path, libs: Path, paths: KafkaPaths) -> bool:
    """Format the KRaft metadata log once; returns False if it was already formatted."""
    if (paths.data / "meta.properties").exists():
        return False
    argv = _java_argv(java, libs, paths, 256, "kafka.tools.StorageTool")
    argv += ["format", "-t", cluster_id(), "-c", str(paths.properties)]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ServiceError(f"formatting Kafka storage failed: {result.stdout}{result.stderr}")
    return True


def start(java: Path, libs: Path, paths: KafkaPaths, heap_mb: int) -> int:
    argv = [*_java_argv(java, libs, paths, heap_mb, _MAIN_CLASS), str(paths.properties)]
    return spawn(argv, paths.out, paths.pid)


def running_pid(paths: KafkaPaths) -> int | None:
    pid = read_pid(paths.pid)
    return pid if pid is not None and is_alive(pid, _MAIN_CLASS) else None


def failure_hint(paths: KafkaPaths) -> str:
    return tail(paths.out) or tail(paths.server_log)


def _quiet_client_logs() -> None:
    # Readiness polling expects refused connections; aiokafka would log each one.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)


async def _metadata_ok(bootstrap: str) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.errors import KafkaError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.list_topics()
        return True
    except (KafkaError, OSError):
        return False
    finally:
        await admin.close()


def is_ready(bootstrap: str) -> bool:
    """Ready when a metadata request succeeds (not when the port opens)."""
    _quiet_client_logs()
    return asyncio.run(_metadata_ok(bootstrap))


def ensure_topics(bootstrap: str, prefix: str, partitions: int) -> list[str]:
    from kotacerdas.settings import KafkaSettings
    from kotacerdas.topics import ensure_topics as ensure

    settings = KafkaSettings(bootstrap=bootstrap, topic_prefix=prefix, partitions=partitions)
    try:
        return asyncio.run(ensure(settings))
    except TopicsError as exc:
        raise ServiceError(str(exc)) from None
