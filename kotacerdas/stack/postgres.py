"""PostgreSQL for the local stack: a private cluster in the state folder, own port."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kotacerdas.stack.procs import ServiceError, is_alive, read_pid, tail
from kotacerdas.stack.settings import DEPLOY_DIR

_SERVICE_USER = "postgres"  # PostgreSQL refuses to run as root


@dataclass(frozen=True)
class PgPaths:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgresql.log"

    @property
    def superuser_password(self) -> Path:
        return self.root / "superuser.pw"


def _as_service_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", _SERVICE_USER, "--", *argv]


def _run(argv: list[str], what: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, check=False, env=env)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-2:]
        raise ServiceError(f"{what} failed: {' | '.join(detail)}")
    return result.stdout


def _give_to_service_user(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(_SERVICE_USER)
        shutil.chown(path, entry.pw_uid, entry.pw_gid)


def init_cluster(pg_bin: Path, paths: PgPaths, superuser_password: str) -> bool:
    """initdb once; returns False if the cluster already exists."""
    if (paths.data / "PG_VERSION").exists():
        return False
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.root.chmod(0o755)
    _give_to_service_user(paths.root)  # it writes its log and socket here
    paths.superuser_password.write_text(superuser_password + "\n")
    paths.superuser_password.chmod(0o600)
    pwfile = paths.root / ".initdb.pw"
    pwfile.write_text(superuser_password + "\n")
    pwfile.chmod(0o600)
    _give_to_service_user(pwfile)
    paths.data.mkdir(mode=0o700)
    _give_to_service_user(paths.data)
    try:
        _run(
            _as_service_user(
                [
                    str(pg_bin / "initdb"),
                    "-D",
                    str(paths.data),
                    "-U",
                    "postgres",
                    f"--pwfile={pwfile}",
                    "--auth-local=scram-sha-256",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            "initdb",
        )
    finally:
        pwfile.unlink(missing_ok=True)
    return True


def server_options(host: str, port: int, socket_dir: Path) -> str:
    # Durability stays on (fsync, synchronous_commit): the fault tests rely on it.
    return " ".join(
        [
            f"-c listen_addresses={host}",
            f"-c port={port}",
            f"-c unix_socket_directories={socket_dir}",
            "-c shared_buffers=256MB",
            "-c max_connections=200",
            "-c max_wal_size=2GB",
            "-c checkpoint_timeout=15min",
            "-c log_min_messages=warning",
            "-c log_line_prefix='%m [%p] %u@%d '",
        ]
    )


def start(pg_bin: Path, paths: PgPaths, host: str, port: int, timeout_s: float) -> int:
    socket_dir = paths.root  # keep the socket private to the stack, not /var/run
    _run(
        _as_service_user(
            [
                str(pg_bin / "pg_ctl"),
                "-D",
                str(paths.data),
                "-l",
                str(paths.log),
                "-o",
                server_options(host, port, socket_dir),
                "-w",
                "-t",
                str(int(timeout_s)),
                "start",
            ]
        ),
        f"starting PostgreSQL ({tail(paths.log)})",
    )
    pid = running_pid(paths)
    if pid is None:
        raise ServiceError(f"PostgreSQL did not start: {tail(paths.log)}")
    return pid


def stop(pg_bin: Path, paths: PgPaths, immediate: bool = False) -> None:
    """Fast shutdown: disconnect clients, checkpoint, exit (no waiting for idle clients).

    ``immediate`` aborts without a checkpoint, like a crash; recovery replays the WAL.
    """
    mode = "immediate" if immediate else "fast"
    _run(
        _as_service_user([str(pg_bin / "pg_ctl"), "-D", str(paths.data), "-m", mode, "-w", "stop"]),
        "stopping PostgreSQL",
    )


def running_pid(paths: PgPaths) -> int | None:
    pid = read_pid(paths.data / "postmaster.pid")
    return pid if pid is not None and is_alive(pid, "postgres") else None


def bootstrap(
    pg_bin: Path, host: str, port: int, superuser_password: str, passwords: dict[str, str]
) -> None:
    """Create roles and the database (deploy/postgres/bootstrap.sql, idempotent).

    ``passwords`` maps the environment names bootstrap.sql reads (KOTA_*_PASSWORD).
    """
    argv = [
        str(pg_bin / "psql"),
        "-X",
        "-q",
        "-h",
        host,
        "-p",
        str(port),
        "-U",
        "postgres",
        "-d",
        "postgres",
        "-f",
        str(DEPLOY_DIR / "postgres" / "bootstrap.sql"),
    ]
    env = {**os.environ, **passwords, "PGPASSWORD": superuser_password}
    _run(argv, "database bootstrap", env=env)


def failure_hint(paths: PgPaths) -> str:
    return tail(paths.log)
