"""Results as tables (terminal and markdown), JSON and a PNG plot of rate and latency.

``pipeline_table`` and ``markdown_table`` are pure (unit-tested); ``write_report`` writes
``NAME.json``, ``NAME.md`` and ``NAME.png`` side by side.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

Table = list[list[str]]


def markdown_table(table: Table) -> list[str]:
    """GitHub markdown lines of ``table`` (first row = header), columns padded."""
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in table
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return lines


def _n(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _ratio(value: float | None, floor: float | None) -> str:
    if not value or not floor:
        return "–"
    return f"{value / floor:.2f}"


def pipeline_table(run: Mapping[str, Any], floors: Mapping[str, Any]) -> Table:
    """The headline table: each stage's rate, its floor, the ratio and CPU (cores).

    ``run`` is ``RunResult.to_json()``; ``floors`` holds ``mqtt``, ``kafka``, ``copy``
    (any may be missing when skipped)."""
    rates, cores = run["rates"], run["cores"]
    mqtt, kafka, copy = (
        floors.get("mqtt") or {},
        floors.get("kafka") or {},
        floors.get("copy") or {},
    )

    def cpu(*names: str) -> str:
        found = [v for k, v in cores.items() if any(k.startswith(n) for n in names)]
        return f"{sum(found):.2f}" if found else "–"

    rows: Table = [["stage", "rate /s", "floor", "floor /s", "ratio", "CPU cores"]]
    rows.append(
        [
            "simulator → Mosquitto (sent)",
            _n(rates["sent"]),
            "bare paho publisher",
            _n(mqtt.get("publisher_rate")),
            _ratio(rates["sent"], mqtt.get("publisher_rate")),
            cpu("simulator"),
        ]
    )
    rows.append(["Mosquitto (broker)", "", "", "", "", cpu("mosquitto")])
    rows.append(
        [
            "ingest: forwarded to Kafka",
            _n(rates["forwarded"]),
            "bare paho subscriber",
            _n(mqtt.get("rate")),
            _ratio(rates["forwarded"], mqtt.get("rate")),
            cpu("ingest"),
        ]
    )
    rows.append(
        [
            "Kafka (broker)",
            "",
            "bare aiokafka producer",
            _n(kafka.get("producer_rate")),
            _ratio(rates["forwarded"], kafka.get("producer_rate")),
            cpu("kafka"),
        ]
    )
    rows.append(
        [
            "aggregator: records consumed",
            _n(rates["consumed"]),
            "bare aiokafka consumer",
            _n(kafka.get("consumer_rate")),
            _ratio(rates["consumed"], kafka.get("consumer_rate")),
            cpu("aggregator"),
        ]
    )
    rows.append(
        [
            "aggregator: rows stored",
            _n(rates["stored"]),
            "plain COPY (psql)",
            _n(copy.get("rate")),
            _ratio(rates["stored"], copy.get("rate")),
            cpu("postgresql"),
        ]
    )
    rows.append(
        [
            "end to end, sustained (rows visible)",
            _n(rates["stored"]),
            "",
            "",
            "",
            f"{sum(cores.values()):.2f}",
        ]
    )
    return rows


def latency_line(run: Mapping[str, Any]) -> str:
    lat = run["latency"]
    return (
        f"Latency publish → visible in the view ({lat['samples']:,} readings of the steady "
        f"window): p50 {lat['p50_s'] * 1000:,.0f} ms, p95 {lat['p95_s'] * 1000:,.0f} ms, "
        f"p99 {lat['p99_s'] * 1000:,.0f} ms, max {lat['max_s'] * 1000:,.0f} ms"
        + (
            f"; of it publish → in Kafka (ingest): p50 {lat['to_kafka_p50_s'] * 1000:,.0f} ms, "
            f"p99 {lat['to_kafka_p99_s'] * 1000:,.0f} ms."
            if "to_kafka_p50_s" in lat
            else "."
        )
    )


def rich_table(table: Table, title: str | None = None) -> Any:
    from rich.table import Table as RichTable

    out = RichTable(title=title)
    for i, head in enumerate(table[0]):
        out.add_column(head, justify="left" if i == 0 else "right")
    for row in table[1:]:
        out.add_row(*row)
    return out


def write_report(
    path: Path,
    title: str,
    data: Mapping[str, Any],
    sections: Sequence[tuple[str, Table | None, Sequence[str]]],
    plot_run: Mapping[str, Any] | None = None,
) -> list[Path]:
    """``path``.json, ``path``.md (one heading, table and notes per section) and, with
    ``plot_run``, ``path``.png of its rate and latency over time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written = [path.with_suffix(".json")]
    written[0].write_text(json.dumps(data, indent=2, default=str) + "\n")
    md = [f"# {title}", ""]
    m = data.get("machine") or {}
    if m:
        md += [
            f"Run {m.get('date')} on {m.get('cpus')} CPUs, Python {m.get('python')} "
            f"(load average at start {m.get('load_avg_1m_at_start')}, at end "
            f"{m.get('load_avg_1m_at_end', '–')}; other engineers share these cores).",
            "",
        ]
    if plot_run is not None:
        png = path.with_suffix(".png")
        plot(plot_run, png, title)
        written.append(png)
        md += [f"![rate and latency over time]({png.name})", ""]
    for heading, table, notes in sections:
        md += [f"## {heading}", ""]
        if table:
            md += [*markdown_table(table), ""]
        md += [*notes, ""] if notes else []
    md_path = path.with_suffix(".md")
    md_path.write_text("\n".join(md))
    written.append(md_path)
    return written


def plot(run: Mapping[str, Any], png: Path, title: str) -> None:
    """Two panels over run time: readings/s per stage, and latency p50/p99."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    series = run["series"]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for name, style in (("sent", "-"), ("forwarded", "--"), ("stored", "-")):
        points = series.get(name) or []
        if points:
            top.plot([p[0] for p in points], [p[1] for p in points], style, label=name)
    top.set_ylabel("readings / s")
    top.legend(loc="lower center", ncols=3)
    top.grid(alpha=0.3)
    lat = series.get("latency_p50_p99") or []
    if lat:
        bottom.plot([p[0] for p in lat], [p[1][0] * 1000 for p in lat], label="p50")
        bottom.plot([p[0] for p in lat], [p[1][1] * 1000 for p in lat], label="p99")
    bottom.set_ylabel("publish → visible, ms")
    bottom.set_xlabel("seconds since the simulator started (by publish time)")
    bottom.legend(loc="upper left")
    bottom.grid(alpha=0.3)
    window = run.get("window_s")
    if window:
        for ax in (top, bottom):
            ax.axvspan(window[0], window[1], color="tab:green", alpha=0.06)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    plt.close(fig)
