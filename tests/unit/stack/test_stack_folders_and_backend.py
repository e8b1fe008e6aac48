"""Where the stack's services keep their files, and which database backend it runs."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from kotacerdas.stack import folders, postgres
from kotacerdas.stack.procs import ServiceError
from kotacerdas.stack.settings import StackSettings


def test_a_folder_only_its_owner_may_enter_is_not_reachable() -> None:
    # not under pytest's tmp_path: that one is private to its user itself
    base = Path(tempfile.mkdtemp())
    try:
        base.chmod(0o755)
        private = base / "private"
        private.mkdir(mode=0o700)
        private.chmod(0o700)
        assert not folders.reachable_by_others(private / "repo" / ".kota")
        assert folders.reachable_by_others(base / "open" / "not-yet-created")
    finally:
        shutil.rmtree(base)


def test_as_root_services_leave_an_unreachable_state_folder(tmp_path, monkeypatch) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    monkeypatch.setattr(folders.os, "geteuid", lambda: 0)
    root = folders.service_root(private / ".kota")
    assert root.parent == folders.SERVICE_HOME
    assert root == folders.service_root(private / ".kota")  # stable: the stack finds it
    assert root != folders.service_root(private / "other" / ".kota")


def test_a_normal_user_keeps_everything_in_the_state_folder(tmp_path, monkeypatch) -> None:
    state = tmp_path / "private" / ".kota"
    monkeypatch.setattr(folders.os, "geteuid", lambda: 1000)
    assert folders.service_root(state) == state


@pytest.fixture
def pg(tmp_path: Path) -> postgres.PgPaths:
    paths = postgres.PgPaths(tmp_path / "postgres")
    paths.root.mkdir()
    return paths


def installed(monkeypatch, yes: bool) -> None:
    monkeypatch.setattr(postgres, "timescaledb_installed", lambda _bin: yes)


def test_auto_takes_timescaledb_when_installed(pg, monkeypatch) -> None:
    installed(monkeypatch, True)
    assert postgres.resolve_backend("auto", Path("/pg/bin"), pg) == "timescaledb"
    installed(monkeypatch, False)
    assert postgres.resolve_backend("auto", Path("/pg/bin"), pg) == "postgres"


def test_an_existing_cluster_keeps_the_backend_it_was_made_with(pg, monkeypatch) -> None:
    pg.backend_file.write_text("postgres\n")
    installed(monkeypatch, True)
    assert postgres.resolve_backend("auto", Path("/pg/bin"), pg) == "postgres"
    with pytest.raises(ServiceError, match=r"KOTA_DB_BACKEND=timescaledb.*created for postgres"):
        postgres.resolve_backend("timescaledb", Path("/pg/bin"), pg)


def test_timescaledb_asked_for_but_missing_names_the_setting(pg, monkeypatch) -> None:
    installed(monkeypatch, False)
    with pytest.raises(ServiceError, match=r"KOTA_DB_BACKEND=timescaledb.*not installed"):
        postgres.resolve_backend("timescaledb", Path("/pg/bin"), pg)
    assert postgres.resolve_backend("postgres", Path("/pg/bin"), pg) == "postgres"


def test_timescaledb_is_preloaded_and_plain_postgres_is_not() -> None:
    with_it = postgres.server_options("127.0.0.1", 5432, Path("/s"), "timescaledb")
    without = postgres.server_options("127.0.0.1", 5432, Path("/s"), "postgres")
    assert "shared_preload_libraries=timescaledb" in with_it
    assert "timescaledb.telemetry_level=off" in with_it
    assert "timescaledb" not in without


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "auto"),
        ({"KOTA_DB_BACKEND": "timescaledb"}, "timescaledb"),
        ({"KOTA_STACK_DB_BACKEND": "postgres"}, "postgres"),
    ],
)
def test_the_backend_setting_reads_both_names(monkeypatch, env, expected) -> None:
    for name in ("KOTA_DB_BACKEND", "KOTA_STACK_DB_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert StackSettings().db_backend == expected


def test_a_bad_backend_setting_is_refused(monkeypatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("KOTA_DB_BACKEND", "mysql")
    with pytest.raises(ValidationError, match=r"db_backend|KOTA_DB_BACKEND"):
        StackSettings()


def test_the_broker_config_names_only_files_in_its_own_folder(tmp_path) -> None:
    from kotacerdas.stack.mosquitto import MosquittoPaths, copy_shared_config, render_config
    from kotacerdas.stack.settings import DEPLOY_DIR

    paths = MosquittoPaths(tmp_path)
    copy_shared_config(paths)
    text = render_config(paths, "127.0.0.1", 1883)
    for line in text.splitlines():
        if line.split()[0] in (
            "persistence_location",
            "password_file",
            "acl_file",
            "log_dest",
            "include_dir",
        ):
            assert str(tmp_path) in line, line
    assert paths.acl.read_text() == (DEPLOY_DIR / "mosquitto" / "acl").read_text()
    assert (paths.conf_d / "kota.conf").read_text() == (
        DEPLOY_DIR / "mosquitto" / "conf.d" / "kota.conf"
    ).read_text()
