"""Upload the generated dashboards to a running Grafana (``grafana-client``).

For each catalogue entry: 1. make sure its folder exists (looked up by uid, created with
that uid and title if missing, renamed if its title changed); 2. save the dashboard with
``overwrite: true``, which Grafana treats as create-or-update by uid. Grafana's errors
are translated at this boundary into :class:`PushError` with a one-line reason: a bad
token (401/403) names the token, anything else names the HTTP status and Grafana's
message. Nothing is retried: a push is an operator action, run again after a fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kotacerdas.dashboards import DashboardError
from kotacerdas.dashboards.catalogue import CATALOGUE, DEPLOY_DIR, Entry, dashboard_model
from kotacerdas.dashboards.folders import Folder

DEFAULT_TIMEOUT_S = 10.0


class PushError(DashboardError):
    """Grafana refused or could not be reached."""


@dataclass(frozen=True)
class Pushed:
    uid: str
    folder: str
    status: str
    url: str


@contextmanager
def _translated(action: str) -> Iterator[None]:
    from grafana_client.client import (
        GrafanaClientError,
        GrafanaException,
        GrafanaTimeoutError,
        GrafanaUnauthorizedError,
    )

    try:
        yield
    except GrafanaUnauthorizedError:
        raise PushError(f"{action}: Grafana refused the token (401): check --token") from None
    except GrafanaTimeoutError as exc:
        raise PushError(f"{action}: Grafana did not answer in time ({exc.message})") from None
    except GrafanaClientError as exc:
        if exc.status_code == 403:
            raise PushError(
                f"{action}: the token may not do this (403 Forbidden): it needs the "
                "Editor or Admin role"
            ) from None
        raise PushError(f"{action}: HTTP {exc.status_code}: {exc.message}") from None
    except GrafanaException as exc:
        raise PushError(f"{action}: HTTP {exc.status_code}: {exc.message}") from None
    except OSError as exc:  # refused, DNS, TLS: niquests' errors are OSError subclasses
        raise PushError(f"{action}: cannot reach Grafana ({exc})") from None


def connect(url: str, token: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Any:
    from grafana_client import GrafanaApi

    if not token:
        raise PushError("a Grafana service-account token is required (--token)")
    return GrafanaApi.from_url(url, credential=token, timeout=timeout_s)


def ensure_folder(api: Any, folder: Folder) -> None:
    from grafana_client.client import GrafanaClientError

    with _translated(f"folder {folder.uid}"):
        try:
            current = api.folder.get_folder(folder.uid)
        except GrafanaClientError as exc:
            if exc.status_code != 404:
                raise
            current = None
        if current is None:
            api.folder.create_folder(folder.title, uid=folder.uid)
        elif current.get("title") != folder.title:
            api.folder.update_folder(folder.uid, title=folder.title, overwrite=True)


def load_model(entry: Entry, source: Path | None) -> dict[str, Any]:
    """The built file when a directory is given (what review saw), else built now."""
    if source is None:
        return dashboard_model(entry)
    path = source / entry.path
    if not path.exists():
        raise PushError(f"{path} is missing: run `kotacerdas dashboards build` first")
    model: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return model


def push_all(
    url: str, token: str, source: Path | None = DEPLOY_DIR, timeout_s: float = DEFAULT_TIMEOUT_S
) -> list[Pushed]:
    api = connect(url, token, timeout_s)
    results: list[Pushed] = []
    for folder in {entry.folder.uid: entry.folder for entry in CATALOGUE}.values():
        ensure_folder(api, folder)
    for entry in CATALOGUE:
        model = load_model(entry, source)
        model.pop("id", None)  # Grafana matches on uid; a stale numeric id would conflict
        body = {
            "dashboard": model,
            "folderUid": entry.folder.uid,
            "overwrite": True,
            "message": "kotacerdas dashboards push",
        }
        with _translated(f"dashboard {entry.uid}"):
            answer = api.dashboard.update_dashboard(body)
        results.append(
            Pushed(
                entry.uid,
                entry.folder.uid,
                str(answer.get("status", "")),
                str(answer.get("url", "")),
            )
        )
    return results
