-- 009: one rollup and indicator path on both backends (issue 16).
--
-- Under TimescaleDB, 004 made the rollups continuous aggregates and the aggregator's
-- rollup job stood aside; but that job is also what advances each sensor's progress
-- and queues indicator work, so on TimescaleDB no indicator or alert was ever
-- computed. Continuous aggregates are also not proven equal to raw after late data on
-- 2.28.3 (upstream fix #10221, a refresh skipping the last bucket, is in 2.29 only).
-- Now the rollups are the same tables on both backends, maintained by the same job:
-- hypertables with 1-day chunks on TimescaleDB, daily partitions without it.
--
-- On TimescaleDB this converts each continuous aggregate into a hypertable with the
-- same columns, keeping what the aggregates held (1 h and 1 d rows outlive the raw
-- data), and queues every stored minute for the rollup job, which recomputes it from
-- raw. Plain PostgreSQL is unchanged, except the shared retention function below.
DO $$
DECLARE
    domain text;
    grain text;
    name text;
    read_view text;
BEGIN
    IF NOT kota_has_timescale() THEN
        RETURN;
    END IF;
    -- The read views (005) depend on the aggregates: drop them, recreate them below.
    FOREACH domain IN ARRAY ARRAY['air', 'traffic', 'waste'] LOOP
        FOREACH grain IN ARRAY ARRAY['1m', '1h', '1d'] LOOP
            EXECUTE format('DROP VIEW IF EXISTS %I', format('v_%s_%s', domain, grain));
        END LOOP;
    END LOOP;
    FOREACH domain IN ARRAY ARRAY['air', 'traffic', 'waste'] LOOP
        -- finest first: the copy of a coarser aggregate reads the finer one
        FOREACH grain IN ARRAY ARRAY['1m', '1h', '1d'] LOOP
            name := format('%s_rollup_%s', domain, grain);
            CONTINUE WHEN NOT EXISTS (
                SELECT FROM timescaledb_information.continuous_aggregates
                 WHERE view_name = name);
            EXECUTE format('CREATE TABLE %I (LIKE %I)', name || '_table', name);
            EXECUTE format('INSERT INTO %I SELECT * FROM %I', name || '_table', name);
        END LOOP;
        -- coarsest first: an aggregate cannot be dropped while another is built on it
        FOREACH grain IN ARRAY ARRAY['1d', '1h', '1m'] LOOP
            name := format('%s_rollup_%s', domain, grain);
            CONTINUE WHEN to_regclass(name || '_table') IS NULL;
            EXECUTE format('DROP MATERIALIZED VIEW %I', name);
            EXECUTE format('ALTER TABLE %I RENAME TO %I', name || '_table', name);
            EXECUTE format('ALTER TABLE %I ALTER COLUMN sensor_id SET NOT NULL, '
                           'ALTER COLUMN ts SET NOT NULL, ALTER COLUMN city SET NOT NULL, '
                           'ALTER COLUMN samples SET NOT NULL, '
                           'ADD PRIMARY KEY (sensor_id, ts)', name);
            PERFORM create_hypertable(name::regclass, 'ts',
                                      chunk_time_interval => interval '1 day',
                                      migrate_data => true);
            EXECUTE format('GRANT SELECT, INSERT, UPDATE ON %I TO kota_writer', name);
        END LOOP;
        -- the rollup job recomputes every stored minute from raw, as for late data
        EXECUTE format(
            'INSERT INTO rollup_dirty (domain, sensor_id, bucket) '
            'SELECT DISTINCT %L, sensor_id, date_trunc(''minute'', ts) FROM %I '
            'ON CONFLICT DO NOTHING', domain, domain || '_reading');
        FOREACH grain IN ARRAY ARRAY['1m', '1h', '1d'] LOOP
            read_view := format('v_%s_%s', domain, grain);
            EXECUTE format('CREATE VIEW %I AS SELECT r.*, s.district FROM %I r '
                           'JOIN sensor s USING (sensor_id)',
                           read_view, format('%s_rollup_%s', domain, grain));
            EXECUTE format('GRANT SELECT ON %I TO kota_reader', read_view);
        END LOOP;
    END LOOP;
END
$$;

-- Retention drops whole days older than (today - days) in UTC on both backends: daily
-- partitions, or TimescaleDB's 1-day chunks with drop_chunks. The aggregator's
-- `too_late` horizon is the same day boundary (aggregator/batch.py retention_horizon),
-- so no accepted reading lands in a day that retention has already dropped. On
-- TimescaleDB a retention policy with the same interval also runs when no aggregator
-- does (whole chunks only, so it drops exactly the same days).
-- (OR REPLACE resets the function's attributes: SECURITY DEFINER and search_path are
-- given again; its grants stay.)
CREATE OR REPLACE FUNCTION kota_apply_retention(days integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    t text;
    removed integer := 0;
    keep_from date := (now() AT TIME ZONE 'UTC')::date - days;
    bounded text[] := ARRAY['air_reading', 'traffic_reading', 'waste_reading',
                            'air_rollup_1m', 'traffic_rollup_1m', 'waste_rollup_1m',
                            'indicator', 'pipeline_batch'];
BEGIN
    IF days < 1 THEN
        RAISE EXCEPTION 'retention must be at least one day, got %', days;
    END IF;
    FOREACH t IN ARRAY bounded LOOP
        IF kota_has_timescale() THEN
            PERFORM remove_retention_policy(t::regclass, if_exists => true);
            PERFORM add_retention_policy(t::regclass, make_interval(days => days));
            removed := removed + (SELECT count(*) FROM drop_chunks(
                t::regclass, older_than => keep_from::timestamp AT TIME ZONE 'UTC'));
        ELSE
            removed := removed + kota_drop_partitions(t::regclass, keep_from);
        END IF;
    END LOOP;
    DELETE FROM dead_letter WHERE received_at < now() - interval '30 days';
    RETURN removed;
END
$$;
