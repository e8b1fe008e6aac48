"""Session fixtures: a real Mosquitto, Kafka and PostgreSQL for the tests that need them.

Tests under integration/, e2e/ and chaos/ are marked automatically; unit tests never
start a service. The stack is started once per database backend (about 10–15 s) on
free loopback ports, migrated and loaded with the pilot-city registry: every test that
uses it runs twice, on plain PostgreSQL and on TimescaleDB (the production database).
Without an installed TimescaleDB the second half is skipped with the reason; in CI,
where the vendored source archive is present, it must run, so it fails instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kota_testing.services import ServiceProcess
from kota_testing.stack import TestStack, start_test_stack, stop_test_stack

TEST_CITIES = Path(__file__).with_name("data") / "cities"
BACKENDS = ("postgres", "timescaledb")
# `bash deploy/local/run.sh test` builds TimescaleDB from this archive when it is present.
VENDORED_TIMESCALEDB = Path(__file__).resolve().parents[2] / "shared" / "vendor"
_SERVICE_DIRS = {"integration": "integration", "e2e": "e2e", "chaos": "chaos"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        for folder, marker in _SERVICE_DIRS.items():
            if folder in parts:
                item.add_marker(getattr(pytest.mark, marker))


def _backends() -> list[str]:
    """KOTA_TEST_DB_BACKENDS=postgres (comma-separated) narrows the run while developing;
    a reused stack (KOTA_TEST_REUSE_STACK) has the one backend it was made with."""
    chosen = os.environ.get("KOTA_TEST_DB_BACKENDS")
    if not chosen:
        return list(BACKENDS)
    names = [name.strip() for name in chosen.split(",") if name.strip()]
    unknown = set(names) - set(BACKENDS)
    if unknown:
        raise pytest.UsageError(f"KOTA_TEST_DB_BACKENDS: unknown backend(s) {sorted(unknown)}")
    return names


@pytest.fixture(scope="session", params=_backends())
def db_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    if os.environ.get("KOTA_TEST_REUSE_STACK"):
        from kotacerdas.stack.manager import LocalStack
        from kotacerdas.stack.settings import StackSettings

        state = Path(os.environ.get("KOTA_STATE_DIR", ".kota")).resolve()
        reused = LocalStack(StackSettings(state_dir=state)).db_backend()
        if reused != backend:
            pytest.skip(f"the reused stack (KOTA_TEST_REUSE_STACK) runs {reused}")
        return backend
    if backend == "timescaledb":
        from kotacerdas.stack.postgres import timescaledb_installed
        from kotacerdas.stack.prereq import find_tools

        if not timescaledb_installed(find_tools(install=False).pg_bin):
            reason = (
                "TimescaleDB is not installed for this PostgreSQL (bash "
                "deploy/postgres/timescaledb.sh installs it from a source archive)"
            )
            if os.environ.get("CI") == "true" and any(VENDORED_TIMESCALEDB.glob("timescale*")):
                pytest.fail(f"{reason}, yet CI has the archive in {VENDORED_TIMESCALEDB}")
            pytest.skip(reason)
    return backend


@pytest.fixture(scope="session")
def stack(db_backend: str) -> Iterator[TestStack]:
    from aggregator.migrate import apply
    from kotacerdas.registry import load_registry
    from kotacerdas.registry_store import load_into_database

    saved = dict(os.environ)
    # Test-only cities (tests/data/cities) beside the pilot ones: the broker's password
    # file, the registry in the database and every service of the session know them.
    os.environ["KOTA_REGISTRY_DIR"] = str(TEST_CITIES)
    started = start_test_stack(db_backend)  # type: ignore[arg-type]
    started.env["KOTA_REGISTRY_DIR"] = str(TEST_CITIES)
    # Settings objects built inside the test process read the same values as the
    # service processes (environment first; no developer .kota/stack.env leaks in).
    os.environ.update(started.env)
    os.environ["KOTA_ENV"] = "test"
    try:
        apply(started.conninfo("owner"))
        load_into_database(load_registry(TEST_CITIES), started.conninfo("writer"))
        yield started
    finally:
        os.environ.clear()
        os.environ.update(saved)
        stop_test_stack(started)


@pytest.fixture(scope="session")
def across_backends() -> dict[str, dict[str, object]]:
    """What a test saw on each backend (name -> backend -> value), kept for the whole
    session so the run on the second backend can compare with the first."""
    return {}


@pytest.fixture
def isolated_env(stack: TestStack) -> dict[str, str]:
    """Settings for one test's services: own topics, consumer group, MQTT group/client."""
    tag = uuid.uuid4().hex[:8]
    return {
        **stack.env,
        "KOTA_ENV": "test",
        "KOTA_KAFKA_TOPIC_PREFIX": f"t{tag}",
        "KOTA_AGG_GROUP_ID": f"kota-aggregator-{tag}",
        "KOTA_INGEST_SHARED_GROUP": f"kota-ingest-{tag}",
        "KOTA_INGEST_CLIENT_ID": f"kota-ingest-{tag}",
        # Sessions of stopped test bridges must not pile up queued messages in the broker.
        "KOTA_INGEST_SESSION_EXPIRY_S": "120",
        "KOTA_INGEST_LOG_LEVEL": "INFO",
    }


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Callable[..., ServiceProcess]]:
    """Start service processes; each is stopped (SIGTERM, then SIGKILL) after the test."""
    started: list[ServiceProcess] = []

    def start(
        command: str, env: dict[str, str], *args: str, wait_ready: bool = True
    ) -> ServiceProcess:
        service = ServiceProcess(command, env, tmp_path, *args)
        started.append(service)
        return service.start(wait_ready=wait_ready)

    yield start
    for service in started:
        try:
            service.stop()
        except Exception:
            service.kill()


@pytest.fixture
def topics(isolated_env: dict[str, str]) -> dict[str, str]:
    """Create the test's own Kafka topics."""
    import asyncio

    from kotacerdas.settings import KafkaSettings
    from kotacerdas.topics import ensure_topics

    settings = KafkaSettings(
        bootstrap=isolated_env["KOTA_KAFKA_BOOTSTRAP"],
        topic_prefix=isolated_env["KOTA_KAFKA_TOPIC_PREFIX"],
        partitions=int(isolated_env.get("KOTA_KAFKA_PARTITIONS", "6")),
    )
    asyncio.run(ensure_topics(settings))
    return isolated_env
