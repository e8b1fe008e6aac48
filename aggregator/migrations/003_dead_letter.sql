-- 003: dead letters (DESIGN.md: nothing is dropped silently). One row per refused
-- message or field, keyed by its origin (the Kafka record that carried or caused it),
-- so replays write each letter once. The raw payload is kept as bytes.

CREATE TABLE dead_letter (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origin       text NOT NULL UNIQUE,
    reason       text NOT NULL,
    cause        text,
    field        text,
    message      text NOT NULL,
    mqtt_topic   text,
    city         text,
    domain       text,
    sensor_id    text,
    msg_id       text,
    payload      bytea NOT NULL,
    source       text NOT NULL,
    received_at  timestamptz NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letter_received ON dead_letter (received_at);
CREATE INDEX dead_letter_reason ON dead_letter (reason, received_at);

GRANT SELECT, INSERT ON dead_letter TO kota_writer;

-- Operators read dead letters through this view; payloads are shown as text where they
-- are valid UTF-8 (most are JSON), and always as hex, so nothing is hidden.
CREATE VIEW v_dead_letter AS
    SELECT id, reason, cause, field, message, mqtt_topic, city, domain, sensor_id, msg_id,
           source, received_at, recorded_at, octet_length(payload) AS payload_bytes,
           encode(payload, 'hex') AS payload_hex
      FROM dead_letter;

CREATE VIEW v_dead_letter_rate AS
    SELECT date_trunc('minute', received_at) AS minute, reason, city, count(*) AS letters
      FROM dead_letter
     GROUP BY 1, 2, 3;

GRANT SELECT ON v_dead_letter, v_dead_letter_rate TO kota_reader;
