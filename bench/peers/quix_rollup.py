"""The peer: our per-sensor 1-minute rollup written the way a Python team would with
Quix Streams (PyPI ``quixstreams``, version in bench/peers/requirements.txt).

It reads the same Kafka topics as our aggregator (``<prefix>.{air,traffic,waste}.v1``, our
wire JSON, key = sensor_id), keeps a tumbling 1-minute event-time window per sensor
(grace = our allowed lateness, 120 s) with one custom aggregation computing, per metric,
mean/min/max/count (+ the traffic sums and observed seconds), exactly the columns of our
``<domain>_rollup_1m`` tables, and writes the closed windows into those tables with
Quix's own ``PostgreSQLSink`` (upsert on the primary key (sensor_id, ts)).

Runs in its own virtualenv (Quix pins pydantic/pydantic-settings below what the product
uses). Stops when it has processed ``--expect`` records, lets Quix checkpoint (flush the
sink, commit offsets), and prints one JSON line:
    {"records", "seconds", "rate", "windows", "quixstreams"}
Environment: PEER_DB_HOST, PEER_DB_PORT, PEER_DB_USER, PEER_DB_PASSWORD, PEER_DB_NAME.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import quixstreams
from quixstreams import Application
from quixstreams.dataframe.windows.aggregations import Aggregator
from quixstreams.sinks.community.postgresql import PostgreSQLSink

# Canonical metrics per domain (kotacerdas.contract.METRICS, copied: the peer does not
# import the product).
METRICS = {
    "air": ("pm25", "pm10", "no2", "so2", "o3", "co", "hc", "temperature", "humidity", "noise"),
    "traffic": ("vehicle_count", "avg_speed_kmh", "occupancy", "speeding_count"),
    "waste": ("fill_level", "temperature", "weight_kg", "lid_open"),
}
TRAFFIC_SUMS = ("vehicle_count", "speeding_count")
GRACE_MS = 120_000  # our aggregator's allowed lateness


class Rollup(Aggregator):
    """One state per window: [sensor, city, samples, {metric: [sum, min, max, n]}, sums]."""

    def __init__(self, domain: str) -> None:
        super().__init__(None)
        self.domain = domain
        self.metrics = METRICS[domain]

    @property
    def state_suffix(self) -> str:
        return f"Rollup/{self.domain}"

    def initialize(self) -> list[Any]:
        return [None, None, 0, {}, [0.0, 0.0, 0.0]]

    def agg(self, old: list[Any], new: dict[str, Any], timestamp: int) -> list[Any]:
        old[0], old[1] = new["sensor_id"], new["city"]
        old[2] += 1
        stats = old[3]
        values = new["metrics"]
        for m in self.metrics:
            v = values.get(m)
            if v is None:
                continue
            s = stats.get(m)
            if s is None:
                stats[m] = [v, v, v, 1]
            else:
                s[0] += v
                s[1] = min(s[1], v)
                s[2] = max(s[2], v)
                s[3] += 1
        if self.domain == "traffic":
            sums = old[4]
            sums[0] += values.get("vehicle_count") or 0.0
            sums[1] += values.get("speeding_count") or 0.0
            sums[2] += new.get("interval_s") or 0
        return old

    def result(self, value: list[Any]) -> dict[str, Any]:
        sensor, city, samples, stats, sums = value
        row: dict[str, Any] = {"sensor_id": sensor, "city": city, "samples": samples}
        for m in self.metrics:
            s = stats.get(m)
            if s is None:
                row[f"{m}_n"] = 0
                continue
            row[f"{m}_avg"] = s[0] / s[3]
            row[f"{m}_min"], row[f"{m}_max"], row[f"{m}_n"] = s[1], s[2], s[3]
        if self.domain == "traffic":
            row["vehicle_count_sum"], row["speeding_count_sum"], row["observed_s"] = sums
        return row


def event_time(value: Any, headers: Any, timestamp: int, timestamp_type: Any) -> int:
    """Windows are by event time (the reading's ts), as ours are."""
    return int(datetime.fromisoformat(value["ts"]).timestamp() * 1000)


def to_row(window: dict[str, Any]) -> dict[str, Any]:
    row = dict(window["rollup"])
    row["ts"] = datetime.fromtimestamp(window["start"] / 1000, UTC)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--prefix", required=True, help="topic prefix (<prefix>.air.v1, …)")
    parser.add_argument("--group", required=True, help="a fresh consumer group")
    parser.add_argument("--expect", type=int, required=True, help="records to process")
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    logging.getLogger("quixstreams").setLevel(logging.WARNING)

    seen = {"records": 0, "first": 0.0, "caught_up": 0.0}
    app: Application

    def processed(topic: str, partition: int, offset: int) -> None:
        if seen["records"] == 0:
            seen["first"] = time.perf_counter()
        seen["records"] += 1
        if seen["records"] >= args.expect and not seen["caught_up"]:
            seen["caught_up"] = time.perf_counter()
            app.stop()

    app = Application(
        broker_address=args.bootstrap,
        consumer_group=args.group,
        auto_offset_reset="earliest",
        state_dir=args.state_dir,
        loglevel="WARNING",
        on_message_processed=processed,
    )
    windows = {"n": 0}

    def count(row: dict[str, Any]) -> dict[str, Any]:
        windows["n"] += 1
        return row

    for domain in METRICS:
        topic = app.topic(
            f"{args.prefix}.{domain}.v1", value_deserializer="json", timestamp_extractor=event_time
        )
        sink = PostgreSQLSink(
            host=os.environ["PEER_DB_HOST"],
            port=int(os.environ["PEER_DB_PORT"]),
            dbname=os.environ.get("PEER_DB_NAME", "kota"),
            user=os.environ["PEER_DB_USER"],
            password=os.environ["PEER_DB_PASSWORD"],
            table_name=f"{domain}_rollup_1m",
            schema_auto_update=False,
            primary_key_columns=["sensor_id", "ts"],
            upsert_on_primary_key=True,
            include_metadata=False,
        )
        (
            app.dataframe(topic)
            .tumbling_window(timedelta(minutes=1), grace_ms=GRACE_MS)
            .agg(rollup=Rollup(domain))
            .final()
            .apply(to_row)
            .apply(count)
            .sink(sink)
        )
    app.run(timeout=args.timeout)
    done = time.perf_counter()
    seconds = done - seen["first"] if seen["first"] else 0.0
    print(
        json.dumps(
            {
                "records": seen["records"],
                "seconds": seconds,
                "rate": seen["records"] / seconds if seconds else 0.0,
                "caught_up_seconds": (seen["caught_up"] or done) - seen["first"],
                "windows": windows["n"],
                "quixstreams": quixstreams.__version__,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
