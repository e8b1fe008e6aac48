-- 013: what a lagging Kafka partition holds back (issue 19; aggregator/watermark.py).
--
-- stored_offset: the offset after the newest record stored from the partition, written in
-- the same transaction as the batch, so "Kafka's end offset is past it" means exactly
-- "records of this partition are not stored yet". partition_city: which cities each
-- partition has carried (learnt from stored readings; a sensor keeps its partition while
-- the topic keeps its partition count), so a lagging partition holds back only those.
ALTER TABLE stream_watermark ADD COLUMN stored_offset bigint;

CREATE TABLE partition_city (
    topic       text NOT NULL,
    partition   integer NOT NULL,
    city        text NOT NULL,
    first_seen  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition, city)
);
GRANT SELECT, INSERT ON partition_city TO kota_writer;
