"""`kotacerdas bench`: the whole pipeline beside the raw floors and the peer, a soak with
faults, scaling figures — on a private stack on free loopback ports.

Modes (one per run):
* default: the floors (bare paho, bare Kafka producer/consumer, plain COPY), then the
  pipeline at ``--rate`` (or ``--max``) for ``--duration``, then our aggregator against
  the Quix Streams peer on the same pre-loaded topics; a table on the terminal and
  ``--report`` NAME.{json,md,png} (+ peer.{json,md} beside it);
* ``--soak 10m``: the simulator's fault mix while ingest and the aggregator are killed
  and Kafka and PostgreSQL restarted, then the proof (soak.{json,md});
* ``--scaling``: 1/2 ingest × 1/2 aggregator replicas, and 1k/10k/50k sensors at the
  same rate (scaling.{json,md}).

A run that cannot give its figures (a stage died, the simulator's truth is lost, nothing
was sent) exits 1 and says why instead of writing a report (``benchmark.verdict``).
SIGINT and SIGTERM stop it, its children and its private stack (a second one forces).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kotacerdas.errors import UserFacingError

DEFAULT_RATE = 3000.0
SOAK_RATE = 1500.0
RESULTS_DIR = Path("bench") / "results"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bench = subparsers.add_parser(
        "bench",
        help="benchmark the pipeline beside the raw floors and a peer; soak; scaling",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = bench.add_argument
    add(
        "--duration",
        default=None,
        help="how long the simulator publishes: 60, 90s, 10m (default 60s; 25s per scaling run)",
    )
    add(
        "--rate",
        default=None,
        help=f"simulated messages/s, steady state (default {DEFAULT_RATE:g}; {SOAK_RATE:g} "
        "with --soak)",
    )
    add(
        "--max",
        action="store_true",
        help="publish as fast as the simulator can for --duration (then drain) instead of a "
        "fixed --rate",
    )
    add(
        "--report",
        default=None,
        metavar="PATH",
        help="write PATH.json, PATH.md (and PATH.png) (default bench/results/pipeline, "
        "…/soak, …/scaling by mode)",
    )
    add(
        "--soak",
        default=None,
        metavar="DURATION",
        help="run the soak with faults for DURATION (e.g. 10m) instead of the benchmark",
    )
    add(
        "--scaling",
        action="store_true",
        help="run the scaling figures (replicas, sensor counts) instead of the benchmark",
    )
    add(
        "--sensors",
        default="1000,10000,50000",
        help="sensor counts for --scaling (default %(default)s)",
    )
    add("--no-floors", action="store_true", help="skip the raw floors")
    add("--no-peer", action="store_true", help="skip the Quix Streams peer comparison")
    add(
        "--peer-records",
        default="200000",
        help="readings pre-loaded for the peer comparison (default %(default)s)",
    )
    add(
        "--floor-records",
        default="100000",
        help="messages/rows per floor measurement (default %(default)s)",
    )
    add(
        "--use-local-stack",
        action="store_true",
        help="run on the developer's stack (.kota, started if needed) instead of a private "
        "one on free ports; it is left running",
    )
    bench.set_defaults(handler=_handle)


# --- flag validation (one line per mistake, never a traceback) -----------------------------
def _duration(text: str, flag: str) -> float:
    from simulators.config import parse_duration

    try:
        return parse_duration(text)
    except UserFacingError:
        raise UserFacingError(f"{flag} {text!r}: use seconds or 90s, 10m, 1h") from None


def _positive(text: str, flag: str, integer: bool = False) -> float:
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        raise UserFacingError(
            f"{flag} {text!r} is not a {'whole ' if integer else ''}number"
        ) from None
    if value <= 0:
        raise UserFacingError(f"{flag} must be > 0, got {text}")
    return value


def options(args: argparse.Namespace) -> dict[str, Any]:
    """Checked options of a run (pure: raises UserFacingError naming the bad flag)."""
    modes = [m for m, on in (("--soak", args.soak), ("--scaling", args.scaling)) if on]
    if len(modes) > 1:
        raise UserFacingError("--soak and --scaling are separate runs; choose one")
    if args.max and args.rate is not None:
        raise UserFacingError("--rate and --max exclude each other")
    if args.max and args.soak:
        raise UserFacingError("--soak runs at a fixed --rate, not --max")
    mode = "soak" if args.soak else "scaling" if args.scaling else "pipeline"
    default_rate = SOAK_RATE if mode == "soak" else DEFAULT_RATE
    opts: dict[str, Any] = {
        "mode": mode,
        "rate": None if args.max else _positive(args.rate or str(default_rate), "--rate"),
        "duration_s": _duration(args.duration or ("25s" if args.scaling else "60s"), "--duration"),
        "soak_s": _duration(args.soak, "--soak") if args.soak else None,
        "report": Path(args.report) if args.report else RESULTS_DIR / mode,
        "peer": not args.no_peer,
        "floors": not args.no_floors,
        "peer_records": int(_positive(args.peer_records, "--peer-records", integer=True)),
        "floor_records": int(_positive(args.floor_records, "--floor-records", integer=True)),
        "use_local": args.use_local_stack,
        "sensors": [
            int(_positive(x, "--sensors", integer=True))
            for x in args.sensors.split(",")
            if x.strip()
        ],
    }
    if opts["report"].suffix in (".json", ".md", ".png"):
        opts["report"] = opts["report"].with_suffix("")
    if mode == "soak" and opts["soak_s"] < 30:
        raise UserFacingError("--soak needs at least 30s to fit its four faults")
    return opts


# --- running --------------------------------------------------------------------------------
def _handle(args: argparse.Namespace) -> int:
    opts = options(args)
    from rich.console import Console
    from rich.progress import BarColumn, SpinnerColumn, TextColumn, TimeElapsedColumn

    from kotacerdas.benchmark.environment import bench_stack, load_now, machine, prepare_database
    from kotacerdas.progress import progress_display

    console = Console(stderr=True)
    info = machine()
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description:<28}"),
        BarColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[status]}"),
    )
    # A bar on a terminal; in a log (CI, `| tee`) a line at least every 10 s instead.
    with progress_display(console, *columns) as progress:

        def say(line: str) -> None:
            progress.console.print(f"  {line}", style="dim", highlight=False)

        with bench_stack(use_local=opts["use_local"], say=say) as stack:
            prepare_database(stack.env)
            runner = {"pipeline": _pipeline, "soak": _soak, "scaling": _scaling}[opts["mode"]]
            data, sections, plot_run = runner(stack, opts, progress, say)
    info["load_avg_1m_at_end"] = load_now()
    data = {"machine": info, **data}
    from kotacerdas.benchmark.report import rich_table, write_report

    title = {
        "pipeline": "kotacerdas bench: pipeline beside its floors",
        "soak": "kotacerdas bench --soak: nothing lost under faults",
        "scaling": "kotacerdas bench --scaling",
    }[opts["mode"]]
    for heading, table, notes in sections:
        if table:
            console.print(rich_table(table, heading))
        for note in notes:
            console.print(note, highlight=False)
    written = write_report(opts["report"], title, data, sections, plot_run)
    console.print("written: " + ", ".join(str(p) for p in written), highlight=False)
    if opts["mode"] == "soak" and not data["soak"]["ok"]:
        return 1
    return 0


def _tracker(progress: Any, description: str, total: float | None) -> Callable[[float, str], None]:
    task = progress.add_task(description, total=total, status="")

    def update(elapsed: float, status: str) -> None:
        progress.update(task, completed=min(elapsed, total) if total else elapsed, status=status)

    return update


def _pipeline(stack: Any, opts: dict[str, Any], progress: Any, say: Callable[[str], None]):
    from kotacerdas.benchmark import floors, peer, report
    from kotacerdas.benchmark.pipeline_run import RunConfig, run_pipeline
    from kotacerdas.benchmark.workload import readings
    from kotacerdas.registry import load_registry

    found: dict[str, Any] = {}
    if opts["floors"]:
        task = progress.add_task("floors", total=3, status="MQTT: bare paho")
        n = opts["floor_records"]
        found["mqtt"] = floors.mqtt_floor(stack.env, n)
        progress.update(task, advance=1, status="Kafka: bare aiokafka")
        from datetime import UTC, datetime, timedelta

        rows = readings(
            n,
            (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0),
            sorted(load_registry().sensors.values(), key=lambda s: s.sensor_id),
        )
        found["kafka"] = floors.kafka_floor(stack.env, rows)
        progress.update(task, advance=1, status="PostgreSQL: plain COPY")
        found["copy"] = floors.copy_floor(stack.env, rows)
        progress.update(task, advance=1, status="done")
    config = RunConfig(duration_s=opts["duration_s"], rate=opts["rate"])
    label = "max" if opts["rate"] is None else f"{opts['rate']:,.0f}/s"
    update = _tracker(progress, f"pipeline {label}", opts["duration_s"])
    run = run_pipeline(stack, config, update).to_json()
    data: dict[str, Any] = {"floors": found, "pipeline": run}
    table = report.pipeline_table(run, found)
    notes = [
        report.latency_line(run),
        f"Steady window {run['window_s'][0]:.0f}–{run['window_s'][1]:.0f} s of the run; "
        f"{run['sent']:,} messages sent, {run['stored']:,} of {run['valid']:,} valid readings "
        f"stored; drained {run['drain_s'] or float('nan'):.1f} s after the last publish.",
        "Rates: events per second over the steady window, each stage timed by its own "
        "record: sent = the simulator's sent_at, forwarded = Kafka record timestamps (set "
        "as ingest batches each record), consumed = the raw row's ingested_at (its batch "
        "transaction's start), stored = visible (below); not /metrics polling, which a busy "
        "service answers late. At a fixed --rate every stage runs at that rate, so the ratio "
        "to a floor is the share of the floor used, not a ceiling (--max for capacity). CPU = "
        "cores busy over the window (CPU seconds ÷ seconds) of each process tree, from /proc "
        "(utime+stime+cutime+cstime, backends and workers included).",
        f"End-of-run counters: ingest forwarded {run['totals'].get('forwarded', 0):,.0f}, "
        f"aggregator stored {run['totals'].get('stored', 0):,.0f} rows "
        f"(kota_ingest_forwarded_total, kota_agg_rows_inserted_total).",
        "Latency method: visible = raw row's ingested_at (its batch transaction's start) + "
        "that batch's write_s from pipeline_batch; publish = the simulator's sent_at.",
        f"Workload: 463 simulated sensors of the four pilot cities, formats "
        f"{config.formats}, no faults (the soak covers faults).",
    ]
    if opts["floors"]:
        notes.append(
            f"Floors: MQTT = drain of {found['mqtt']['count']:,} queued QoS 1 messages by a bare "
            f"paho subscriber; Kafka = {found['kafka']['records']:,} wire readings through a bare "
            "aiokafka producer (acks=all) and consumer; COPY = the same rows via psql \\copy into "
            "the partitioned raw tables."
        )
    sections: list[tuple[str, Any, list[str]]] = [("Pipeline", table, notes)]
    if opts["peer"]:
        update = _tracker(progress, "peer: ours vs Quix Streams", None)
        update(0, "pre-loading")
        result = peer.compare(stack, opts["peer_records"], say)
        update(1, "done")
        data["peer"] = result
        sections.append(("Peer", *_peer_section(result)))
        report.write_report(
            opts["report"].parent / "peer",
            "Aggregator vs Quix Streams peer",
            {"machine": {}, "peer": result},
            [("Peer", *_peer_section(result))],
        )
    return data, sections, run


def _peer_section(result: dict[str, Any]) -> tuple[list[list[str]], list[str]]:
    ours, theirs, agree = result["ours"], result["peer"], result["agreement"]
    table = [
        ["consumer of the same pre-loaded topics", "records", "seconds", "records/s"],
        [
            "kotacerdas aggregate (raw + 1m/1h/1d rollups + indicators)",
            f"{ours['records']:,}",
            f"{ours['seconds']:.2f}",
            f"{ours['rate']:,.0f}",
        ],
        [
            f"Quix Streams {result['quixstreams']} (1m tumbling window → rollup_1m)",
            f"{theirs['records']:,}",
            f"{theirs['seconds']:.2f}",
            f"{theirs['rate']:,.0f}",
        ],
    ]
    ratio = result["ratio"]
    notes = [
        f"Ratio ours/peer: {ratio:.2f}× (goal ≥ 1.5×)." if ratio else "Ratio: –",
        f"Ours until raw rows only: {ours['rate_raw_only']:,.0f} records/s.",
        f"Windows both wrote: {agree['both']:,}, equal {agree['equal']:,}, different "
        f"{agree['different']:,} (the peer cannot close each sensor's last window: "
        f"{agree['only_ours']:,} only ours).",
        f"Workload: {result['records']:,} readings of the 463 registry sensors, "
        f"{60 // result['spacing_s']} per sensor and minute, in fresh topics; each side reads "
        "from the start with a fresh consumer group. Ours: from its first batch transaction to "
        "every row stored and no rollup window dirty. Peer: from its first record to its "
        "final checkpoint (sink flushed, offsets committed); Quix's PostgreSQLSink upserts "
        "into the same <domain>_rollup_1m tables (emptied before).",
    ]
    return table, notes


def _soak(stack: Any, opts: dict[str, Any], progress: Any, say: Callable[[str], None]):
    from kotacerdas.benchmark.soak import run_soak

    update = _tracker(
        progress, f"soak {opts['soak_s']:.0f}s at {opts['rate']:,.0f}/s", opts["soak_s"]
    )
    result = run_soak(stack, stack.log_dir, opts["soak_s"], opts["rate"], progress=update)
    data = {"soak": result.to_json()}
    counts = result.counts()
    table = [["count", "value"], *([k, f"{v:,}"] for k, v in counts.items())]
    faults = ", ".join(
        f"{e['action']} at {e['at_s']:.0f}s ({e['took_s']:.0f}s)" for e in result.schedule
    )
    notes = [
        f"Verdict: {'PASS' if result.ok else 'FAIL'} — every valid reading stored exactly once "
        f"({'yes' if result.reconciliation.ok else 'no'}), rollups equal recomputation from raw "
        f"({'yes' if result.rollups_ok else 'no'}).",
        f"Faults: {faults}.",
        "Dead letters by reason (found/missing): "
        + ", ".join(
            f"{r} {c.get('found', 0)}/{c.get('missing', 0)}"
            for r, c in result.reconciliation.by_reason.items()
        ),
        f"Simulator: {result.summary.get('sent', 0):,} sent, {result.summary.get('unacked', 0)} "
        f"unacknowledged by the broker, exit {result.simulator_exit}.",
    ]
    return data, [("Soak with faults", table, notes)], None


def _scaling(stack: Any, opts: dict[str, Any], progress: Any, say: Callable[[str], None]):
    from kotacerdas.benchmark import scaling

    rate = opts["rate"] or DEFAULT_RATE
    update = _tracker(progress, "scaling", None)
    reps = scaling.replicas(stack, opts["duration_s"], rate, say, update)
    counts = scaling.sensors(stack, opts["sensors"], opts["duration_s"], rate, say, update)
    data = {"replicas": reps, "sensors": counts, "rate": rate, "duration_s": opts["duration_s"]}
    return data, _scaling_sections(reps, counts, rate), None


def _scaling_sections(reps: list[dict], counts: list[dict], rate: float) -> list:
    t1 = [
        [
            "ingest × aggregator",
            "sent/s",
            "stored/s",
            "p50 ms",
            "p99 ms",
            "CPU cores (all)",
            "ingest cores",
            "aggregator cores",
        ]
    ]
    for r in reps:
        cores = r["cores"]
        t1.append(
            [
                f"{r['ingest']} × {r['aggregator']}",
                f"{r['rates']['sent']:,.0f}",
                f"{r['rates']['stored']:,.0f}",
                f"{r['latency_p50_s'] * 1000:,.0f}",
                f"{r['latency_p99_s'] * 1000:,.0f}",
                f"{r['cores_total']:.2f}",
                f"{sum(v for k, v in cores.items() if k.startswith('ingest')):.2f}",
                f"{sum(v for k, v in cores.items() if k.startswith('aggregator')):.2f}",
            ]
        )
    t2 = [
        [
            "sensors",
            "publisher",
            "sent/s",
            "stored/s",
            "p99 ms",
            "RSS ingest MiB",
            "RSS aggregator MiB",
            "RSS publisher MiB",
            "CPU cores (all)",
        ]
    ]
    for r in counts:
        rss = r["rss_peak_mib"]
        t2.append(
            [
                f"{r['sensors']:,}",
                r["publisher"],
                f"{r['rates']['sent']:,.0f}",
                f"{r['rates']['stored']:,.0f}",
                f"{r['latency_p99_s'] * 1000:,.0f}",
                f"{rss.get('ingest', 0):,.0f}",
                f"{rss.get('aggregator', 0):,.0f}",
                f"{rss.get('simulator', 0):,.0f}",
                f"{r['cores_total']:.2f}",
            ]
        )
    return [
        (
            "Replicas",
            t1,
            [
                f"Same fixed rate ({rate:,.0f} msgs/s) each run. On 2 cores a second replica adds "
                "processes competing for the same cores: this shows the overhead of a replica, not "
                "a speed-up."
            ],
        ),
        (
            "Sensors",
            t2,
            [
                f"Same total rate ({rate:,.0f} msgs/s); peak RSS over the run. 'simulator' = "
                "one MQTT connection per sensor; 'gateway' = the same simulated fleet through 8 "
                "gateway connections, used where the sensor count exceeds the open-file limit "
                "one Mosquitto process inherits here (hard limit, not raisable in this sandbox)."
            ],
        ),
    ]
