"""`kotacerdas dashboards build | push`: Grafana dashboards and alert rules as code."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from kotacerdas.errors import UserFacingError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    dashboards = subparsers.add_parser(
        "dashboards",
        help="build the Grafana dashboards and alert rules, or push them to a Grafana",
        description="Dashboards are Python builders (kotacerdas/dashboards/); `build` writes "
        "deploy/grafana/dashboards/<folder>/<uid>.json and the alert-rule provisioning file.",
    )
    actions = dashboards.add_subparsers(dest="action", metavar="ACTION", required=True)

    build = actions.add_parser("build", help="write the dashboard JSON and alerting files")
    build.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: deploy/grafana of this checkout)",
    )
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if the files are not up to date (CI)",
    )
    build.set_defaults(handler=_build)

    push = actions.add_parser("push", help="create or update the dashboards in a Grafana")
    push.add_argument("--url", required=True, help="Grafana base URL, e.g. http://127.0.0.1:3000")
    push.add_argument(
        "--token",
        default=os.environ.get("KOTA_GRAFANA_TOKEN", ""),
        help="service-account token (default: $KOTA_GRAFANA_TOKEN)",
    )
    push.add_argument(
        "--from",
        dest="source",
        type=Path,
        default=None,
        help="folder holding the built files (default: deploy/grafana)",
    )
    push.add_argument("--timeout", type=float, default=10.0, help="seconds per request")
    push.set_defaults(handler=_push)


def _build(args: argparse.Namespace) -> int:
    from kotacerdas.dashboards.catalogue import DEPLOY_DIR, stale_files, write

    out = args.out or DEPLOY_DIR
    if args.check:
        stale = stale_files(out)
        for path in stale:
            print(f"out of date: {path}")
        if stale:
            raise UserFacingError("run `kotacerdas dashboards build`", exit_code=1)
        print("dashboards are up to date")
        return 0
    written = write(out)
    print(f"{len(written)} file(s) written under {out}" if written else "nothing changed")
    return 0


def _push(args: argparse.Namespace) -> int:
    from kotacerdas.dashboards.catalogue import DEPLOY_DIR
    from kotacerdas.dashboards.push import push_all

    results = push_all(args.url, args.token, args.source or DEPLOY_DIR, args.timeout)
    for item in results:
        print(f"{item.status or 'ok':<8} {item.folder}/{item.uid}  {item.url}")
    return 0
