"""Find the machine's Mosquitto, PostgreSQL, Java and Maven; install them when we may.

As root on Debian the missing packages are installed with apt-get; otherwise the error
says exactly which command to run. Nothing here is downloaded from anywhere but the
machine's package manager (and Maven Central, by ``kafka.py``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kotacerdas.errors import UserFacingError

PG_MAJOR = 15
_PG_BIN = Path(f"/usr/lib/postgresql/{PG_MAJOR}/bin")


class MissingPrerequisite(UserFacingError):
    pass


@dataclass(frozen=True)
class Tools:
    mosquitto: Path
    mosquitto_passwd: Path
    pg_bin: Path
    java: Path
    mvn: Path


# What each tool is called on PATH, and which Debian package brings it.
_PACKAGES = {
    "mosquitto": "mosquitto",
    "mosquitto_passwd": "mosquitto",
    "java": "openjdk-17-jre-headless",
    "mvn": "maven",
}


def _which(name: str) -> Path | None:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    return Path(found) if found else None


def _pg_bin() -> Path | None:
    return _PG_BIN if (_PG_BIN / "postgres").exists() else None


def find_tools(install: bool = True) -> Tools:
    missing = sorted({pkg for tool, pkg in _PACKAGES.items() if _which(tool) is None})
    if _pg_bin() is None:
        missing.append(f"postgresql-{PG_MAJOR}")
    if missing:
        _install(missing, install)
    found = {tool: _which(tool) for tool in _PACKAGES}
    pg_bin = _pg_bin()
    if any(path is None for path in found.values()) or pg_bin is None:
        raise MissingPrerequisite(f"still missing after install: {', '.join(missing)}")
    return Tools(pg_bin=pg_bin, **{k: v for k, v in found.items() if v is not None})


def _install(packages: list[str], allowed: bool) -> None:
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if not allowed or os.geteuid() != 0 or _which("apt-get") is None:
        raise MissingPrerequisite(
            f"missing packages: {' '.join(packages)}; install them with: "
            f"sudo apt-get install -y {' '.join(packages)}"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-qq"], command):
        result = subprocess.run(step, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise MissingPrerequisite(
                f"`{' '.join(step)}` failed: {result.stderr.strip().splitlines()[-1:]}"
            )
