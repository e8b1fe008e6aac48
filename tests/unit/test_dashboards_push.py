"""`dashboards push` against a small stand-in for Grafana's HTTP API on loopback.

No Grafana server can be installed here, so this checks our side of the contract only:
the requests grafana-client sends (folders by uid, dashboards with overwrite) and how
refusals become one-line errors. What Grafana itself does with the JSON is not tested.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kotacerdas.cli import main
from kotacerdas.dashboards.catalogue import CATALOGUE
from kotacerdas.dashboards.folders import FOLDERS, LIVEABLE
from kotacerdas.dashboards.push import PushError, push_all

TOKEN = "glsa_test"


class FakeGrafana(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.folders: dict[str, str] = {}
        self.dashboards: dict[str, dict[str, Any]] = {}
        self.fail_dashboards_with: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeGrafana

    def log_message(self, *args: Any) -> None:  # quiet
        return

    def _reply(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict[str, Any]:
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._reply(401, {"message": "invalid API key"})
            return False
        return True

    def do_GET(self) -> None:
        if not self._authorised():
            return
        uid = self.path.removeprefix("/api/folders/")
        if uid in self.server.folders:
            self._reply(200, {"uid": uid, "title": self.server.folders[uid]})
        else:
            self._reply(404, {"message": "folder not found"})

    def do_POST(self) -> None:
        if not self._authorised():
            return
        body = self._body()
        if self.path == "/api/folders":
            self.server.folders[body["uid"]] = body["title"]
            self._reply(200, {"uid": body["uid"], "title": body["title"]})
        elif self.path == "/api/dashboards/db":
            if self.server.fail_dashboards_with:
                self._reply(self.server.fail_dashboards_with, {"message": "database is locked"})
                return
            assert body["overwrite"] is True and "id" not in body["dashboard"]
            uid = body["dashboard"]["uid"]
            self.server.dashboards[uid] = body
            self._reply(200, {"status": "success", "uid": uid, "url": f"/d/{uid}"})

    def do_PUT(self) -> None:
        if not self._authorised():
            return
        uid = self.path.removeprefix("/api/folders/")
        self.server.folders[uid] = self._body()["title"]
        self._reply(200, {"uid": uid, "title": self.server.folders[uid]})


@pytest.fixture
def grafana() -> Iterator[FakeGrafana]:
    server = FakeGrafana()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_push_creates_folders_and_dashboards_by_uid(grafana: FakeGrafana):
    grafana.folders[LIVEABLE.uid] = "an old title"
    results = push_all(grafana.url, TOKEN)
    assert grafana.folders == {f.uid: f.title for f in FOLDERS}  # created or renamed
    assert {r.uid for r in results} == {e.uid for e in CATALOGUE}
    for entry in CATALOGUE:
        assert grafana.dashboards[entry.uid]["folderUid"] == entry.folder.uid
    push_all(grafana.url, TOKEN)  # again: an update, not a duplicate
    assert len(grafana.dashboards) == len(CATALOGUE)


def test_a_bad_token_is_one_clear_line(grafana: FakeGrafana, capsys: pytest.CaptureFixture):
    assert main(["dashboards", "push", "--url", grafana.url, "--token", "wrong"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "401" in err and "--token" in err


def test_an_http_failure_names_the_dashboard_and_status(grafana: FakeGrafana):
    grafana.fail_dashboards_with = 500
    with pytest.raises(PushError, match=r"dashboard kota-overview: HTTP 500: .*database is locked"):
        push_all(grafana.url, TOKEN)


def test_an_unreachable_grafana_is_reported_not_raised_as_a_traceback():
    with pytest.raises(PushError, match=r"cannot reach Grafana|did not answer"):
        push_all("http://127.0.0.1:9", TOKEN, timeout_s=2)


def test_a_missing_token_is_refused_before_any_request():
    with pytest.raises(PushError, match="token is required"):
        push_all("http://127.0.0.1:9", "")
