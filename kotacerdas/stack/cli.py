"""`kotacerdas stack up | down | status`."""

from __future__ import annotations

import argparse
import sys
import time

from kotacerdas.stack.manager import LocalStack
from kotacerdas.stack.settings import StackSettings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stack = subparsers.add_parser(
        "stack",
        help="start/stop the local Mosquitto, Kafka and PostgreSQL (no Docker)",
        description="The native local stack on loopback ports. Settings: KOTA_STACK_* "
        "(state dir, ports, partitions). Generated secrets land in <state>/stack.env.",
    )
    actions = stack.add_subparsers(dest="action", metavar="ACTION", required=True)
    up = actions.add_parser("up", help="start everything that is not running (idempotent)")
    up.add_argument(
        "--no-install",
        action="store_true",
        help="never run apt-get; fail with the command to run instead",
    )
    up.set_defaults(handler=_up)
    down = actions.add_parser("down", help="stop the services this stack started")
    down.set_defaults(handler=_down)
    status = actions.add_parser("status", help="show each service's PID, port and readiness")
    status.set_defaults(handler=_status)


def _say(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def _up(args: argparse.Namespace) -> int:
    stack = LocalStack(StackSettings())
    started = time.monotonic()
    stack.up(_say, install=not args.no_install)
    print(f"stack up in {time.monotonic() - started:.1f} s; settings in {stack.env_file}")
    return 0


def _down(args: argparse.Namespace) -> int:
    LocalStack(StackSettings()).down(_say)
    print("stack down")
    return 0


def _status(args: argparse.Namespace) -> int:
    rows = LocalStack(StackSettings()).status()
    for row in rows:
        state = "ready" if row.ready else ("running" if row.pid else "stopped")
        detail = f"  {row.detail}" if row.detail else ""
        print(f"{row.name:<11} {state:<8} pid={row.pid or '-':<8} port={row.port}{detail}")
    return 0 if all(r.ready for r in rows) else 1
