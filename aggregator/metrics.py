"""Prometheus metrics of the aggregator, on a registry owned by the service."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_WRITE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_BATCH_BUCKETS = (1, 10, 100, 500, 1000, 2500, 5000, 10_000, 20_000, 50_000)


class AggregatorMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.records = Counter("kota_agg_records", "Kafka records consumed", registry=r)
        self.inserted = Counter("kota_agg_rows_inserted", "Raw rows stored", ["domain"], registry=r)
        self.duplicates = Counter(
            "kota_agg_duplicates_dropped",
            "Readings already stored (natural key)",
            ["domain"],
            registry=r,
        )
        self.letters = Counter(
            "kota_agg_dead_letters", "Dead letters stored", ["reason"], registry=r
        )
        self.late = Counter(
            "kota_agg_late_readings",
            "Readings behind the watermark (windows recomputed)",
            registry=r,
        )
        self.batch_records = Histogram(
            "kota_agg_batch_records", "Records per batch", buckets=_BATCH_BUCKETS, registry=r
        )
        self.write_seconds = Histogram(
            "kota_agg_write_seconds", "Batch transaction time", buckets=_WRITE_BUCKETS, registry=r
        )
        self.lag = Gauge("kota_agg_consumer_lag", "Records not yet consumed", registry=r)
        self.store_retries = Counter(
            "kota_agg_store_retries", "Batch writes retried after a database outage", registry=r
        )
        self.commit_failures = Counter(
            "kota_agg_commit_failures", "Offset commits refused (replayed, idempotent)", registry=r
        )
        self.ready = Gauge("kota_agg_ready", "1 when the aggregator can store", registry=r)
