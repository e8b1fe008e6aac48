"""Prometheus metrics of the bridge, on a registry owned by the service (no globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Kafka acknowledgement latency buckets: sub-millisecond on loopback up to the
# request timeout during an outage.
_SEND_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


class IngestMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.received = Counter("kota_ingest_received", "MQTT messages received", registry=r)
        self.forwarded = Counter(
            "kota_ingest_forwarded", "Readings acknowledged by Kafka", ["domain"], registry=r
        )
        self.dead_letters = Counter(
            "kota_ingest_dead_letters",
            "Dead letters acknowledged by Kafka",
            ["reason"],
            registry=r,
        )
        self.ignored = Counter(
            "kota_ingest_ignored_attributes",
            "Payload attributes we do not use (counted)",
            registry=r,
        )
        self.in_flight = Gauge(
            "kota_ingest_in_flight",
            "MQTT messages received but not yet acknowledged",
            registry=r,
        )
        self.kafka_send_seconds = Histogram(
            "kota_ingest_kafka_send_seconds",
            "Time from hand-over to Kafka acknowledgement",
            buckets=_SEND_BUCKETS,
            registry=r,
        )
        self.kafka_retries = Counter(
            "kota_ingest_kafka_retries",
            "Records re-sent after Kafka failed to acknowledge",
            registry=r,
        )
        self.mqtt_reconnects = Gauge(
            "kota_ingest_mqtt_reconnects", "Reconnections to the broker since start", registry=r
        )
        self.broker_dropped = Gauge(
            "kota_mqtt_broker_dropped_messages",
            "Messages the broker dropped at its queue limits "
            "($SYS/broker/publish/messages/dropped)",
            registry=r,
        )
        self.window_full = Counter(
            "kota_ingest_window_full",
            "Times reading paused because Receive Maximum messages were unacknowledged",
            registry=r,
        )
        self.ready = Gauge("kota_ingest_ready", "1 when the bridge can forward", registry=r)
