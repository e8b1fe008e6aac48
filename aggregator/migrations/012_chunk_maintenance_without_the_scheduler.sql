-- 012: chunk compression that does not depend on TimescaleDB's job scheduler (issue 16).
--
-- Found when the policies of 006 and 009 were first run by the scheduler itself rather
-- than called by hand: with TimescaleDB 2.28.3 on PostgreSQL 15.20 (Debian 12, November
-- 2026) every background job, compression and retention alike, ends with
-- 'cannot drop portal "" while it is being set up' (a check PostgreSQL 15.20 makes when
-- the 2.28.3 job runner drops the portal it created for the job, tsl/src/bgw_policy/job.c).
-- The error comes after the job's work has committed: chunks are compressed and dropped,
-- but every run is recorded as failed and the next one waits on the failure backoff.
-- Retention never depended on the scheduler (the aggregator calls kota_apply_retention,
-- which drops chunks itself); now compression does not either: the aggregator's hourly
-- maintenance calls kota_apply_compression, and reports failing policies once. The
-- policies stay, for when no aggregator runs; both compress the same chunks (range_end
-- older than 7 days), so whichever comes first does the work.
CREATE FUNCTION kota_apply_compression(days integer DEFAULT 7) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    chunk regclass;
    compressed integer := 0;
BEGIN
    IF NOT kota_has_timescale() THEN
        RETURN 0;  -- plain PostgreSQL: daily partitions stay as they are
    END IF;
    FOR chunk IN
        SELECT format('%I.%I', chunk_schema, chunk_name)::regclass
          FROM timescaledb_information.chunks
         WHERE hypertable_name IN ('air_reading', 'traffic_reading', 'waste_reading')
           AND NOT is_compressed
           AND range_end <= now() - make_interval(days => days)
         ORDER BY range_start
    LOOP
        PERFORM compress_chunk(chunk, if_not_compressed => true);
        compressed := compressed + 1;
    END LOOP;
    RETURN compressed;
END
$$;
REVOKE ALL ON FUNCTION kota_apply_compression(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kota_apply_compression(integer) TO kota_writer;

-- What the scheduler last did with kotacerdas' own policies, for the aggregator to report
-- a failing one (the writer cannot read other roles' job statistics).
CREATE FUNCTION kota_failed_policies()
RETURNS TABLE (job_id integer, proc_name text, hypertable text, error text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT kota_has_timescale() THEN
        RETURN;
    END IF;
    RETURN QUERY
        SELECT j.job_id, j.proc_name::text, j.hypertable_name::text,
               (SELECT e.err_message FROM timescaledb_information.job_errors e
                 WHERE e.job_id = j.job_id ORDER BY e.start_time DESC LIMIT 1)
          FROM timescaledb_information.jobs j
          JOIN timescaledb_information.job_stats s USING (job_id)
         WHERE j.owner::text = current_user  -- the schema owner's policies (SECURITY DEFINER)
           AND s.last_run_status = 'Failed'
         ORDER BY j.job_id;
END
$$;
REVOKE ALL ON FUNCTION kota_failed_policies() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kota_failed_policies() TO kota_writer;
