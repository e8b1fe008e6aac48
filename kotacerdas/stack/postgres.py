"""PostgreSQL for the local stack: a private cluster in the state folder, own port."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kotacerdas.stack.procs import ServiceError, is_alive, read_pid, tail
from kotacerdas.stack.settings import DEPLOY_DIR, DbBackend

_SERVICE_USER = "postgres"  # PostgreSQL refuses to run as root
TIMESCALEDB = "timescaledb"


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

    @property
    def backend_file(self) -> Path:
        """The backend the cluster was created for: a schema migrated on one is not the
        other's (hypertables vs. partitioned tables), so it never changes afterwards."""
        return self.root / "backend"


def timescaledb_installed(pg_bin: Path) -> bool:
    """The extension's files are in the server's folders (Debian layout: the server's
    lib folder beside bin/, the extension scripts under /usr/share/postgresql/<major>)."""
    major = pg_bin.parent.name
    control = Path(f"/usr/share/postgresql/{major}/extension/{TIMESCALEDB}.control")
    return control.exists() and (pg_bin.parent / "lib" / f"{TIMESCALEDB}.so").exists()


def resolve_backend(requested: DbBackend, pg_bin: Path, paths: PgPaths) -> str:
    """``auto``: what an existing cluster was created with, else TimescaleDB when it is
    installed, else plain PostgreSQL. An explicit choice must be possible and must match
    an existing cluster; the error names the setting."""
    try:
        recorded: str | None = paths.backend_file.read_text().strip()
    except FileNotFoundError:
        recorded = None
    if requested == "auto":
        if recorded:
            return recorded
        return TIMESCALEDB if timescaledb_installed(pg_bin) else "postgres"
    if requested == TIMESCALEDB and not timescaledb_installed(pg_bin):
        raise ServiceError(
            "KOTA_DB_BACKEND=timescaledb but the TimescaleDB extension is not installed for "
            f"PostgreSQL {pg_bin.parent.name} (bash deploy/postgres/timescaledb.sh builds it "
            "from a source archive); or set KOTA_DB_BACKEND=postgres"
        )
    if recorded and recorded != requested:
        raise ServiceError(
            f"KOTA_DB_BACKEND={requested} but this stack's database was created for "
            f"{recorded} ({paths.root}); `kotacerdas stack down` and remove that folder to "
            "start over with the other backend"
        )
    return requested


def _as_service_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", _SERVICE_USER, "--", *argv]


def _run(argv: list[str], what: str, env: dict[str, str] | None = None) -> str:
    # cwd "/": the service user may not be allowed to enter the caller's folder.
    result = subprocess.run(argv, capture_output=True, text=True, check=False, env=env, cwd="/")
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-2:]
        raise ServiceError(f"{what} failed: {' | '.join(detail)}")
    return result.stdout


def _give_to_service_user(path: Path) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(_SERVICE_USER)
        shutil.chown(path, entry.pw_uid, entry.pw_gid)


def init_cluster(pg_bin: Path, paths: PgPaths, superuser_password: str, backend: str) -> bool:
    """initdb once; returns False if the cluster already exists."""
    if (paths.data / "PG_VERSION").exists():
        return False
    paths.root.mkdir(parents=True, exist_ok=True)
    paths.backend_file.write_text(backend + "\n")
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


def server_options(host: str, port: int, socket_dir: Path, backend: str = "postgres") -> str:
    # Durability stays on (fsync, synchronous_commit): the fault tests rely on it.
    # TimescaleDB must be preloaded before CREATE EXTENSION; its telemetry stays off.
    extension = (
        [f"-c shared_preload_libraries={TIMESCALEDB}", "-c timescaledb.telemetry_level=off"]
        if backend == TIMESCALEDB
        else []
    )
    return " ".join(
        [
            *extension,
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


def start(
    pg_bin: Path, paths: PgPaths, host: str, port: int, timeout_s: float, backend: str
) -> int:
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
                server_options(host, port, socket_dir, backend),
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
    pg_bin: Path,
    host: str,
    port: int,
    superuser_password: str,
    passwords: dict[str, str],
    backend: str,
) -> None:
    """Create roles, the database and (TimescaleDB) the extension, before any migration
    (deploy/postgres/bootstrap.sql, idempotent).

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
        "-v",
        f"with_timescaledb={'on' if backend == TIMESCALEDB else 'off'}",
        "-f",
        str(DEPLOY_DIR / "postgres" / "bootstrap.sql"),
    ]
    env = {**os.environ, **passwords, "PGPASSWORD": superuser_password}
    _run(argv, "database bootstrap", env=env)


def failure_hint(paths: PgPaths) -> str:
    return tail(paths.log)
