-- 007: the indicator key leads with (city, ts, window_s). The indicator job replaces a
-- city's windows several times a minute (DELETE ... WHERE city = $1 AND ts = ANY($2));
-- under the old key (city, district, sensor_id, code, ts, window_s) no index could seek
-- on the window, so every delete read the day's whole (code, ts) index: the longer the
-- day, the slower each cycle. Reads by code and time keep using indicator_code_ts.
-- The same statements work on a TimescaleDB hypertable (the key still holds ts).
ALTER TABLE indicator DROP CONSTRAINT indicator_pkey;
ALTER TABLE indicator ADD CONSTRAINT indicator_pkey
    PRIMARY KEY (city, ts, window_s, district, sensor_id, code);
