"""deploy/tls/make-dev-ca.sh: a dev CA and certificates that openssl verifies, keys that
stay private and out of git. (tests/integration/test_security.py then serves them from
Mosquitto's TLS listener.)
"""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "tls" / "make-dev-ca.sh"

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def make(out: Path, *clients: str, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        ["sh", str(SCRIPT), str(out), *clients],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def openssl(*args: str) -> str:
    result = subprocess.run(
        ["openssl", *args], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("key_type", ["rsa", "ec"])
def test_the_ca_signs_a_server_and_a_client_certificate_that_verify(
    tmp_path: Path, key_type: str
) -> None:
    out = tmp_path / "tls"
    result = make(out, "jkt-air-0001", KOTA_TLS_KEY=key_type)
    assert result.returncode == 0, result.stderr
    assert "OK" in openssl("verify", "-CAfile", str(out / "ca.crt"), str(out / "mosquitto.crt"))
    assert "OK" in openssl(
        "verify",
        "-CAfile",
        str(out / "ca.crt"),
        "-purpose",
        "sslserver",
        str(out / "mosquitto.crt"),
    )
    assert "OK" in openssl(
        "verify",
        "-CAfile",
        str(out / "ca.crt"),
        "-purpose",
        "sslclient",
        str(out / "jkt-air-0001.crt"),
    )
    # A server certificate must not pass as a client one, and the reverse.
    refused = subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            str(out / "ca.crt"),
            "-purpose",
            "sslclient",
            str(out / "mosquitto.crt"),
        ],
        capture_output=True,
        check=False,
    )
    assert refused.returncode != 0


def test_the_server_certificate_names_every_way_clients_reach_the_broker(tmp_path: Path) -> None:
    out = tmp_path / "tls"
    assert make(out, KOTA_TLS_EXTRA_SAN="DNS:mqtt.kota.test").returncode == 0
    text = openssl("x509", "-in", str(out / "mosquitto.crt"), "-noout", "-ext", "subjectAltName")
    for name in ("DNS:localhost", "DNS:mosquitto", "IP Address:127.0.0.1", "DNS:mqtt.kota.test"):
        assert name in text
    # openssl exits 0 either way; the verdict is in the text.
    for host in ("localhost", "mosquitto", "mqtt.kota.test"):
        verdict = openssl("x509", "-in", str(out / "mosquitto.crt"), "-noout", "-checkhost", host)
        assert "does match" in verdict, verdict
    verdict = openssl(
        "x509", "-in", str(out / "mosquitto.crt"), "-noout", "-checkhost", "evil.test"
    )
    assert "does NOT match" in verdict
    assert "does match" in openssl(
        "x509", "-in", str(out / "mosquitto.crt"), "-noout", "-checkip", "127.0.0.1"
    )


def test_private_keys_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    out = tmp_path / "tls"
    assert make(out, "client-a").returncode == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    for key in out.glob("*.key"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600, key.name
    assert {p.name for p in out.iterdir()} == {
        "ca.crt",
        "ca.key",
        "mosquitto.crt",
        "mosquitto.key",
        "client-a.crt",
        "client-a.key",
    }


def test_a_second_run_keeps_the_ca_so_clients_can_be_added_later(tmp_path: Path) -> None:
    out = tmp_path / "tls"
    assert make(out).returncode == 0
    ca = (out / "ca.crt").read_bytes()
    assert make(out, "late-sensor").returncode == 0
    assert (out / "ca.crt").read_bytes() == ca
    assert "OK" in openssl("verify", "-CAfile", str(out / "ca.crt"), str(out / "late-sensor.crt"))


def test_keys_are_never_written_where_git_would_pick_them_up(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    result = make(repo / "certs")
    assert result.returncode == 1 and "never" in result.stderr
    assert not (repo / "certs").exists()
    (repo / ".gitignore").write_text("/ignored/\n")
    assert make(repo / "ignored" / "tls").returncode == 0


@pytest.mark.parametrize("name", ["ca", "mosquitto", "../escape", "a b"])
def test_client_names_that_would_clobber_or_escape_are_refused(tmp_path: Path, name: str) -> None:
    result = make(tmp_path / "tls", name)
    assert result.returncode == 2 and "bad client name" in result.stderr
    assert not (tmp_path / "tls").exists(), "refused before anything is written"
