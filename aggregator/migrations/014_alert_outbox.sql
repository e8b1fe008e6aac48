-- 014: alert events that are never lost (issue 23): a transactional outbox.
--
-- The indicator job writes each alert event here in the transaction that changes the
-- alert, so a crash after that commit cannot lose the notification, and a crash before
-- it leaves neither. A relay (aggregator/alerts/publisher.py) publishes the rows to
-- kota.alerts.v1 and to the webhook, at least once; event_id is stable across retries so
-- consumers deduplicate on it. A webhook delivery is retried with capped backoff for
-- KOTA_AGG_ALERT_WEBHOOK_RETRY_S (24 h), then marked failed; its final outcome is also
-- recorded in alert_notification (005), where failed deliveries stay visible.
CREATE TABLE alert_outbox (
    event_id          uuid PRIMARY KEY,
    -- the order events were written in (created_at is the transaction's time: one
    -- transaction's events would tie)
    seq               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    alert_id          bigint NOT NULL REFERENCES alert (id),
    event             text NOT NULL,
    place_key         text NOT NULL,
    body              jsonb NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    kafka_at          timestamptz,  -- NULL: not in kota.alerts.v1 yet
    webhook_state     text NOT NULL CHECK (webhook_state IN ('none', 'pending', 'delivered', 'failed')),
    webhook_attempts  integer NOT NULL DEFAULT 0,
    webhook_next_at   timestamptz NOT NULL DEFAULT now(),
    webhook_error     text
);
CREATE INDEX alert_outbox_to_kafka ON alert_outbox (seq) WHERE kafka_at IS NULL;
CREATE INDEX alert_outbox_to_webhook ON alert_outbox (webhook_next_at)
    WHERE webhook_state = 'pending';
-- Settled rows are removed after 7 days by the relay (alert_notification keeps outcomes).
GRANT SELECT, INSERT, UPDATE, DELETE ON alert_outbox TO kota_writer;
