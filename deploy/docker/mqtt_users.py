"""Write the broker's user list for docker-compose: the `mqtt-users` one-shot runs this.

    python deploy/docker/mqtt_users.py            (in the kotacerdas image, as uid 10001)

Writes ``user:password`` lines (plain text, mode 0600) for the ingest bridge
(``kota-ingest``, KOTA_MQTT_PASSWORD), the integration gateway (``kota-gateway``,
KOTA_GATEWAY_PASSWORD) and every sensor of the registry (KOTA_REGISTRY_DIR/SCALE), whose
password is derived from KOTA_SENSOR_SECRET (kotacerdas/credentials.py), to
KOTA_MQTT_USERS_OUT (default /data/mqtt-auth/passwd.plain, the `mosquitto-auth` volume).

The broker container hashes that file with Mosquitto's own ``mosquitto_passwd -U`` and
deletes the plain copy before it starts (deploy/docker/mosquitto-entrypoint.sh), so we
never implement the broker's hash format, and the native stack
(kotacerdas/stack/mosquitto.py) and compose produce the same users.

Placeholder secrets (.env.example's ``change-me``) are refused unless KOTA_ENV is dev or
test: a broker must never come up with a guessable gateway password.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pydantic import SecretStr

from kotacerdas.credentials import sensor_password
from kotacerdas.settings import RegistrySettings, refuse_placeholder

INGEST_USER = "kota-ingest"  # same names as kotacerdas/stack/mosquitto.py and the ACL
GATEWAY_USER = "kota-gateway"
_DEFAULT_OUT = "/data/mqtt-auth/passwd.plain"


def _secret(name: str) -> str:
    value = os.environ.get(name, "")
    refuse_placeholder(name, SecretStr(value))
    if not value:
        raise ValueError(f"{name} is not set")
    if ":" in value or "\n" in value:
        raise ValueError(f"{name} must not contain ':' or a line break (password file syntax)")
    return value


def user_lines() -> list[str]:
    ingest = _secret("KOTA_MQTT_PASSWORD")
    gateway = _secret("KOTA_GATEWAY_PASSWORD")
    fleet = _secret("KOTA_SENSOR_SECRET")
    registry = RegistrySettings().load()
    lines = [f"{INGEST_USER}:{ingest}", f"{GATEWAY_USER}:{gateway}"]
    lines += [f"{sid}:{sensor_password(fleet, sid)}" for sid in sorted(registry.sensors)]
    return lines


def write(target: Path, lines: list[str]) -> None:
    """Atomically, readable by the owner only (the broker entrypoint reads it as root)."""
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("\n".join(lines) + "\n")
    os.replace(tmp, target)


def main() -> int:
    target = Path(os.environ.get("KOTA_MQTT_USERS_OUT", _DEFAULT_OUT))
    try:
        lines = user_lines()
    except ValueError as exc:  # a placeholder or missing secret; pydantic errors subclass it
        print(f"mqtt-users: {exc}", file=sys.stderr)
        return 2
    write(target, lines)
    print(
        f"mqtt-users: {len(lines)} users written to {target} (2 service users, "
        f"{len(lines) - 2} sensors)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
