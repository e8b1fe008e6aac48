"""A private Mosquitto + Kafka + PostgreSQL for the test session, on free loopback ports.

Started with the same code and config files as `kotacerdas stack up`, in a throw-away
state folder; stopped (by PID) and deleted at the end of the session. Set
KOTA_TEST_REUSE_STACK=1 to run the tests against the already running local stack
(`.kota/`) instead, which saves ~15 s per session while developing.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kotacerdas.stack.manager import LocalStack, _read_env
from kotacerdas.stack.settings import DbBackend, StackSettings


@dataclass
class TestStack:
    state: Path
    env: dict[str, str]
    owned: bool
    local: LocalStack | None = field(default=None, repr=False)

    @property
    def mqtt_port(self) -> int:
        return int(self.env["KOTA_MQTT_PORT"])

    @property
    def bootstrap(self) -> str:
        return self.env["KOTA_KAFKA_BOOTSTRAP"]

    def stop(self, service: str, crash: bool = False) -> None:
        assert self.local is not None
        self.local.stop(service, kill=crash)

    def restart(self) -> None:
        """Start whatever is stopped again (same ports, same data)."""
        assert self.local is not None
        self.local.up(install=False)

    def conninfo(self, role: str = "writer", dbname: str = "kota") -> str:
        """``role``: writer, reader, owner, or superuser (the cluster's ``postgres``, for
        tests that create databases; only a stack this session started knows it)."""
        from psycopg.conninfo import make_conninfo

        if role == "superuser":
            assert self.local is not None
            user, prefix = "postgres", "KOTA_OWNER_DB_"
            password = self.local.pg.superuser_password.read_text().strip()
        else:
            prefix = {"writer": "KOTA_DB_", "reader": "KOTA_READER_DB_", "owner": "KOTA_OWNER_DB_"}[
                role
            ]
            user = {"writer": "kota_writer", "reader": "kota_reader", "owner": "kota_owner"}[role]
            password = self.env[f"{prefix}PASSWORD"]
        return make_conninfo(
            host=self.env[f"{prefix}HOST"],
            port=self.env[f"{prefix}PORT"],
            dbname=dbname,
            user=user,
            password=password,
            sslmode="disable",
        )


def start_test_stack(backend: DbBackend = "postgres") -> TestStack:
    if os.environ.get("KOTA_TEST_REUSE_STACK"):
        state = Path(os.environ.get("KOTA_STATE_DIR", ".kota")).resolve()
        env = _read_env(state / "stack.env")
        if not env:
            raise RuntimeError(f"KOTA_TEST_REUSE_STACK is set but {state}/stack.env is missing")
        local = LocalStack(StackSettings(state_dir=state))
        return TestStack(state, env, owned=False, local=local)
    stop_abandoned_stacks()
    # Not under pytest's tmp dir: that is private to root, and PostgreSQL and Mosquitto
    # run as their own users.
    state = Path(tempfile.mkdtemp(prefix=_PREFIX))
    state.chmod(0o755)
    (state / "owner.pid").write_text(f"{os.getpid()}\n")
    settings = StackSettings.private(state, kafka_partitions=6, db_backend=backend)
    local = LocalStack(settings)
    env = local.up()
    return TestStack(state, env, owned=True, local=local)


_PREFIX = "kota-test-"


def stop_abandoned_stacks() -> None:
    """Stop the stacks of test sessions that were killed before they could clean up
    (their owner process is gone); each only by the PIDs recorded in its own state."""
    for state in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        owner = state / "owner.pid"
        try:
            pid = int(owner.read_text())
        except (OSError, ValueError):
            continue
        if Path(f"/proc/{pid}").exists():
            continue  # a session that is still running
        LocalStack(StackSettings(state_dir=state)).remove()


def stop_test_stack(stack: TestStack) -> None:
    if stack.owned and stack.local is not None:
        stack.local.remove()
