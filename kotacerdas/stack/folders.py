"""Where each service of the local stack keeps its files.

As root, Mosquitto and PostgreSQL drop to their own users (``mosquitto``, ``postgres``):
they can only use files on a path every folder of which they may traverse. A clone in
``/root`` or in a ``mktemp -d`` folder (mode 0700) is not such a path, so their folders
then live under ``SERVICE_HOME`` instead, one folder per stack named by a hash of the
stack's state path (the same stack always finds its own). Everything else (Kafka, which
runs as the invoking user, the generated secrets and settings) stays in the state folder.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

SERVICE_HOME = Path("/var/lib/kotacerdas")


def reachable_by_others(path: Path) -> bool:
    """True if a user other than the owner may traverse every folder down to ``path``
    (the "others" execute bit; group membership and ACLs are not counted on)."""
    for folder in [path, *path.parents]:
        try:
            mode = folder.stat().st_mode
        except FileNotFoundError:
            continue  # created later, by us, with mode 0755
        if not mode & stat.S_IXOTH:
            return False
    return True


def service_root(state: Path) -> Path:
    """The folder under which the services that drop privileges keep their files."""
    if os.geteuid() != 0 or reachable_by_others(state):
        return state
    digest = hashlib.sha256(str(state).encode()).hexdigest()[:12]
    return SERVICE_HOME / f"stack-{digest}"
