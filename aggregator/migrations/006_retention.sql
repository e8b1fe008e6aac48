-- 006: retention and compression (DESIGN.md "Storage"; issue 6: raw data kept for a
-- configurable time, default 90 days). `kota_apply_retention(days)` is called by the
-- aggregator's hourly maintenance with KOTA_AGG_RETENTION_DAYS.
--   raw readings, 1-minute rollups, indicators, batch health: `days`
--   1-hour and 1-day rollups: kept (the yearly maturity export reads them)
--   dead letters: 30 days (kota.deadletter.v1 keeps them as long in Kafka)
-- Without TimescaleDB whole daily partitions are dropped; with it, retention policies
-- do the same per chunk, and chunks older than 7 days are compressed by sensor.

CREATE OR REPLACE FUNCTION kota_drop_partitions(parent regclass, keep_from date)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    part record;
    dropped integer := 0;
BEGIN
    FOR part IN
        SELECT c.oid::regclass AS child, c.relname
          FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = parent
    LOOP
        -- partitions are named <parent>_pYYYYMMDD (kota_ensure_partitions)
        IF part.relname ~ '_p[0-9]{8}$'
           AND to_date(right(part.relname, 8), 'YYYYMMDD') < keep_from THEN
            EXECUTE format('DROP TABLE %s', part.child);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    RETURN dropped;
END
$$;

CREATE OR REPLACE FUNCTION kota_apply_retention(days integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    t text;
    removed integer := 0;
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
        ELSE
            removed := removed + kota_drop_partitions(t::regclass, current_date - days);
        END IF;
    END LOOP;
    DELETE FROM dead_letter WHERE received_at < now() - interval '30 days';
    RETURN removed;
END
$$;

ALTER FUNCTION kota_apply_retention(integer) SECURITY DEFINER;
ALTER FUNCTION kota_apply_retention(integer) SET search_path = public, pg_temp;
REVOKE ALL ON FUNCTION kota_apply_retention(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION kota_drop_partitions(regclass, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kota_apply_retention(integer) TO kota_writer;

-- TimescaleDB: compress raw chunks older than 7 days, segmented by sensor (queries are
-- per sensor and time range); the continuous aggregates keep serving the history.
DO $$
DECLARE
    t text;
BEGIN
    IF kota_has_timescale() THEN
        FOREACH t IN ARRAY ARRAY['air_reading', 'traffic_reading', 'waste_reading'] LOOP
            EXECUTE format('ALTER TABLE %I SET (timescaledb.compress, '
                           'timescaledb.compress_segmentby = ''sensor_id'', '
                           'timescaledb.compress_orderby = ''ts'')', t);
            PERFORM add_compression_policy(t::regclass, interval '7 days');
        END LOOP;
    END IF;
END
$$;
