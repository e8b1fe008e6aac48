"""Decode throughput per core, per payload format, beside the ``json.loads`` floor.

    python bench/bench_decode.py [--n N] [--repeat R] [--out bench/results]

For every format a corpus of realistic payloads (the pilot registry's sensors, all three
domains, simulator-like metrics) is built, then timed in one process on one core:

* ``json.loads`` on the same bytes — the floor: parsing alone, no validation;
* ``msgspec.json.decode`` on the same bytes — for reference;
* ``ingest.formats.decode`` — parse, check topic/registry, time, fields, build ``Reading``.

Each is run ``--repeat`` times; the best run is reported (the least disturbed by other
processes on a shared machine) with the median beside it. The target (issue 3 item 6):
native decode ≥ 40 % of the ``json.loads`` rate. Results go to ``decode.json``/``decode.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any

import msgspec

from ingest.formats import decode
from kotacerdas.contract import Domain
from kotacerdas.registry import Registry, Sensor, load_registry

TARGET_NATIVE_RATIO = 0.40
RECEIVED_AT = datetime(2026, 11, 28, 1, 0, 30, tzinfo=UTC)
_encode = msgspec.json.Encoder().encode
_NGSI_TYPE = {
    "air": "AirQualityObserved",
    "traffic": "TrafficFlowObserved",
    "waste": "WasteContainer",
}
_NGSI_ATTR = {
    "pm25": ("pm25", 1.0, "GQ"),
    "pm10": ("pm10", 1.0, "GQ"),
    "no2": ("NO2", 1.0, "GQ"),
    "so2": ("SO2", 1.0, "GQ"),
    "o3": ("O3", 1.0, "GQ"),
    "co": ("CO", 1.0, "GQ"),
    "temperature": ("temperature", 1.0, "CEL"),
    "humidity": ("relativeHumidity", 0.01, None),
    "vehicle_count": ("intensity", 1.0, None),
    "avg_speed_kmh": ("averageVehicleSpeed", 1.0, "KMH"),
    "occupancy": ("occupancy", 0.01, None),
    "fill_level": ("fillingLevel", 0.01, None),
    "weight_kg": ("cargoWeight", 1.0, "KGM"),
}
_SENML_UNIT = {
    "pm25": "ug/m3",
    "pm10": "ug/m3",
    "no2": "ug/m3",
    "so2": "ug/m3",
    "o3": "ug/m3",
    "co": "ug/m3",
    "hc": "ug/m3",
    "temperature": "Cel",
    "humidity": "%RH",
    "noise": "dB",
    "avg_speed_kmh": "km/h",
    "occupancy": "%",
    "fill_level": "%",
    "weight_kg": "kg",
}


def _metrics(domain: Domain, rng: random.Random) -> dict[str, float]:
    """What our simulators send per domain (all metrics, realistic magnitudes)."""

    def r(low: float, high: float) -> float:
        return round(rng.uniform(low, high), 2)

    if domain == "air":
        return {
            "pm25": r(5, 150),
            "pm10": r(10, 250),
            "no2": r(5, 120),
            "so2": r(2, 60),
            "o3": r(10, 180),
            "co": r(300, 3000),
            "hc": r(20, 90),
            "temperature": r(24, 36),
            "humidity": r(50, 95),
            "noise": r(45, 85),
        }
    if domain == "traffic":
        vehicles = float(rng.randint(0, 120))
        return {
            "vehicle_count": vehicles,
            "avg_speed_kmh": r(5, 70),
            "occupancy": r(0, 60),
            "speeding_count": float(rng.randint(0, int(vehicles) // 5)),
        }
    return {
        "fill_level": r(0, 110),
        "temperature": r(25, 45),
        "weight_kg": r(0, 300),
        "lid_open": float(rng.random() < 0.05),
    }


def _native(s: Sensor, ts: datetime, seq: int, m: dict[str, float]) -> bytes:
    doc: dict[str, Any] = {
        "v": 1,
        "sensor_id": s.sensor_id,
        "ts": ts.astimezone(_WIB).isoformat(),
        "seq": seq,
        "msg_id": f"{s.sensor_id}-{seq}",
        "metrics": m,
    }
    if s.domain == "traffic":
        doc["interval_s"] = s.interval_s
    return _encode(doc)


def _senml(s: Sensor, ts: datetime, seq: int, m: dict[str, float]) -> bytes:
    records: list[dict[str, Any]] = []
    for name, value in m.items():
        record: dict[str, Any] = {"n": name, "v": value}
        if name in _SENML_UNIT:
            record["u"] = _SENML_UNIT[name]
        records.append(record)
    records[0] = {"bn": f"{s.sensor_id}:", "bt": int(ts.timestamp()), **records[0]}
    return _encode(records)


def _ngsi(ld: bool, normalized: bool) -> Callable[[Sensor, datetime, int, dict[str, float]], bytes]:
    def encode(s: Sensor, ts: datetime, seq: int, m: dict[str, float]) -> bytes:
        entity_type = _NGSI_TYPE[s.domain]
        doc: dict[str, Any] = {
            "id": f"urn:ngsi-ld:{entity_type}:{s.sensor_id}",
            "type": entity_type,
        }
        observed = ts.astimezone(_WIB).isoformat()
        if s.domain == "traffic":
            start = (ts - timedelta(seconds=s.interval_s)).astimezone(_WIB).isoformat()
            observed = f"{start}/{observed}"
        doc["dateObserved"] = (
            observed
            if not normalized
            else {"type": "Property", "value": {"@type": "DateTime", "@value": observed}}
            if ld
            else {"type": "DateTime", "value": observed}
        )
        for name, value in m.items():
            if name not in _NGSI_ATTR:
                continue
            attr, factor, unit = _NGSI_ATTR[name]
            sent = round(value * factor, 6)
            if not normalized:
                doc[attr] = sent
            elif ld:
                doc[attr] = {
                    "type": "Property",
                    "value": sent,
                    **({"unitCode": unit} if unit else {}),
                }
            else:
                meta = {"metadata": {"unitCode": {"type": "Text", "value": unit}}} if unit else {}
                doc[attr] = {"type": "Number", "value": sent, **meta}
        if ld:
            doc["@context"] = ["https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"]
        return _encode(doc)

    return encode


_WIB = timezone(timedelta(hours=7))  # Jakarta (WIB): what the simulators put in ts
FORMATS: dict[str, Callable[[Sensor, datetime, int, dict[str, float]], bytes]] = {
    "native": _native,
    "senml": _senml,
    "ngsi-ld-normalized": _ngsi(ld=True, normalized=True),
    "ngsi-ld-keyvalues": _ngsi(ld=True, normalized=False),
    "ngsi-v2-normalized": _ngsi(ld=False, normalized=True),
    "ngsi-v2-keyvalues": _ngsi(ld=False, normalized=False),
}


def corpus(fmt: str, registry: Registry, size: int, seed: int = 3) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    sensors = sorted(registry.sensors.values(), key=lambda s: s.sensor_id)
    out = []
    for i in range(size):
        s = sensors[i % len(sensors)]
        ts = RECEIVED_AT - timedelta(seconds=rng.randint(0, 3600))
        topic = f"kota/{s.city}/{s.domain}/{s.sensor_id}"
        out.append((topic, FORMATS[fmt](s, ts, i, _metrics(s.domain, rng))))
    return out


def _time(fn: Callable[[], None], repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return runs


def bench_format(fmt: str, registry: Registry, n: int, repeat: int) -> dict[str, Any]:
    items = corpus(fmt, registry, n)
    payloads = [p for _, p in items]
    loads = json.loads
    mdecode = msgspec.json.Decoder().decode

    for topic, payload in items:  # the corpus must be fully accepted, or the rate is a lie
        result = decode(topic, payload, RECEIVED_AT, registry=registry)
        if not result.accepted or result.rejections:
            raise SystemExit(f"{fmt}: corpus payload refused: {result.rejections}")

    def run_loads() -> None:
        for p in payloads:
            loads(p)

    def run_msgspec() -> None:
        for p in payloads:
            mdecode(p)

    def run_decode() -> None:
        for topic, p in items:
            decode(topic, p, RECEIVED_AT, registry=registry)

    rates = {}
    for name, fn in (("json_loads", run_loads), ("msgspec", run_msgspec), ("decode", run_decode)):
        runs = _time(fn, repeat)
        rates[name] = {"best": n / min(runs), "median": n / statistics.median(runs)}
    return {
        "format": fmt,
        "messages": n,
        "mean_payload_bytes": round(sum(map(len, payloads)) / n, 1),
        "rate_per_s": rates,
        "ratio_to_json_loads": rates["decode"]["best"] / rates["json_loads"]["best"],
        "ratio_to_json_loads_median": rates["decode"]["median"] / rates["json_loads"]["median"],
    }


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "pydantic": version("pydantic"),
        "msgspec": version("msgspec"),
    }


def load() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        "# Decode throughput per core (`bench/bench_decode.py`)",
        "",
        f"Run {report['started']} · {report['messages']} messages per format · best of "
        f"{report['repeat']} runs (median in brackets) · one process, one core.",
        "",
        f"Machine: {m['cpu']}, {m['logical_cpus']} logical CPUs (shared), {m['implementation']} "
        f"{m['python']}, pydantic {m['pydantic']}, msgspec {m['msgspec']}. Load average "
        f"before {report['load_before']}, after {report['load_after']}.",
        "",
        "| format | bytes | json.loads msg/s | msgspec msg/s | decode msg/s "
        "| decode / json.loads |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        rate = r["rate_per_s"]
        lines.append(
            f"| {r['format']} | {r['mean_payload_bytes']:.0f} "
            f"| {rate['json_loads']['best']:,.0f} ({rate['json_loads']['median']:,.0f}) "
            f"| {rate['msgspec']['best']:,.0f} ({rate['msgspec']['median']:,.0f}) "
            f"| {rate['decode']['best']:,.0f} ({rate['decode']['median']:,.0f}) "
            f"| {r['ratio_to_json_loads']:.0%} ({r['ratio_to_json_loads_median']:.0%}) |"
        )
    native = next(r for r in report["results"] if r["format"] == "native")
    verdict = "met" if native["ratio_to_json_loads"] >= TARGET_NATIVE_RATIO else "NOT met"
    lines += [
        "",
        f"Target (issue 3 item 6): native decode ≥ {TARGET_NATIVE_RATIO:.0%} of the json.loads "
        f"floor — **{verdict}** ({native['ratio_to_json_loads']:.0%}).",
        "",
        "`decode` = size and topic checks, registry lookup, msgspec parse, adapter by markers, "
        "identity, event-time window, per-field type/finiteness/range/unit checks, canonical "
        "units, msg_id (given or derived), `Reading` built. The floor parses only.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="messages per format per run")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per measurement")
    parser.add_argument("--formats", nargs="*", default=list(FORMATS), choices=list(FORMATS))
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)
    if args.n < 1 or args.repeat < 1:
        parser.error("--n and --repeat must be >= 1")

    registry = load_registry()
    report: dict[str, Any] = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "messages": args.n,
        "repeat": args.repeat,
        "machine": machine(),
        "load_before": load(),
        "target_native_ratio": TARGET_NATIVE_RATIO,
        "results": [],
    }
    print(f"{'format':<20} {'json.loads/s':>13} {'msgspec/s':>12} {'decode/s':>11} {'ratio':>6}")
    for fmt in args.formats:
        r = bench_format(fmt, registry, args.n, args.repeat)
        report["results"].append(r)
        rate = r["rate_per_s"]
        print(
            f"{fmt:<20} {rate['json_loads']['best']:>13,.0f} {rate['msgspec']['best']:>12,.0f} "
            f"{rate['decode']['best']:>11,.0f} {r['ratio_to_json_loads']:>6.0%}"
        )
    report["load_after"] = load()

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "decode.json").write_text(json.dumps(report, indent=2) + "\n")
    if any(r["format"] == "native" for r in report["results"]):
        (args.out / "decode.md").write_text(markdown(report))
    print(f"load average before {report['load_before']} after {report['load_after']}")
    print(f"wrote {args.out / 'decode.json'} and decode.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
