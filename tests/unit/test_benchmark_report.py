"""Rendering of the benchmark's results: the headline table, markdown, JSON, the plot."""

from __future__ import annotations

import json

import pytest

from kotacerdas.benchmark.latency import latencies
from kotacerdas.benchmark.report import latency_line, markdown_table, pipeline_table, write_report
from kotacerdas.benchmark.stats import (
    Sample,
    bucket_percentiles,
    counts_per_second,
    per_second,
    percentile,
    rate_between,
    rate_in,
)

RUN = {
    "rates": {
        "sent": 3000.0,
        "received": 3000.0,
        "forwarded": 2990.0,
        "consumed": 2990.0,
        "stored": 2985.0,
    },
    "cores": {
        "simulator": 0.4,
        "mosquitto": 0.1,
        "ingest": 0.3,
        "kafka": 0.2,
        "aggregator": 0.25,
        "postgresql": 0.15,
    },
    "latency": {"samples": 150000, "p50_s": 0.2, "p95_s": 0.4, "p99_s": 0.9, "max_s": 1.5},
    "window_s": [5, 60],
    "series": {
        "sent": [[1, 2900], [2, 3000]],
        "forwarded": [[1, 2800], [2, 3050]],
        "stored": [[1, 2700], [2, 3100]],
        "latency_p50_p99": [[1, [0.2, 0.8]]],
    },
}
FLOORS = {
    "mqtt": {"rate": 17000.0, "publisher_rate": 9000.0},
    "kafka": {"producer_rate": 60000.0, "consumer_rate": 120000.0},
    "copy": {"rate": 200000.0},
}


def test_pipeline_table_puts_each_stage_beside_its_floor():
    table = pipeline_table(RUN, FLOORS)
    rows = {r[0]: r for r in table[1:]}
    assert table[0] == ["stage", "rate /s", "floor", "floor /s", "ratio", "CPU cores"]
    assert rows["ingest: forwarded to Kafka"][1:5] == [
        "2,990",
        "bare paho subscriber",
        "17,000",
        "0.18",
    ]
    assert rows["aggregator: rows stored"][4] == "0.01"
    assert rows["end to end, sustained (rows visible)"][5] == "1.40"


def test_skipped_floors_leave_dashes_not_errors():
    table = pipeline_table(RUN, {})
    assert all(row[4] in ("–", "") for row in table[1:])


def test_latency_line_in_milliseconds():
    line = latency_line(RUN)
    assert "p50 200 ms" in line and "p95 400 ms" in line and "p99 900 ms" in line


def test_markdown_table_is_aligned():
    lines = markdown_table([["a", "bb"], ["ccc", "d"]])
    assert lines == ["| a   | bb |", "|-----|----|", "| ccc | d  |"]


def test_write_report_writes_json_markdown_and_a_png(tmp_path):
    pytest.importorskip("matplotlib")  # the dev extra; the plot is the only user
    written = write_report(
        tmp_path / "pipeline",
        "title",
        {"machine": {"cpus": 2}, "run": RUN},
        [("Pipeline", pipeline_table(RUN, FLOORS), ["a note"])],
        RUN,
    )
    names = sorted(p.name for p in written)
    assert names == ["pipeline.json", "pipeline.md", "pipeline.png"]
    assert json.loads((tmp_path / "pipeline.json").read_text())["run"]["rates"]["sent"] == 3000.0
    md = (tmp_path / "pipeline.md").read_text()
    assert "![rate and latency over time](pipeline.png)" in md and "a note" in md
    assert (tmp_path / "pipeline.png").read_bytes()[:4] == b"\x89PNG"


def test_rates_over_a_window_and_per_second():
    samples = [Sample(float(t), {"n": 100.0 * t}) for t in range(10)]
    assert rate_between(samples, "n", 2, 8) == 100.0
    assert rate_between(samples, "n", 20, 30) == 0.0
    assert per_second(samples, "n")[0] == (1.0, 100.0)
    assert percentile([3, 1, 2], 0.5) == 2 and percentile([], 0.9) == 0.0
    assert bucket_percentiles([(0.1, 1.0), (0.5, 3.0), (1.2, 5.0)], 1.0, (0.5,)) == [
        (0.0, [1.0]),
        (1.0, [5.0]),
    ]


def test_event_rates_and_per_second_counts():
    times = [0.2, 0.7, 1.1, 1.5, 1.9, 2.5, 9.0]
    assert rate_in(times, 1.0, 3.0) == 2.0
    assert rate_in(times, 3.0, 3.0) == 0.0
    assert counts_per_second(times) == [(1.0, 2.0), (2.0, 3.0), (3.0, 1.0), (10.0, 1.0)]


def test_latency_is_visible_minus_sent_for_valid_visible_readings():
    messages = [
        {"msg_id": "a", "valid": True, "sent_at": 100.0},
        {"msg_id": "a", "valid": False, "sent_at": 100.5},  # its duplicate copy
        {"msg_id": "b", "valid": True, "sent_at": 101.0},  # never stored
    ]
    assert latencies(messages, {"a": (100.2, 100.25)}) == [(100.0, 0.25)]
