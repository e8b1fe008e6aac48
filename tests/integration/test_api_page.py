"""`kotacerdas api` as a process: the public city page in headless Chromium, SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import api_seed
import httpx
import pytest
from api_seed import CITY

from kotacerdas.stack.procs import free_port


@pytest.fixture(scope="module")
def seeded(stack) -> api_seed.Seeded:
    return api_seed.seed(stack)


ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _wait_ready(url: str, proc: subprocess.Popen, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} not ready in {timeout_s} s")


@pytest.fixture(scope="module")
def api(stack, seeded):
    port = free_port()
    env = {**os.environ, **stack.env, "KOTA_ENV": "test", "KOTA_API_PORT": str(port)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kotacerdas.cli", "api"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc)
        yield url, proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_city_page_renders_in_chromium_without_console_errors(api, seeded, db_backend):
    from kotacerdas.export import browser

    url, _ = api
    png = ARTIFACTS / f"api-city-{CITY}-{db_backend}.png"
    for lang, heading in (("id", "ISPU per stasiun"), ("en", "ISPU per station")):
        report = browser.inspect(f"{url}/cities/{CITY}?lang={lang}", png if lang == "id" else
                                 png.with_name(png.stem + "-en.png"))  # fmt: skip
        assert report.console_errors == ()
        assert heading in report.text
        assert seeded.station in report.text
        assert ("Sedang" if lang == "id" else "Moderate") in report.text
        charts = {c["name"]: c for c in report.charts}
        assert not charts[seeded.station]["empty"] and charts[seeded.station]["shapes"] >= 1
    assert png.stat().st_size > 10_000


def test_bad_setting_stops_start_up_naming_it(stack):
    env = {**os.environ, **stack.env, "KOTA_ENV": "test", "KOTA_API_RATE_PER_S": "-1"}
    done = subprocess.run(
        [sys.executable, "-m", "kotacerdas.cli", "api"], env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    assert "KOTA_API_RATE_PER_S" in done.stderr and "Traceback" not in done.stderr


def test_sigterm_stops_the_api_gracefully(api):
    url, proc = api
    assert httpx.get(f"{url}/v1/cities").status_code == 200
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=20)
    assert code in (0, 128 + signal.SIGTERM), proc.stderr.read()
    assert "Traceback" not in proc.stderr.read()
