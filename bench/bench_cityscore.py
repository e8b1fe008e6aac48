"""Benchmark: ISPU + AQI for N station-hours (default 1 million), three ways, one run.

1. **floor** — bare numpy: one ``np.interp`` per pollutant and table, then a max. No
   validation, truncation, rounding, categories or critical pollutant: the least work
   any implementation must do, so the ratios below say what correctness costs.
2. **vectorised** — :mod:`cityscore.vectorised` (validated, EPA truncation and rounding,
   categories, critical pollutant, beyond-table flags).
3. **scalar** — :func:`cityscore.ispu.index` + :func:`cityscore.aqi.index` per
   station-hour in a Python loop (what the aggregator does per window).

Inputs are synthetic log-normal concentrations for the 7 ISPU parameters (µg/m³) and
the 6 AQI keys in EPA units (converted once, outside the timing, with
:mod:`cityscore.units`), clipped below the EPA averaging-period hand-offs so all three
paths see the same table. Run: ``python bench/bench_cityscore.py [--n N]``; writes
``bench/results/cityscore.json`` and ``cityscore.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cityscore import aqi, ispu, units, vectorised  # noqa: E402
from cityscore.tables import aqi as aqi_table  # noqa: E402
from cityscore.tables import ispu as ispu_table  # noqa: E402

Floats = NDArray[np.float64]
RESULTS = ROOT / "bench" / "results"
SEED = 20261128
#: Log-normal medians (µg/m³) loosely shaped on a polluted Indonesian city day.
MEDIANS_UGM3 = {
    "pm10": 55.0, "pm25": 35.0, "so2": 20.0, "co": 1200.0, "o3": 60.0, "no2": 40.0, "hc": 40.0,
}  # fmt: skip
LOG_SIGMA = 0.8
#: EPA key -> (canonical pollutant, unit conversion) for the AQI inputs.
AQI_FROM = {
    "pm25": ("pm25", None), "pm10": ("pm10", None), "co": ("co", "ppm"),
    "no2": ("no2", "ppb"), "so2": ("so2", "ppb"), "o3_8h": ("o3", "ppm"),
}  # fmt: skip


def make_inputs(n: int) -> tuple[dict[str, Floats], dict[str, Floats]]:
    rng = np.random.default_rng(SEED)
    raw = {p: rng.lognormal(np.log(m), LOG_SIGMA, n) for p, m in MEDIANS_UGM3.items()}
    epa: dict[str, Floats] = {}
    for key, (pollutant, unit) in AQI_FROM.items():
        values = raw[pollutant]
        if unit == "ppm":
            values = values / units.ppm_to_ugm3(pollutant, 1.0)
        elif unit == "ppb":
            values = values / units.ppb_to_ugm3(pollutant, 1.0)
        top = aqi_table.TABLES[key].bands[-1].c_hi
        if key in aqi_table.HANDOFF_ABOVE_TOP:
            values = np.minimum(values, top)  # stay below the 1-h O3 / 24-h SO2 hand-off
        epa[key] = values
    return raw, epa


def floor_path(raw: dict[str, Floats], epa: dict[str, Floats]) -> Floats:
    ispu_subs = [
        np.interp(raw[p], ispu_table.BREAKPOINTS_UGM3[p], ispu_table.INDEX_ROWS)
        for p in ispu_table.POLLUTANTS
    ]
    aqi_subs = []
    for key in AQI_FROM:
        bands = aqi_table.TABLES[key].bands
        xs = [c for b in bands for c in (b.c_lo, b.c_hi)]
        ys = [i for b in bands for i in (b.i_lo, b.i_hi)]
        aqi_subs.append(np.interp(epa[key], xs, ys))
    worst = np.maximum(np.max(ispu_subs, axis=0), np.max(aqi_subs, axis=0))
    return np.asarray(worst, dtype=np.float64)


def vectorised_path(raw: dict[str, Floats], epa: dict[str, Floats]) -> Floats:
    ispu_result = vectorised.ispu_index(raw)
    aqi_result = vectorised.aqi_index(epa)
    return np.maximum(ispu_result.value, aqi_result.value)


def scalar_path(rows_ispu: list[dict[str, float]], rows_aqi: list[dict[str, float]]) -> float:
    worst = 0.0
    for ispu_row, aqi_row in zip(rows_ispu, rows_aqi, strict=True):
        worst = max(worst, ispu.index(ispu_row).value, float(aqi.index(aqi_row).value))
    return worst


def best_of(repeats: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def rows_of(columns: dict[str, Floats]) -> list[dict[str, float]]:
    names = list(columns)
    return [
        dict(zip(names, values, strict=True))
        for values in zip(*(columns[k].tolist() for k in names), strict=True)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="station-hours")
    parser.add_argument("--repeats", type=int, default=3, help="numpy repeats (best of)")
    args = parser.parse_args()
    raw, epa = make_inputs(args.n)
    t_floor = best_of(args.repeats, lambda: floor_path(raw, epa))
    t_vector = best_of(args.repeats, lambda: vectorised_path(raw, epa))
    rows_ispu, rows_aqi = rows_of(raw), rows_of(epa)
    t_scalar = best_of(1, lambda: scalar_path(rows_ispu, rows_aqi))
    # Same worst value from both cityscore paths (a cheap end-to-end agreement check).
    assert scalar_path(rows_ispu[:10_000], rows_aqi[:10_000]) == float(
        np.max(
            vectorised_path(
                {k: v[:10_000] for k, v in raw.items()}, {k: v[:10_000] for k, v in epa.items()}
            )
        )
    )
    report(
        args.n, args.repeats, {"numpy floor": t_floor, "vectorised": t_vector, "scalar": t_scalar}
    )


def report(n: int, repeats: int, seconds: dict[str, float]) -> None:
    floor = seconds["numpy floor"]
    rows = [
        {"path": path, "seconds": round(t, 4), "station_hours_per_s": round(n / t),
         "ratio_vs_floor": round(t / floor, 2)}
        for path, t in seconds.items()
    ]  # fmt: skip
    meta: dict[str, Any] = {
        "benchmark": "cityscore ISPU (7 parameters) + AQI (6 keys) per station-hour",
        "station_hours": n,
        "numpy_repeats_best_of": repeats,
        "scalar_runs": 1,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "recorded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "results": rows,
    }
    header = f"{'path':<12} {'seconds':>9} {'station-h/s':>14} {'× floor':>9}"
    lines = [header, "-" * len(header)]
    lines += [
        f"{r['path']:<12} {r['seconds']:>9.3f} {r['station_hours_per_s']:>14,} "
        f"{r['ratio_vs_floor']:>9.2f}"
        for r in rows
    ]
    print(f"ISPU + AQI, {n:,} station-hours (Python {meta['python']}, numpy {meta['numpy']})")
    print("\n".join(lines))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "cityscore.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    md = [
        "# cityscore benchmark — ISPU + AQI per station-hour",
        "",
        f"{n:,} station-hours; Python {meta['python']}, numpy {meta['numpy']}, "
        f"{meta['machine']}, {meta['cpus']} CPUs; recorded {meta['recorded_at']}.",
        f"numpy paths best of {repeats}; scalar path one run. Command: "
        "`python bench/bench_cityscore.py`.",
        "",
        "| path | seconds | station-hours/s | × numpy floor |",
        "|---|---:|---:|---:|",
        *(
            f"| {r['path']} | {r['seconds']:.3f} | {r['station_hours_per_s']:,} | "
            f"{r['ratio_vs_floor']:.2f} |"
            for r in rows
        ),
        "",
        "floor = bare `np.interp` per pollutant/table + max (no validation, truncation,",
        "rounding, categories); vectorised = `cityscore.vectorised`; scalar =",
        "`cityscore.ispu.index` + `cityscore.aqi.index` per station-hour.",
        "",
    ]
    (RESULTS / "cityscore.md").write_text("\n".join(md), encoding="utf-8")


if __name__ == "__main__":
    main()
