-- 005: live indicators, alerts, pipeline health, and the rollup read views.

-- Indicators: one row per place, code and window. `district` and `sensor_id` are '' at
-- coarser scopes (a key column cannot be NULL); the views turn '' back into NULL.
SELECT kota_create_time_table('indicator', $cols$
    city        text NOT NULL,
    district    text NOT NULL DEFAULT '',
    sensor_id   text NOT NULL DEFAULT '',
    code        text NOT NULL,
    ts          timestamptz NOT NULL,
    window_s    integer NOT NULL CHECK (window_s > 0),
    value       double precision,
    category    text,
    coverage    double precision CHECK (coverage BETWEEN 0 AND 1),
    detail      jsonb NOT NULL DEFAULT '{}',
    computed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (city, district, sensor_id, code, ts, window_s)
$cols$);
SELECT kota_ensure_partitions('indicator', current_date - 2, current_date + 7);
CREATE INDEX indicator_code_ts ON indicator (code, ts);

-- The newest value per place and code, kept by the indicator job (cheap to read).
CREATE TABLE indicator_latest (
    city        text NOT NULL,
    district    text NOT NULL DEFAULT '',
    sensor_id   text NOT NULL DEFAULT '',
    code        text NOT NULL,
    ts          timestamptz NOT NULL,
    window_s    integer NOT NULL,
    value       double precision,
    category    text,
    coverage    double precision,
    detail      jsonb NOT NULL DEFAULT '{}',
    computed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (city, district, sensor_id, code)
);

-- 5-minute windows whose rollups changed (the rollup job adds, the indicator job takes);
-- windows that were already final are recomputed from them (late data).
CREATE TABLE indicator_dirty (
    city         text NOT NULL,
    window_start timestamptz NOT NULL,
    PRIMARY KEY (city, window_start)
);

