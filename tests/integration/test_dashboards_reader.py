"""The role Grafana and `kotacerdas top` use, kota_reader, cannot write anything: not a
table, not a view, not a sequence, not the schema, not even a temporary table."""

from __future__ import annotations

import psycopg
import pytest

WRITES = [
    "INSERT INTO v_city (slug, name, code, province, timezone, area_km2, population, lat, lon)"
    " VALUES ('x', 'x', 'x', 'x', 'UTC', 1, 1, 0, 0)",
    "UPDATE v_indicator_latest SET value = 0",
    "DELETE FROM v_alert",
    "INSERT INTO alert (rule, kind, severity, city, place_key, state, opened_at, "
    "last_seen_at, message) VALUES ('x', 'x', 'info', 'jakarta', 'x', 'open', now(), now(), 'x')",
    "UPDATE indicator_latest SET value = 0",
    "DELETE FROM sensor",
    "TRUNCATE dead_letter",
    "CREATE TABLE kota_reader_was_here (id int)",
    "CREATE TEMPORARY TABLE kota_reader_temp (id int)",
    "CREATE VIEW v_kota_reader AS SELECT 1",
    "SELECT kota_ensure_partitions('air_reading', current_date, current_date + 30)",
    "SELECT setval('alert_id_seq', 1)",
]


@pytest.mark.parametrize("statement", WRITES)
@pytest.mark.parametrize("read_only_default", [True, False], ids=["default", "read-write-session"])
def test_reader_cannot_write(stack, statement, read_only_default):
    """Refused by privileges, not only by the role's read-only default (which a session
    may switch off)."""
    with psycopg.connect(stack.conninfo("reader"), autocommit=True) as conn:
        if not read_only_default:
            conn.execute("SET default_transaction_read_only = off")
        with pytest.raises(
            (psycopg.errors.InsufficientPrivilege, psycopg.errors.ReadOnlySqlTransaction)
        ) as refused:
            conn.execute(statement)
        if not read_only_default:
            assert isinstance(refused.value, psycopg.errors.InsufficientPrivilege)


def test_no_relation_grants_the_reader_anything_but_select(stack):
    with psycopg.connect(stack.conninfo("reader")) as conn:
        writable = conn.execute(
            """SELECT c.relname, c.relkind FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
                  AND has_table_privilege('kota_reader', c.oid,
                          'INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')"""
        ).fetchall()
        sequences = [
            name
            for (name, oid) in conn.execute(
                """SELECT c.relname, c.oid FROM pg_class c
                 JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind = 'S'"""
            ).fetchall()
            if conn.execute(
                "SELECT has_sequence_privilege('kota_reader', %s::oid, 'USAGE, UPDATE')", (oid,)
            ).fetchone()[0]
        ]
        schema_create, temp, create_db = conn.execute(
            "SELECT has_schema_privilege('kota_reader', 'public', 'CREATE'), "
            "has_database_privilege('kota_reader', current_database(), 'TEMPORARY'), "
            "has_database_privilege('kota_reader', current_database(), 'CREATE')"
        ).fetchone()
        readable_tables = conn.execute(
            """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
                  AND has_table_privilege('kota_reader', c.oid, 'SELECT')"""
        ).fetchall()
    assert writable == [] and sequences == []
    assert (schema_create, temp, create_db) == (False, False, False)
    assert readable_tables == []  # views only: the read contract
