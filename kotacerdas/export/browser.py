"""Open the HTML report in headless Chromium: screenshot, printed PDF, console errors.

A tiny Chrome DevTools Protocol client over one WebSocket (the ``websockets`` package,
an optional dependency used only here): start Chromium with a throw-away profile and
``--remote-debugging-port=0``, read the port it chose from ``DevToolsActivePort``, open
the file in a new target, wait for ``load``, collect console errors, uncaught exceptions
and error log entries, read the page text and its charts, capture a full-page PNG and
print to PDF (A4, the report's print styles). The browser is stopped by its PID.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from kotacerdas import shutdown
from kotacerdas.export.errors import BrowserUnavailable

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

CANDIDATES: Final = ("chromium", "chromium-browser", "google-chrome")
FLAGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-port=0",
)
#: Longest full-page screenshot, in CSS pixels (Chromium's texture limit is ~16 384).
MAX_HEIGHT: Final = 16000
START_TIMEOUT_S: Final = 60.0  # a loaded 2-CPU machine can take tens of seconds
STOP_TIMEOUT_S: Final = 5.0
_PAGE: Final = re.compile(rb"/Type\s*/Page(?!s)")
_PROBE: Final = """JSON.stringify({
  title: document.title,
  text: document.body.innerText,
  charts: [...document.querySelectorAll('svg[data-chart]')].map(
      e => ({name: e.dataset.chart, empty: e.dataset.empty === 'true',
             shapes: e.querySelectorAll('rect, polyline, circle').length})),
  height: document.documentElement.scrollHeight})"""


@dataclass(frozen=True)
class PageReport:
    title: str
    text: str
    charts: tuple[dict[str, Any], ...]
    console_errors: tuple[str, ...]
    png: Path
    pdf_pages: int
    height: int


def executable() -> str:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable(
        "no Chromium found (install the Debian package: apt-get install -y chromium)"
    )


class _Cdp:
    """Request/response over one DevTools WebSocket; events are kept until read."""

    def __init__(self, ws: ClientConnection, timeout_s: float) -> None:
        self._ws = ws
        self._timeout = timeout_s
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._ws.send(json.dumps(message))
        deadline = time.monotonic() + self._timeout
        while True:
            reply = self._receive(deadline, method)
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise BrowserUnavailable(f"Chromium refused {method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def wait_for(self, method: str) -> None:
        deadline = time.monotonic() + self._timeout
        while not any(e.get("method") == method for e in self.events):
            self.events.append(self._receive(deadline, method))

    def _receive(self, deadline: float, what: str) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BrowserUnavailable(f"Chromium did not answer {what} within {self._timeout} s")
        try:
            return dict(json.loads(self._ws.recv(timeout=remaining)))
        except TimeoutError:
            raise BrowserUnavailable(f"Chromium did not answer {what} in time") from None


def _errors(events: list[dict[str, Any]]) -> tuple[str, ...]:
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append(
                " ".join(
                    str(a.get("value", a.get("description", ""))) for a in params.get("args", [])
                )
            )
        elif method == "Runtime.exceptionThrown":
            found.append(str(params.get("exceptionDetails", {}).get("text", "exception")))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            found.append(str(params["entry"].get("text", "")))
    return tuple(found)


def _port(profile: Path, proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BrowserUnavailable(f"Chromium exited with code {proc.returncode} at start")
        if marker.exists():
            lines = marker.read_text().split()
            if len(lines) >= 2:
                return int(lines[0]), lines[1]
        time.sleep(0.05)
    raise BrowserUnavailable(f"Chromium did not open its DevTools port in {START_TIMEOUT_S} s")


def inspect(
    html: Path | str, png: Path, width: int = 1280, timeout_s: float = 60.0, pdf: Path | None = None
) -> PageReport:
    """Render ``html``; write the full-page PNG (and the PDF when ``pdf`` is given)."""
    with tempfile.TemporaryDirectory(prefix="kota-chromium-") as tmp:
        profile = Path(tmp)
        log = (profile / "chromium.log").open("wb")
        proc = subprocess.Popen(
            [executable(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its renderer and helper processes stop with it
        )
        try:
            shutdown.track(proc.pid)  # a forced stop (second signal) kills the group
            from websockets.sync.client import connect

            port, path = _port(profile, proc)
            url = f"ws://127.0.0.1:{port}{path}"
            with connect(url, max_size=None, open_timeout=timeout_s) as ws:
                # a str is a URL (the read API's pages); a Path a local file
                target = html if isinstance(html, str) else html.resolve().as_uri()
                return _render(_Cdp(ws, timeout_s), target, png, width, pdf)
        finally:
            _stop(proc)
            shutdown.untrack(proc.pid)
            log.close()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop Chromium and every process of its group, and wait until the group is gone:
    helper processes outlive the main one briefly and still write into the profile,
    which then cannot be removed ("Directory not empty")."""
    group = proc.pid  # start_new_session: the group id is the leader's PID
    _signal_group(group, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(STOP_TIMEOUT_S)
    _signal_group(group, signal.SIGKILL)  # whatever did not stop on SIGTERM within the bound
    proc.wait()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while _signal_group(group, 0) and time.monotonic() < deadline:
        time.sleep(0.02)  # orphaned helpers are reaped by init, not by us


def _signal_group(group: int, signum: int) -> bool:
    """Send ``signum`` to the group; False once no process of it is left."""
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        return False
    return True


def _render(cdp: _Cdp, url: str, png: Path, width: int, pdf: Path | None) -> PageReport:
    target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Runtime", "Log", "Page"):
        cdp.call(f"{domain}.enable", session=session)
    metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}
    cdp.call("Emulation.setDeviceMetricsOverride", metrics, session)
    cdp.call("Page.navigate", {"url": url}, session)
    cdp.wait_for("Page.loadEventFired")
    probe = cdp.call("Runtime.evaluate", {"expression": _PROBE, "returnByValue": True}, session)
    page = json.loads(probe["result"]["value"])
    height = min(int(page["height"]), MAX_HEIGHT)
    cdp.call("Emulation.setDeviceMetricsOverride", {**metrics, "height": height}, session)
    shot = cdp.call(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
        session,
    )
    png.parent.mkdir(parents=True, exist_ok=True)
    png.write_bytes(base64.b64decode(shot["data"]))
    printed = base64.b64decode(
        cdp.call("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True}, session)[
            "data"
        ]
    )
    if pdf is not None:
        pdf.write_bytes(printed)
    return PageReport(
        title=str(page["title"]),
        text=str(page["text"]),
        charts=tuple(page["charts"]),
        console_errors=_errors(cdp.events),
        png=png,
        pdf_pages=len(_PAGE.findall(printed)),
        height=height,
    )
