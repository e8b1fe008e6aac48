"""`kotacerdas run`: the whole pipeline with the simulated pilot cities, on loopback.

Starts (or reuses) the local stack, applies migrations, loads the registry, starts the
ingest bridge, the aggregator and the simulator, and prints a live line of throughput
until Ctrl-C, SIGTERM or ``--duration``, then stops the three within seconds (a second
signal kills them: ``kotacerdas.shutdown``). The stack keeps running afterwards
(``kotacerdas stack down`` stops it), so Grafana/`kotacerdas top`/`export` can look at
what was stored.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from kotacerdas.errors import UserFacingError
from kotacerdas.pipeline import Child, Pipeline
from kotacerdas.progress import Cadence


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = subparsers.add_parser(
        "run",
        help="run the whole pipeline with the simulated pilot cities (the demo)",
        description="Local stack + migrations + registry + ingest + aggregator + simulator, "
        "with a live throughput line. Ctrl-C or SIGTERM stops the services (the stack keeps "
        "running).",
    )
    run.add_argument(
        "--duration",
        default=None,
        help=f"stop after this long: 90s, 10m, 1h (default: until Ctrl-C, at most {OPEN_ENDED})",
    )
    run.add_argument("--rate", type=float, default=2000.0, help="simulated messages per second")
    run.add_argument(
        "--cities", default="jakarta,makassar,banyuwangi,sumedang", help="comma-separated slugs"
    )
    run.add_argument(
        "--faults",
        default="duplicate=0.005,out_of_order=0.01,late=0.005,malformed=0.002",
        help="simulator fault fractions (see `kotacerdas simulate --help`)",
    )
    run.add_argument(
        "--formats", default="native=0.6,senml=0.25,ngsi=0.15", help="payload format shares"
    )
    run.add_argument("--seed", type=int, default=7, help="simulator seed")
    run.set_defaults(handler=_run)


# Without --duration the simulator still needs a finite plan. Its time model replays a
# past window at the sensors' own intervals, compressed to reach --rate: at the default
# 2000 msgs/s a 24 h plan would need the pilot sensors to report every 0.7 s (refused),
# 6 h fits (tests/unit/kernel/test_pipeline_stop.py checks it).
OPEN_ENDED = "6h"


def parse_duration(text: str) -> float:
    units = {"s": 1, "m": 60, "h": 3600}
    try:
        if text[-1] in units:
            return float(text[:-1]) * units[text[-1]]
        return float(text)
    except (ValueError, IndexError):
        raise UserFacingError(f"--duration {text!r}: use seconds or 90s, 10m, 1h") from None


@dataclass
class Totals:
    received: float = 0
    forwarded: float = 0
    stored: float = 0
    letters: float = 0
    duplicates: float = 0
    lag: float = 0


def _totals(ingest: Child, aggregate: Child) -> Totals:
    i, a = ingest.metrics(), aggregate.metrics()

    def total(values: dict[str, float], prefix: str) -> float:
        return sum(v for k, v in values.items() if k.startswith(prefix) and "_created" not in k)

    return Totals(
        received=total(i, "kota_ingest_received_total"),
        forwarded=total(i, "kota_ingest_forwarded_total"),
        stored=total(a, "kota_agg_rows_inserted_total"),
        letters=total(a, "kota_agg_dead_letters_total"),
        duplicates=total(a, "kota_agg_duplicates_dropped_total"),
        lag=a.get("kota_agg_consumer_lag", 0.0),
    )


def _say(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def _run(args: argparse.Namespace) -> int:
    from aggregator.migrate import apply
    from kotacerdas.registry_store import load_into_database
    from kotacerdas.settings import DatabaseSettings, OwnerDatabaseSettings, RegistrySettings
    from kotacerdas.stack.manager import LocalStack
    from kotacerdas.stack.settings import StackSettings

    duration = parse_duration(args.duration) if args.duration else None
    print("starting the local stack (Mosquitto, Kafka, PostgreSQL) ...", file=sys.stderr)
    stack = LocalStack(StackSettings())
    env = stack.up(_say)
    os.environ.update(env)
    apply(OwnerDatabaseSettings().conninfo(), _say)
    counts = load_into_database(RegistrySettings().load(), DatabaseSettings().conninfo())
    _say(
        f"registry: {counts['cities']} cities, {counts['districts']} districts, "
        f"{counts['sensors']} sensors"
    )

    log_dir = Path(env["KOTA_STATE_DIR"]) / "logs"
    pipeline = Pipeline(env, log_dir)
    try:
        ingest = pipeline.start_service("ingest")
        aggregate = pipeline.start_service("aggregate")
        pipeline.wait_ready()
        _say(f"ingest and aggregator ready (logs in {log_dir})")
        sim_args = [
            "--cities",
            args.cities,
            "--rate",
            str(args.rate),
            "--seed",
            str(args.seed),
            "--faults",
            args.faults,
            "--formats",
            args.formats,
            "--duration",
            f"{duration:.0f}s" if duration else OPEN_ENDED,
        ]
        simulator = pipeline.start_simulator(*sim_args)
        _watch(ingest, aggregate, simulator, duration)
    except KeyboardInterrupt:
        print(file=sys.stderr)
    finally:
        _say("stopping simulator, ingest and aggregator (the stack keeps running)")
        pipeline.stop()
    return 0


def _watch(ingest: Child, aggregate: Child, simulator: Child, duration: float | None) -> None:
    started = time.monotonic()
    last, last_t = _totals(ingest, aggregate), started
    first = last
    interactive = sys.stderr.isatty()
    cadence = Cadence.starting(started)  # a log gets a line every 10 s, not one a second
    while True:
        time.sleep(1.0)
        now = time.monotonic()
        current = _totals(ingest, aggregate)
        dt = now - last_t
        line = (
            f"{now - started:6.0f}s  received {(current.received - last.received) / dt:7.0f}/s  "
            f"stored {(current.stored - last.stored) / dt:7.0f} rows/s  "
            f"dead letters {current.letters - first.letters:6.0f}  "
            f"duplicates dropped {current.duplicates - first.duplicates:5.0f}  "
            f"lag {current.lag:6.0f}"
        )
        if interactive:
            print(f"\r{line}", end="", file=sys.stderr, flush=True)
        elif cadence.due(now):
            print(line, file=sys.stderr, flush=True)
        last, last_t = current, now
        for child in (ingest, aggregate):
            if not child.running:
                raise UserFacingError(f"{child.name} stopped unexpectedly: {child.tail()}")
        sim_done = not simulator.running
        if (duration is not None and now - started >= duration) or sim_done:
            if current.lag == 0 and current.received <= current.forwarded + current.letters + 1:
                break
            if now - started > (duration or 0) + 60:
                break
    if interactive:
        print(file=sys.stderr)
    total = _totals(ingest, aggregate)
    elapsed = time.monotonic() - started
    print(
        f"done in {elapsed:.0f} s: {total.received - first.received:.0f} messages received, "
        f"{total.stored - first.stored:.0f} rows stored "
        f"({(total.stored - first.stored) / elapsed:.0f}/s), "
        f"{total.letters - first.letters:.0f} dead letters, "
        f"{total.duplicates - first.duplicates:.0f} duplicates dropped"
    )
