"""The TimescaleDB branch of the migrations runs for real in the integration suite (every
service test runs on both backends); these checks parse it with PostgreSQL's own parser
(libpg_query via pglast) in a second, and keep the pinned release in one place."""

from __future__ import annotations

import re

import pglast

from aggregator.migrate import MIGRATIONS_DIR
from aggregator.rollup_sql import GRAINS, table
from kotacerdas.contract import DOMAINS

ROLLUPS = (MIGRATIONS_DIR / "004_rollups.sql").read_text()


def test_every_migration_parses():
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        assert pglast.parse_sql(path.read_text()), path.name


def test_the_continuous_aggregates_parse_as_timescale_would_receive_them():
    bodies = re.findall(r"\$cagg\$(.*?)\$cagg\$", ROLLUPS, re.S)
    assert len(bodies) == len(DOMAINS) * len(GRAINS)
    for body in bodies:
        # what kota_create_rollup() EXECUTEs on a TimescaleDB server
        statement = (
            "CREATE MATERIALIZED VIEW v WITH (timescaledb.continuous, "
            f"timescaledb.materialized_only = false) AS {body} WITH NO DATA"
        )
        [_parsed] = pglast.parse_sql(statement)
        assert "time_bucket" in body and "GROUP BY" in body


def test_hierarchical_aggregates_read_the_finer_grain():
    bodies = re.findall(r"\$cagg\$(.*?)\$cagg\$", ROLLUPS, re.S)
    for domain in DOMAINS:
        for grain in GRAINS:
            source = f"{domain}_reading" if grain.source is None else table(domain, grain.source)
            assert any(f"FROM {source} r" in b and f"'{grain.interval}'" in b for b in bodies)


def test_the_timescale_function_calls_parse():
    for statement in (
        "SELECT create_hypertable('air_reading'::regclass, 'ts', chunk_time_interval => interval '1 day')",
        "SELECT add_continuous_aggregate_policy('air_rollup_1m'::regclass, start_offset => interval '8 days', end_offset => NULL, schedule_interval => interval '30 seconds')",
    ):
        assert pglast.parse_sql(statement)


def test_the_pinned_timescaledb_release_is_the_same_everywhere():
    from aggregator.migrate import TESTED_PG_MAJOR, TESTED_TIMESCALEDB

    repo = MIGRATIONS_DIR.parents[1]
    compose = (repo / "docker-compose.yml").read_text()
    assert f"timescale/timescaledb:{TESTED_TIMESCALEDB}-pg{TESTED_PG_MAJOR}" in compose
    script = (repo / "deploy" / "postgres" / "timescaledb.sh").read_text()
    assert f"VERSION={TESTED_TIMESCALEDB} " in script and f"PG_MAJOR={TESTED_PG_MAJOR}\n" in script


def test_migrate_names_the_database_and_warns_off_the_tested_release():
    from aggregator.migrate import backend_note

    assert backend_note(150020, None) == "database: PostgreSQL 15"
    assert backend_note(150020, "2.28.3") == "database: PostgreSQL 15, TimescaleDB 2.28.3"
    assert "not the release the tests run" in backend_note(160004, "2.29.2")
    assert "not the release the tests run" in backend_note(150020, "2.27.0")