-- Alerts: at most one open alert per rule and place (partial unique index); history
-- stays as closed rows.
CREATE TABLE alert (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    rule            text NOT NULL,
    kind            text NOT NULL,
    severity        text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    city            text NOT NULL,
    district        text,
    sensor_id       text,
    place_key       text NOT NULL,
    state           text NOT NULL CHECK (state IN ('open', 'closed')),
    opened_at       timestamptz NOT NULL,
    last_seen_at    timestamptz NOT NULL,
    closed_at       timestamptz,
    close_reason    text CHECK (close_reason IN ('cleared', 'revised', 'expired', 'silent')),
    value           double precision,
    peak            double precision,
    open_threshold  double precision,
    close_threshold double precision,
    message         text NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX alert_one_open ON alert (rule, place_key) WHERE state = 'open';
CREATE INDEX alert_city_opened ON alert (city, opened_at);

-- Webhook deliveries of alert events; undeliverable ones stay here as dead letters.
CREATE TABLE alert_notification (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id    bigint NOT NULL REFERENCES alert (id),
    event       text NOT NULL,
    target      text NOT NULL,
    state       text NOT NULL CHECK (state IN ('delivered', 'failed')),
    attempts    integer NOT NULL,
    last_error  text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Event-time progress per Kafka partition (the watermark trails the newest event time
-- by the allowed lateness).
CREATE TABLE stream_watermark (
    topic       text NOT NULL,
    partition   integer NOT NULL,
    newest_ts   timestamptz NOT NULL,
    watermark   timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition)
);

-- One row per committed batch: the pipeline's own health, for Grafana and `top`.
SELECT kota_create_time_table('pipeline_batch', $cols$
    ts              timestamptz NOT NULL DEFAULT now(),
    consumer        text NOT NULL,
    records         integer NOT NULL,
    air             integer NOT NULL,
    traffic         integer NOT NULL,
    waste           integer NOT NULL,
    duplicates      integer NOT NULL,
    letters         integer NOT NULL,
    lag             bigint NOT NULL,
    latency_p50_s   double precision,
    latency_p99_s   double precision,
    write_s         double precision NOT NULL
$cols$);
SELECT kota_ensure_partitions('pipeline_batch', current_date - 2, current_date + 7);

-- Last event time seen per sensor (kept by the rollup job), for silent-sensor alerts.
CREATE TABLE sensor_state (
    sensor_id   text PRIMARY KEY,
    last_ts     timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT, UPDATE ON indicator, indicator_latest, alert, alert_notification,
    stream_watermark, pipeline_batch, sensor_state TO kota_writer;
GRANT SELECT, INSERT, UPDATE, DELETE ON indicator_dirty TO kota_writer;
-- A recomputed window replaces its rows (late data), so the writer may delete them.
GRANT DELETE ON indicator, indicator_latest TO kota_writer;

-- ---------------------------------------------------------------------------------
-- Read views (the contract for Grafana, the exporter and `kotacerdas top`).
CREATE VIEW v_indicator AS
    SELECT city, NULLIF(district, '') AS district, NULLIF(sensor_id, '') AS sensor_id, code,
           ts AS window_start, window_s, value, category, coverage, detail, computed_at
      FROM indicator;

CREATE VIEW v_indicator_latest AS
    SELECT city, NULLIF(district, '') AS district, NULLIF(sensor_id, '') AS sensor_id, code,
           ts AS window_start, window_s, value, category, coverage, detail, computed_at
      FROM indicator_latest;

CREATE VIEW v_alert AS
    SELECT id, rule, kind, severity, city, district, sensor_id, state, opened_at,
           last_seen_at, closed_at, close_reason, value, peak, open_threshold,
           close_threshold, message, updated_at
      FROM alert;

CREATE VIEW v_alert_open AS SELECT * FROM v_alert WHERE state = 'open';

CREATE VIEW v_watermark AS
    SELECT topic, partition, newest_ts, watermark, updated_at FROM stream_watermark;

CREATE VIEW v_pipeline_batch AS
    SELECT ts, consumer, records, air, traffic, waste, duplicates, letters, lag,
           latency_p50_s, latency_p99_s, write_s
      FROM pipeline_batch;

CREATE VIEW v_sensor_health AS
    SELECT s.sensor_id, s.city, s.district, s.domain, s.interval_s, st.last_ts,
           now() - st.last_ts AS silent_for,
           (st.last_ts IS NULL OR now() - st.last_ts > 3 * s.interval_s * interval '1 second')
               AS silent
      FROM sensor s
      LEFT JOIN sensor_state st USING (sensor_id)
     WHERE s.active;

CREATE VIEW v_air_1m AS SELECT r.*, s.district FROM air_rollup_1m r JOIN sensor s USING (sensor_id);
CREATE VIEW v_air_1h AS SELECT r.*, s.district FROM air_rollup_1h r JOIN sensor s USING (sensor_id);
CREATE VIEW v_air_1d AS SELECT r.*, s.district FROM air_rollup_1d r JOIN sensor s USING (sensor_id);
CREATE VIEW v_traffic_1m AS
    SELECT r.*, s.district FROM traffic_rollup_1m r JOIN sensor s USING (sensor_id);
CREATE VIEW v_traffic_1h AS
    SELECT r.*, s.district FROM traffic_rollup_1h r JOIN sensor s USING (sensor_id);
CREATE VIEW v_traffic_1d AS
    SELECT r.*, s.district FROM traffic_rollup_1d r JOIN sensor s USING (sensor_id);
CREATE VIEW v_waste_1m AS
    SELECT r.*, s.district FROM waste_rollup_1m r JOIN sensor s USING (sensor_id);
CREATE VIEW v_waste_1h AS
    SELECT r.*, s.district FROM waste_rollup_1h r JOIN sensor s USING (sensor_id);
CREATE VIEW v_waste_1d AS
    SELECT r.*, s.district FROM waste_rollup_1d r JOIN sensor s USING (sensor_id);

GRANT SELECT ON v_indicator, v_indicator_latest, v_alert, v_alert_open, v_watermark,
    v_pipeline_batch, v_sensor_health, v_air_1m, v_air_1h, v_air_1d, v_traffic_1m,
    v_traffic_1h, v_traffic_1d, v_waste_1m, v_waste_1h, v_waste_1d TO kota_reader;
