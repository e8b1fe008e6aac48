"""Our aggregator against the Quix Streams peer, on the same pre-loaded topics, same run.

Steps of ``compare``:
1. pre-load ``records`` synthetic readings of the registry's sensors (3 per sensor and
   minute, event time days back) into fresh topics ``peer<tag>.{air,traffic,waste}.v1``;
2. ours: empty raw and rollup tables, then ``kotacerdas aggregate`` with a fresh group
   reads from the start; its time runs from its first batch transaction to the moment
   every row is stored AND no rollup window is dirty (raw rows + 1 min/1 h/1 day rollups);
3. the 1-minute rollups ours wrote are kept aside, the 1-minute tables emptied;
4. the peer (bench/peers/quix_rollup.py, in its own virtualenv) reads the same topics
   with a fresh group; its time runs from its first record to its final checkpoint
   (sink flushed, offsets committed) after the last record;
5. the windows both wrote are compared (the peer cannot close each sensor's last window:
   no later event arrives), and the ratio ours/peer is the figure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from aggregator.rollup_sql import value_columns
from kotacerdas.benchmark.environment import PEERS, BenchStack, conninfo
from kotacerdas.benchmark.floors import truncate_raw
from kotacerdas.benchmark.kafka_io import ensure_topics, produce_readings
from kotacerdas.benchmark.stats import poll_until
from kotacerdas.benchmark.workload import readings
from kotacerdas.contract import DOMAINS
from kotacerdas.errors import UserFacingError
from kotacerdas.pipeline import Pipeline
from kotacerdas.stack.settings import default_cache_dir

REQUIREMENTS = PEERS / "requirements.txt"
SCRIPT = PEERS / "quix_rollup.py"
SPACING_S = 20  # three readings per sensor and 1-minute window

Say = Callable[[str], None]


def peer_version() -> str:
    for line in REQUIREMENTS.read_text().splitlines():
        if line.startswith("quixstreams=="):
            return line.split("==", 1)[1].strip()
    raise UserFacingError(f"{REQUIREMENTS} does not pin quixstreams")


def ensure_peer_env(say: Say) -> Path:
    """The peer's own virtualenv (created once, cached per version); its python."""
    root = default_cache_dir() / f"peer-quixstreams-{peer_version()}"
    python = root / "bin" / "python"
    if python.exists():
        return python
    say(f"creating the peer's virtualenv in {root} (quixstreams {peer_version()}) ...")
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    result = subprocess.run(
        [str(root / "bin" / "pip"), "install", "-q", "-r", str(REQUIREMENTS)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise UserFacingError(
            f"could not install the peer ({REQUIREMENTS}): {result.stderr.strip()[-300:]}"
        )
    return python


def compare(stack: BenchStack, records: int, say: Say, timeout_s: float = 900) -> dict[str, Any]:
    from kotacerdas.registry import load_registry

    python = ensure_peer_env(say)
    tag = uuid.uuid4().hex[:6]
    prefix = f"peer{tag}"
    env = {
        **stack.env,
        "KOTA_KAFKA_TOPIC_PREFIX": prefix,
        "KOTA_AGG_GROUP_ID": f"kota-aggregator-{prefix}",
        "KOTA_AGG_LOG_LEVEL": "WARNING",
    }
    ensure_topics(env, prefix)
    sensors = sorted(load_registry().sensors.values(), key=lambda s: s.sensor_id)
    start = (datetime.now(UTC) - timedelta(days=3)).replace(second=0, microsecond=0)
    rows = readings(records, start, sensors, spacing_s=SPACING_S, tag=f"p{tag}-")
    say(f"pre-loading {records:,} readings into {prefix}.*.v1 ...")
    produce_readings(stack.env["KOTA_KAFKA_BOOTSTRAP"], rows, prefix)
    del rows
    truncate_raw(stack.env, rollups=True)
    say("ours: kotacerdas aggregate from the start of the topics ...")
    ours = _ours(stack, env, records, timeout_s)
    kept = _rollups_1m(conninfo(stack.env, "writer"))
    _truncate_1m(stack.env)
    say(f"peer: Quix Streams {peer_version()} from the start of the same topics ...")
    peer = _peer(stack, python, prefix, records, timeout_s)
    theirs = _rollups_1m(conninfo(stack.env, "writer"))
    agreement = _agreement(kept, theirs)
    ratio = ours["rate"] / peer["rate"] if peer.get("rate") else None
    return {
        "records": records,
        "ours": ours,
        "peer": peer,
        "ratio": ratio,
        "agreement": agreement,
        "quixstreams": peer.get("quixstreams", peer_version()),
        "spacing_s": SPACING_S,
    }


def _ours(stack: BenchStack, env: dict[str, str], records: int, timeout_s: float) -> dict:
    writer = conninfo(stack.env, "writer")
    begun = datetime.now(UTC)
    pipeline = Pipeline(env, stack.log_dir)
    pipeline.start_service("aggregate", f"aggregate-{env['KOTA_KAFKA_TOPIC_PREFIX']}")
    raw = " + ".join(f"(SELECT count(*) FROM {d}_reading)" for d in DOMAINS)
    try:
        with psycopg.connect(writer, autocommit=True) as conn:

            def scalar(q: str, *args: object) -> float:
                found = conn.execute(q, args).fetchone()
                return float(found[0] or 0) if found else 0.0

            stored = poll_until(lambda: scalar(f"SELECT {raw}") >= records, timeout_s, 0.2)
            stored_wall = time.time()
            rolled = poll_until(
                lambda: scalar("SELECT count(*) FROM rollup_dirty") == 0, timeout_s, 0.2
            )
            rolled_wall = time.time()
            first = scalar(
                "SELECT extract(epoch FROM min(ts)) FROM pipeline_batch WHERE ts >= %s", begun
            )
    finally:
        pipeline.stop()
    if stored is None or rolled is None or not first:
        raise UserFacingError("our aggregator did not catch up with the pre-loaded topics")
    return {
        "records": records,
        "raw_seconds": stored_wall - first,
        "seconds": rolled_wall - first,
        "rate": records / (rolled_wall - first),
        "rate_raw_only": records / (stored_wall - first),
    }


def _peer(stack: BenchStack, python: Path, prefix: str, records: int, timeout_s: float) -> dict:
    env = {
        **os.environ,
        "PEER_DB_HOST": stack.env["KOTA_OWNER_DB_HOST"],
        "PEER_DB_PORT": stack.env["KOTA_OWNER_DB_PORT"],
        "PEER_DB_USER": "kota_owner",  # the sink runs CREATE SCHEMA IF NOT EXISTS
        "PEER_DB_PASSWORD": stack.env["KOTA_OWNER_DB_PASSWORD"],
    }
    with tempfile.TemporaryDirectory(prefix="kota-peer-") as state:
        out = subprocess.run(
            [
                str(python),
                str(SCRIPT),
                "--bootstrap",
                stack.env["KOTA_KAFKA_BOOTSTRAP"],
                "--prefix",
                prefix,
                "--group",
                f"quix-{prefix}",
                "--expect",
                str(records),
                "--state-dir",
                state,
                "--timeout",
                str(timeout_s),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout_s + 60,
        )
    (stack.log_dir / f"{prefix}-quix.log").write_text(out.stdout + out.stderr)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        raise UserFacingError(f"the Quix peer failed: {(out.stderr or out.stdout).strip()[-400:]}")
    return json.loads(lines[-1])


def _rollups_1m(conn_str: str) -> dict[tuple[str, str, datetime], tuple]:
    found = {}
    with psycopg.connect(conn_str) as conn:
        for domain in DOMAINS:
            cols = ["samples", *(c for c, _ in value_columns(domain))]
            q = f"SELECT sensor_id, ts, {', '.join(cols)} FROM {domain}_rollup_1m"
            for row in conn.execute(q):
                found[(domain, row[0], row[1])] = tuple(row[2:])
    return found


def _truncate_1m(env: dict[str, str]) -> None:
    with psycopg.connect(conninfo(env, "owner"), autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(f'{d}_rollup_1m' for d in DOMAINS)}")


def _close(a: tuple, b: tuple) -> bool:
    for x, y in zip(a, b, strict=True):
        if x is None or y is None:
            if (x is None) != (y is None) and (x or y):  # peer writes n = 0 as 0, not NULL
                return False
        elif abs(x - y) > 1e-6 * max(1.0, abs(x)):
            return False
    return True


def _agreement(ours: dict, theirs: dict) -> dict[str, int]:
    both = ours.keys() & theirs.keys()
    same = sum(1 for k in both if _close(ours[k], theirs[k]))
    return {
        "windows_ours": len(ours),
        "windows_peer": len(theirs),
        "both": len(both),
        "equal": same,
        "different": len(both) - same,
        "only_ours": len(ours.keys() - theirs.keys()),
        "only_peer": len(theirs.keys() - ours.keys()),
    }
