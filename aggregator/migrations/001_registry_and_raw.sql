-- 001: registry tables and the raw reading tables (DESIGN.md "Storage").
-- Runs as kota_owner. With TimescaleDB the raw tables are hypertables (1-day chunks);
-- without it they are natively partitioned by day, with partitions created ahead by
-- kota_ensure_partitions() (called by migrate, by the aggregator, and on demand).

CREATE OR REPLACE FUNCTION kota_has_timescale() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'timescaledb')
$$;

CREATE TABLE city (
    slug        text PRIMARY KEY,
    name        text NOT NULL,
    code        text NOT NULL UNIQUE,
    province    text NOT NULL,
    timezone    text NOT NULL,
    area_km2    double precision NOT NULL CHECK (area_km2 > 0),
    population  bigint NOT NULL CHECK (population >= 0),
    lat         double precision NOT NULL,
    lon         double precision NOT NULL,
    sources     text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE district (
    city        text NOT NULL REFERENCES city (slug) ON DELETE CASCADE,
    slug        text NOT NULL,
    name        text NOT NULL,
    area_km2    double precision NOT NULL CHECK (area_km2 > 0),
    population  bigint NOT NULL CHECK (population >= 0),
    lat         double precision NOT NULL,
    lon         double precision NOT NULL,
    land_use    text NOT NULL,
    PRIMARY KEY (city, slug)
);

CREATE TABLE sensor (
    sensor_id       text PRIMARY KEY,
    city            text NOT NULL REFERENCES city (slug) ON DELETE CASCADE,
    district        text NOT NULL,
    domain          text NOT NULL CHECK (domain IN ('air', 'traffic', 'waste')),
    lat             double precision NOT NULL,
    lon             double precision NOT NULL,
    interval_s      integer NOT NULL CHECK (interval_s > 0),
    street          text,
    road_class      text,
    lanes           integer,
    capacity_pcu_h  double precision,
    free_flow_kmh   double precision,
    length_km       double precision,
    capacity_l      double precision,
    active          boolean NOT NULL DEFAULT true,
    FOREIGN KEY (city, district) REFERENCES district (city, slug) ON DELETE CASCADE
);
CREATE INDEX sensor_city_domain ON sensor (city, domain);

-- A time-partitioned table: a hypertable (1-day chunks) under TimescaleDB, else a
-- table partitioned by range of ts (daily partitions from kota_ensure_partitions).
CREATE OR REPLACE FUNCTION kota_create_time_table(name text, columns text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF kota_has_timescale() THEN
        EXECUTE format('CREATE TABLE %I (%s)', name, columns);
        PERFORM create_hypertable(name::regclass, 'ts', chunk_time_interval => interval '1 day');
    ELSE
        EXECUTE format('CREATE TABLE %I (%s) PARTITION BY RANGE (ts)', name, columns);
    END IF;
END
$$;

-- Raw readings: one wide row per (sensor_id, ts); metrics a sensor did not send are NULL.
-- msg_id is kept for lineage and duplicate accounting; the natural key is (sensor_id, ts).
SELECT kota_create_time_table('air_reading', $cols$
    sensor_id     text NOT NULL,
    ts            timestamptz NOT NULL,
    msg_id        text NOT NULL,
    city          text NOT NULL,
    seq           bigint,
    pm25          double precision,
    pm10          double precision,
    no2           double precision,
    so2           double precision,
    o3            double precision,
    co            double precision,
    hc            double precision,
    temperature   double precision,
    humidity      double precision,
    noise         double precision,
    source_format text NOT NULL,
    ingested_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sensor_id, ts)
$cols$);

SELECT kota_create_time_table('traffic_reading', $cols$
    sensor_id      text NOT NULL,
    ts             timestamptz NOT NULL,
    msg_id         text NOT NULL,
    city           text NOT NULL,
    seq            bigint,
    interval_s     integer,
    vehicle_count  double precision,
    avg_speed_kmh  double precision,
    occupancy      double precision,
    speeding_count double precision,
    source_format  text NOT NULL,
    ingested_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sensor_id, ts)
$cols$);

SELECT kota_create_time_table('waste_reading', $cols$
    sensor_id     text NOT NULL,
    ts            timestamptz NOT NULL,
    msg_id        text NOT NULL,
    city          text NOT NULL,
    seq           bigint,
    fill_level    double precision,
    temperature   double precision,
    weight_kg     double precision,
    lid_open      double precision,
    source_format text NOT NULL,
    ingested_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sensor_id, ts)
$cols$);

-- Daily partitions [day, day + 1) named <table>_pYYYYMMDD, created ahead of time.
CREATE OR REPLACE FUNCTION kota_ensure_partitions(
    parent regclass, first_day date, last_day date
) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    day date;
    created integer := 0;
    part text;
BEGIN
    IF kota_has_timescale() THEN
        RETURN 0;  -- hypertables create their chunks themselves
    END IF;
    day := first_day;
    WHILE day <= last_day LOOP
        part := format('%s_p%s', parent::text, to_char(day, 'YYYYMMDD'));
        IF to_regclass(part) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE IF NOT EXISTS %I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                part, parent, day::timestamp AT TIME ZONE 'UTC',
                (day + 1)::timestamp AT TIME ZONE 'UTC'
            );
            created := created + 1;
        END IF;
        day := day + 1;
    END LOOP;
    RETURN created;
END
$$;

-- The writer creates partitions through this function, never with its own CREATE rights.
ALTER FUNCTION kota_ensure_partitions(regclass, date, date) SECURITY DEFINER;
ALTER FUNCTION kota_ensure_partitions(regclass, date, date) SET search_path = public, pg_temp;
REVOKE ALL ON FUNCTION kota_ensure_partitions(regclass, date, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION kota_ensure_partitions(regclass, date, date) TO kota_writer;

SELECT kota_ensure_partitions(t, current_date - 2, current_date + 7)
  FROM unnest(ARRAY['air_reading', 'traffic_reading', 'waste_reading']::regclass[]) AS t;

GRANT SELECT, INSERT, UPDATE, DELETE ON city, district, sensor TO kota_writer;
GRANT SELECT, INSERT ON air_reading, traffic_reading, waste_reading TO kota_writer;
