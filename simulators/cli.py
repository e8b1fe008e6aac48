"""``kotacerdas simulate``: publish synthetic readings of the pilot cities to the broker."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from kotacerdas.errors import UserFacingError
from kotacerdas.settings import MqttSettings, RegistrySettings
from simulators.config import (
    FAULTS,
    FORMATS,
    SCENARIOS,
    SimulationConfig,
    parse_duration,
    parse_faults,
    parse_formats,
    parse_scenarios,
)
from simulators.settings import FleetSecretSettings, SimulatorSettings

_EPILOG = """\
time model: --rate is messages per wall second for the whole fleet. Each sensor's simulated
clock advances by its interval per message, so simulated time runs faster than wall time;
it starts at --start (default: now minus the simulated span, so the run ends about now and
no timestamp lies in the future except for the clock_skew fault). The simulated span is
capped at 6 days (inside ingest's 7-day maximum age); beyond that sensors report more often
than their nominal interval instead.

example:
  kotacerdas simulate --cities jakarta,makassar --rate 5000 --duration 10m --seed 7 \\
    --faults duplicate=0.01,out_of_order=0.02,late=0.01,malformed=0.005,\
stuck=0.001,dropout=0.002,clock_skew=0.001 \\
    --formats native=0.6,senml=0.25,ngsi=0.15 --truth truth.jsonl
"""


def register(subparsers: Any) -> None:
    defaults = SimulatorSettings()
    parser = subparsers.add_parser(
        "simulate",
        help="publish simulated air, traffic and waste readings of the pilot cities over MQTT",
        description=__doc__,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add(
        "--cities",
        default=defaults.cities,
        help="comma-separated city slugs from the registry "
        "(default: %(default)s; env KOTA_SIM_CITIES)",
    )
    add(
        "--rate",
        type=float,
        default=None,
        help=f"messages per second for the whole run, all processes (default: {defaults.rate:g})",
    )
    add(
        "--max",
        action="store_true",
        help="publish as fast as the broker takes it until --duration has passed (excludes --rate)",
    )
    add(
        "--duration",
        default=f"{defaults.duration_s:g}s",
        help="how long to publish: 90, 90s, 10m, 2h (default: %(default)s)",
    )
    add(
        "--seed",
        type=int,
        default=defaults.seed,
        help="random seed; the same seed gives the same messages (default: %(default)s)",
    )
    add(
        "--faults",
        default=defaults.faults,
        help="fault fractions NAME=F,… with NAME in " + ", ".join(FAULTS) + " (default: none)",
    )
    add(
        "--formats",
        default=defaults.formats,
        help="payload format shares NAME=F,… with NAME in "
        + ", ".join(FORMATS)
        + " (default: %(default)s)",
    )
    add(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME",
        help="inject a scenario (repeatable): " + ", ".join(SCENARIOS),
    )
    add(
        "--truth",
        type=Path,
        default=None,
        metavar="FILE",
        help="write the ground truth (JSON Lines: every message, its validity, fault and "
        "expected dead-letter reason; gaps; scenarios) to FILE",
    )
    add(
        "--start",
        default=None,
        metavar="ISO8601",
        help="simulated start time with offset, e.g. 2026-11-28T00:00:00+07:00 "
        "(default: now minus the simulated span)",
    )
    add(
        "--scale",
        type=float,
        default=defaults.scale,
        help="registry scale: multiplies per-district sensor counts; must match the "
        "registry the broker's password file and ingest were built from (default: %(default)s)",
    )
    add(
        "--processes",
        type=int,
        default=defaults.processes,
        help="worker processes, each owning every N-th sensor (default: %(default)s)",
    )
    add(
        "--inflight",
        type=int,
        default=defaults.inflight_per_client,
        help="max unacknowledged QoS 1 publishes per sensor connection (default: %(default)s)",
    )
    add("--mqtt-host", default=None, help="broker host (default: KOTA_MQTT_HOST or 127.0.0.1)")
    add(
        "--mqtt-port", type=int, default=None, help="broker port (default: KOTA_MQTT_PORT or 21883)"
    )
    add(
        "--mqtt-protocol",
        type=int,
        choices=(4, 5),
        default=defaults.mqtt_protocol,
        help="MQTT protocol: 5 (default) or 4 = 3.1.1",
    )
    add("--quiet", action="store_true", help="no live status line (tests)")
    parser.set_defaults(handler=handle)


def config_from_args(args: argparse.Namespace) -> SimulationConfig:
    defaults = SimulatorSettings()
    mqtt = MqttSettings()  # type: ignore[call-arg]  # fields come from KOTA_MQTT_* env
    secret = FleetSecretSettings().sensor_secret.get_secret_value()
    if not secret:
        raise UserFacingError(
            "KOTA_SENSOR_SECRET is not set: it derives every sensor's MQTT password "
            "(kotacerdas stack up writes it to .kota/stack.env)"
        )
    cities = tuple(c.strip() for c in args.cities.split(",") if c.strip())
    if not cities:
        raise UserFacingError("--cities: name at least one city")
    if args.max and args.rate is not None:
        raise UserFacingError("--rate and --max exclude each other")
    rate = defaults.rate if args.rate is None else args.rate
    if rate <= 0:
        raise UserFacingError(f"--rate must be > 0, got {rate:g}")
    if args.processes < 1:
        raise UserFacingError(f"--processes must be ≥ 1, got {args.processes}")
    if not 1 <= args.inflight <= 1000:
        raise UserFacingError(f"--inflight must be within 1..1000, got {args.inflight}")
    start = None
    if args.start:
        try:
            start = datetime.fromisoformat(args.start)
        except ValueError:
            raise UserFacingError(f"--start {args.start!r} is not an ISO 8601 time") from None
        if start.tzinfo is None:
            raise UserFacingError(f"--start {args.start!r} needs a UTC offset, e.g. +07:00")
    duration_s = parse_duration(args.duration)
    if args.max:
        rate = _max_plan_rate(cities, args.scale, duration_s, defaults.max_span_s)
    return SimulationConfig(
        cities=cities,
        rate=rate,
        duration_s=duration_s,
        seed=args.seed,
        faults=parse_faults(args.faults),
        formats=parse_formats(args.formats),
        scenarios=parse_scenarios(args.scenario),
        start=start,
        scale=args.scale,
        # the same registry as the broker's password file and the bridge (extra cities too)
        registry_dir=RegistrySettings().dir,
        truth_path=args.truth,
        processes=args.processes,
        inflight_per_client=args.inflight,
        max_span_s=defaults.max_span_s,
        mqtt_host=args.mqtt_host or mqtt.host,
        mqtt_port=args.mqtt_port or mqtt.port,
        mqtt_protocol=args.mqtt_protocol,
        fleet_secret=secret,
        connect_timeout_s=defaults.connect_timeout_s,
        drain_timeout_s=defaults.drain_timeout_s,
        status_interval_s=defaults.status_interval_s,
        quiet=args.quiet,
        max_rate=args.max,
    )


def _max_plan_rate(cities: tuple[str, ...], scale: float, duration_s: float, span: float) -> float:
    from kotacerdas.registry import load_registry
    from simulators.planner import max_plan_rate
    from simulators.runner import select_sensors

    return max_plan_rate(select_sensors(load_registry(scale=scale), cities), duration_s, span)


def handle(args: argparse.Namespace) -> int:
    from simulators.runner import run

    report = run(config_from_args(args))
    if report.interrupted:
        return 130
    if report.unacked:
        print(
            f"kotacerdas simulate: {report.unacked} publishes were never acknowledged",
            file=sys.stderr,
        )
        return 1
    return 0
