"""Where a benchmark runs: a private stack on free loopback ports, or the developer's.

A private stack uses the same code and config as ``kotacerdas stack up`` in a throw-away
state folder, so a benchmark never disturbs ``.kota``; everything it started is stopped
by PID (``LocalStack.down``) and the folder removed. ``use_local=True`` reuses the
developer's stack (``.kota``) and leaves it running. A private stack's services are
children of the benchmark: a second SIGINT/SIGTERM kills them (``kotacerdas.shutdown``).
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from kotacerdas import shutdown
from kotacerdas.registry import Registry
from kotacerdas.stack import kafka, mosquitto, postgres
from kotacerdas.stack.manager import LocalStack
from kotacerdas.stack.settings import REPO_ROOT, DbBackend, StackSettings

RESULTS = REPO_ROOT / "bench" / "results"
TOOLS = REPO_ROOT / "bench" / "tools"
PEERS = REPO_ROOT / "bench" / "peers"

Say = Callable[[str], None]


def _stderr(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


@dataclass
class BenchStack:
    """A running stack: its environment (``KOTA_*``), its services, its state folder."""

    local: LocalStack
    env: dict[str, str]
    owned: bool
    _tracked: list[int] = field(default_factory=list)

    @property
    def state(self) -> Path:
        return self.local.state

    @property
    def log_dir(self) -> Path:
        return self.state / "logs"

    # The same two calls as the test session's stack fixture, so the soak runs on both.
    def stop(self, service: str, crash: bool = False) -> None:
        self.local.stop(service, kill=crash)

    def restart(self) -> None:
        """Start whatever is stopped again (same ports, same data)."""
        self.local.up(install=False)
        self.track()

    def track(self) -> None:
        """Let a forced stop (second signal) kill the services of a private stack."""
        if not self.owned:
            return
        for pid in self._tracked:
            shutdown.untrack(pid)
        self._tracked = [pid for pid in self.service_pids().values() if pid is not None]
        for pid in self._tracked:
            shutdown.track(pid)

    def service_pids(self) -> dict[str, int | None]:
        """Main PIDs of the three services (None: not running)."""
        return {
            "mosquitto": mosquitto.running_pid(self.local.mqtt),
            "kafka": kafka.running_pid(self.local.kafka),
            "postgresql": postgres.running_pid(self.local.pg),
        }

    def reload_registry(self, registry: Registry, say: Say = _stderr) -> None:
        """Rewrite the broker's password file for ``registry`` (``up`` reloads Mosquitto)."""
        self.local = LocalStack(self.local.settings, registry)
        self.local.up(say, install=False)
        self.track()


@contextmanager
def bench_stack(
    *,
    use_local: bool = False,
    partitions: int = 6,
    kafka_heap_mb: int = 1024,
    registry: Registry | None = None,
    say: Say = _stderr,
    db_backend: DbBackend = "postgres",
) -> Iterator[BenchStack]:
    """A private stack on free ports (removed afterwards), or the developer's ``.kota``.

    ``db_backend``: plain PostgreSQL unless asked, so figures compare with earlier runs
    whatever the machine has installed (bench_aggregator.py measures both)."""
    if use_local:
        local = LocalStack(StackSettings(), registry)
        env = local.up(say)
        yield BenchStack(local, {**env, "KOTA_ENV": "test"}, owned=False)
        return
    state = Path(tempfile.mkdtemp(prefix="kota-bench-"))
    state.chmod(0o755)  # PostgreSQL and Mosquitto run as their own users
    local = LocalStack(
        StackSettings.private(
            state, kafka_partitions=partitions, kafka_heap_mb=kafka_heap_mb, db_backend=db_backend
        ),
        registry,
    )
    stack = BenchStack(local, {}, owned=True)
    try:
        stack.env = {**local.up(say), "KOTA_ENV": "test"}
        stack.track()
        yield stack
    finally:
        with shutdown.shielded():  # a first signal meanwhile must not leave it half down
            stack.local.remove()


def child_env(env: dict[str, str], **extra: str) -> dict[str, str]:
    """The environment of a benchmark child process (stack values over ours)."""
    return {**os.environ, **env, "PYTHONPATH": str(REPO_ROOT), **extra}


def machine() -> dict[str, object]:
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "load_avg_1m_at_start": round(load[0], 2),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def load_now() -> float:
    return round(os.getloadavg()[0], 2)


_ROLES = {
    "writer": ("KOTA_DB_", "kota_writer"),
    "reader": ("KOTA_READER_DB_", "kota_reader"),
    "owner": ("KOTA_OWNER_DB_", "kota_owner"),
}


def conninfo(env: dict[str, str], role: str = "writer") -> str:
    """libpq connection string of one of the stack's database roles."""
    from psycopg.conninfo import make_conninfo

    prefix, user = _ROLES[role]
    return make_conninfo(
        host=env[f"{prefix}HOST"],
        port=env[f"{prefix}PORT"],
        dbname="kota",
        user=user,
        password=env[f"{prefix}PASSWORD"],
        sslmode="disable",
        application_name="kotacerdas-bench",
    )


def prepare_database(env: dict[str, str], registry: Registry | None = None) -> None:
    """Migrations (as the owner) and the registry (as the writer): idempotent."""
    from aggregator.migrate import apply
    from kotacerdas.registry_store import load_into_database
    from kotacerdas.settings import RegistrySettings

    apply(conninfo(env, "owner"))
    # The registry the stack's broker was given (KOTA_REGISTRY_DIR included): loading the
    # pilot cities alone would mark the extra cities' sensors of a reused stack inactive.
    load_into_database(registry or RegistrySettings().load(), conninfo(env, "writer"))
