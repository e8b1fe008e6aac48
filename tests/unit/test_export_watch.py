"""`export --watch`: a signal ends the wait or the pass in progress at once, exit 0."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from kota_testing.processes import wait_for

from kotacerdas.export import runner
from kotacerdas.export.runner import ExportRequest
from kotacerdas.shutdown import Shutdown, stop_on_signals


def request(out: Path) -> ExportRequest:
    return ExportRequest(
        cities=None,
        period=None,
        schedule="month",
        now=datetime(2026, 11, 1, tzinfo=UTC),
        formats=("json",),
        out_dir=out,
    )


def watch(tmp_path: Path, said: list[str]) -> tuple[int, float]:
    began = time.monotonic()
    with stop_on_signals(Shutdown(say=said.append)):
        code = runner.watch(request(tmp_path), "", 3600, said.append)
    return code, time.monotonic() - began


def test_sigterm_during_the_wait_between_passes_stops_the_watch(monkeypatch, tmp_path):
    passes: list[datetime] = []
    monkeypatch.setattr(runner, "run", lambda req, *_: passes.append(req.now) or [])

    def signal_after_the_first_pass() -> None:
        wait_for(lambda: len(passes) == 1, 10, "the first pass")
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=signal_after_the_first_pass, daemon=True).start()
    said: list[str] = []
    code, took = watch(tmp_path, said)
    assert code == 0 and len(passes) == 1 and took < 10  # not the 3600 s interval
    assert said == ["SIGTERM: stopping (a second signal forces)", "export watch stopped"]


def test_sigterm_during_a_pass_stops_it_there(monkeypatch, tmp_path):
    def busy_pass(req: ExportRequest, conninfo: str, say) -> list:
        signal.raise_signal(signal.SIGTERM)
        raise AssertionError("the pass went on after SIGTERM")

    monkeypatch.setattr(runner, "run", busy_pass)
    said: list[str] = []
    assert watch(tmp_path, said)[0] == 0
    assert said[-1] == "export watch stopped"
