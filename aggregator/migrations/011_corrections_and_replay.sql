-- 011: corrections that replace what they correct, and dead-letter replays (issue 21).
--
-- reading_correction is the audit of every reading replaced by a higher revision, and the
-- memory of each key's current revision (the highest new_revision; no row = revision 0).
-- It is small (corrections are rare) and not partitioned; old_values/new_values are the
-- whole rows as JSON, so what was replaced can always be shown and restored.
CREATE TABLE reading_correction (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain        text NOT NULL,
    sensor_id     text NOT NULL,
    ts            timestamptz NOT NULL,
    msg_id        text,
    old_revision  integer,          -- NULL: nothing was stored yet
    new_revision  integer NOT NULL,
    old_values    jsonb,
    new_values    jsonb NOT NULL,
    corrected_by  text NOT NULL,
    corrected_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reading_correction_key ON reading_correction (domain, sensor_id, ts, new_revision);

-- A correction rewrites the stored row in place.
GRANT UPDATE ON air_reading, traffic_reading, waste_reading TO kota_writer;
GRANT SELECT, INSERT ON reading_correction TO kota_writer;
CREATE VIEW v_reading_correction AS
    SELECT id, domain, sensor_id, ts, msg_id, old_revision, new_revision, old_values,
           new_values, corrected_by, corrected_at
      FROM reading_correction;
GRANT SELECT ON v_reading_correction TO kota_reader;

-- One row per replay attempt of a dead letter (kotacerdas deadletter replay): when, by
-- whom, and with what outcome ('forwarded', 'refused' with the new reason, 'dry_run').
CREATE TABLE dead_letter_replay (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    letter_id    bigint NOT NULL REFERENCES dead_letter (id) ON DELETE CASCADE,
    replayed_at  timestamptz NOT NULL DEFAULT now(),
    replayed_by  text NOT NULL,
    outcome      text NOT NULL CHECK (outcome IN ('forwarded', 'refused')),
    reason       text,
    message      text,
    readings     integer NOT NULL DEFAULT 0
);
CREATE INDEX dead_letter_replay_letter ON dead_letter_replay (letter_id, replayed_at);
GRANT SELECT, INSERT ON dead_letter_replay TO kota_writer;

-- The latest replay of each letter, beside the letter (operators' view).
CREATE VIEW v_dead_letter_replayed AS
    SELECT DISTINCT ON (letter_id) letter_id, replayed_at, replayed_by, outcome, reason,
           message, readings
      FROM dead_letter_replay
     ORDER BY letter_id, replayed_at DESC, id DESC;
GRANT SELECT ON v_dead_letter_replayed TO kota_reader;

-- Alerts about the past (a backfill's windows older than the live limit) are recorded
-- but not notified (aggregator/alerts/publisher.py, is_historical).
ALTER TABLE alert ADD COLUMN historical boolean NOT NULL DEFAULT false;

-- Index values an authority published (e.g. Jakarta's daily ISPU per station: sub-indices
-- per pollutant, their maximum, the critical pollutant and the category), imported by
-- `kotacerdas import --mapping jakarta_ispu` as evidence the export can cite. They are
-- not readings: nothing here feeds rollups or our own indicators. One row per city,
-- station, day and index; re-importing a file replaces its rows.
CREATE TABLE published_index (
    city         text NOT NULL,
    station      text NOT NULL,      -- as published (e.g. "DKI1 (Bunderan HI)")
    day          date NOT NULL,
    index_code   text NOT NULL,      -- "ispu"
    sub_indices  jsonb NOT NULL,     -- pollutant -> published sub-index
    max_value    double precision,
    critical     text,
    category     text,               -- cityscore slug where it maps (baik … berbahaya)
    period       text,               -- as published (periode_data)
    source       text NOT NULL,      -- the dataset, as cited
    source_file  text NOT NULL,
    imported_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (city, station, day, index_code)
);
GRANT SELECT, INSERT, UPDATE ON published_index TO kota_writer;
CREATE VIEW v_published_index AS
    SELECT city, station, day, index_code, sub_indices, max_value, critical, category, period,
           source, source_file, imported_at
      FROM published_index;
GRANT SELECT ON v_published_index TO kota_reader;
