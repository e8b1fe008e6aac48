-- kotacerdas database bootstrap, run by a superuser with psql (15+) -f bootstrap.sql.
-- Passwords come from the environment (never the command line, where `ps` shows them):
--   KOTA_OWNER_DB_PASSWORD, KOTA_DB_PASSWORD (writer), KOTA_READER_DB_PASSWORD.
-- Used by the native stack (`kotacerdas stack up`) and by docker-compose (the TimescaleDB
-- image runs it from /docker-entrypoint-initdb.d through bootstrap.sh). Idempotent.
--
-- Roles (least privilege, DESIGN.md "Storage"):
--   kota_owner   owns the schema; `kotacerdas migrate` runs as it. Not a superuser.
--   kota_writer  the aggregator: writes readings, rollups, indicators, alerts.
--   kota_reader  Grafana, the exporter, `kotacerdas top`: SELECT on views only.
\set ON_ERROR_STOP on
\getenv owner_password KOTA_OWNER_DB_PASSWORD
\getenv writer_password KOTA_DB_PASSWORD
\getenv reader_password KOTA_READER_DB_PASSWORD

SELECT format('CREATE ROLE %I LOGIN', r)
  FROM unnest(ARRAY['kota_owner', 'kota_writer', 'kota_reader']) AS r
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r)
\gexec

ALTER ROLE kota_owner  WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'owner_password';
ALTER ROLE kota_writer WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'writer_password';
ALTER ROLE kota_reader WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'reader_password';
-- The writer and reader can never change the schema, whatever a migration forgets.
ALTER ROLE kota_reader SET default_transaction_read_only = on;

SELECT 'CREATE DATABASE kota OWNER kota_owner ENCODING ''UTF8'' TEMPLATE template0'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'kota')
\gexec

\connect kota
REVOKE ALL ON DATABASE kota FROM PUBLIC;
GRANT CONNECT ON DATABASE kota TO kota_writer, kota_reader;
-- The writer stages each batch in a temporary table (COPY, then INSERT … ON CONFLICT).
GRANT TEMPORARY ON DATABASE kota TO kota_writer;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- TimescaleDB, before any migration: the native stack says whether it wants it
-- (psql -v with_timescaledb=on|off); otherwise (docker-compose) where the server has it
-- preloaded, as the TimescaleDB image does. Installed but not preloaded: left out, since
-- CREATE EXTENSION would fail ("extension timescaledb must be preloaded").
\if :{?with_timescaledb}
\else
SELECT EXISTS (SELECT FROM pg_available_extensions WHERE name = 'timescaledb')
       AND current_setting('shared_preload_libraries') ~ '(^|[ ,])timescaledb($|[ ,])'
       AS with_timescaledb
\gset
\endif
\if :with_timescaledb
CREATE EXTENSION IF NOT EXISTS timescaledb;
\endif
