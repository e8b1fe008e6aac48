-- 010: find the readings stored in the last seconds (`kotacerdas top`, readings/s per city).
--
-- Those rows are picked by ingested_at, the clock of "now": event times say nothing
-- about when a reading arrived (a replay, a gateway's buffer), so the ts index cannot
-- find them, and without an index every frame scanned a week of raw readings.
-- Rows only ever append, so within each daily partition (TimescaleDB: 1-day chunk) the
-- heap is in ingest order and a BRIN index of ingested_at ranges says which few pages
-- hold the last seconds. It costs the batch writes next to nothing (one summary per
-- range of pages, kept current as ranges fill by autosummarize), unlike a B-tree entry
-- per row. The same statement works on both backends: on a partitioned table or a
-- hypertable it creates the index on every partition or chunk, and on future ones.
CREATE INDEX air_reading_ingested_at ON air_reading
    USING brin (ingested_at) WITH (pages_per_range = 32, autosummarize = on);
CREATE INDEX traffic_reading_ingested_at ON traffic_reading
    USING brin (ingested_at) WITH (pages_per_range = 32, autosummarize = on);
CREATE INDEX waste_reading_ingested_at ON waste_reading
    USING brin (ingested_at) WITH (pages_per_range = 32, autosummarize = on);
