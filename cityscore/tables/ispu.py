"""ISPU — Indeks Standar Pencemar Udara, Permen LHK No. P.14/MENLHK/SETJEN/KUM.1/7/2020.

STANDARDS.md §1. The breakpoint table is continuous: each row's concentration is both the
upper bound of one segment and the lower bound of the next (the regulation lists no
"+1 / +0.1" lower bounds; OpenAQ says it inferred those). All concentrations in µg/m³.
"""

from __future__ import annotations

from typing import Final

from cityscore.tables.source import Source

TABLE_SOURCE: Final = Source(
    title="Permen LHK P.14/2020 Lampiran, 'Batas Indeks Standar Pencemar Udara' (STANDARDS §1.2)",
    urls=(
        "https://123dok.com/id/docs/pengertian-dan-paraeter-ispu.12268587",
        "https://123dok.com/id/docs/permen-lhk-nomor-14-tahun-2020-1.12266278",
    ),
    status="V",
    note="table values [V]; cross-checked in >= 6 public implementations",
)

CATEGORY_SOURCE: Final = Source(
    title="Permen LHK P.14/2020 categories and colours (STANDARDS §1.1)",
    urls=(
        "https://climate4life.info/2021/03/regulasi-terbaru-perhitungan-ispu.html",
        "https://ditppu.menlhk.go.id/portal/read/indeks-standar-pencemar-udara-ispu-sebagai-informasi-mutu-udara-ambien-di-indonesia",
    ),
    status="V",
    note="float boundaries per STANDARDS §1.1: <=50, <=100, <=200, <=300, >300",
)

AVERAGING_SOURCE: Final = Source(
    title="ISPU averaging time: Lampiran header '24 Jam' for every parameter (STANDARDS §1.2)",
    urls=("https://123dok.com/id/docs/pengertian-dan-paraeter-ispu.12268587",),
    status="U",
    note="callers pass the 24-h rolling mean; the 1997 scheme used CO 8 h, O3/NO2 1 h",
)

#: ISPU value of each row of the Lampiran table; the last row is labelled ">300" in the
#: regulation and mapped to 500 by implementations and OpenAQ (STANDARDS §1.2).
INDEX_ROWS: Final[tuple[float, ...]] = (0.0, 50.0, 100.0, 200.0, 300.0, 500.0)

#: Concentration (µg/m³) at each row of INDEX_ROWS, in the regulation's column order.
BREAKPOINTS_UGM3: Final[dict[str, tuple[float, ...]]] = {
    "pm10": (0.0, 50.0, 150.0, 350.0, 420.0, 500.0),
    "pm25": (0.0, 15.5, 55.4, 150.4, 250.4, 500.0),
    "so2": (0.0, 52.0, 180.0, 400.0, 800.0, 1200.0),
    "co": (0.0, 4000.0, 8000.0, 15000.0, 30000.0, 45000.0),
    "o3": (0.0, 120.0, 235.0, 400.0, 800.0, 1000.0),
    "no2": (0.0, 80.0, 200.0, 1130.0, 2260.0, 3000.0),
    "hc": (0.0, 45.0, 100.0, 215.0, 432.0, 648.0),
}

#: Pollutant codes in the regulation's column order; ties for the critical parameter go
#: to the one listed first.
POLLUTANTS: Final[tuple[str, ...]] = tuple(BREAKPOINTS_UGM3)

#: Sub-indices above the top row are capped here and flagged as beyond the table.
INDEX_CAP: Final[float] = INDEX_ROWS[-1]

#: (upper bound inclusive, code, Kategori, Warna) — STANDARDS §1.1. The last band is open.
CATEGORIES: Final[tuple[tuple[float, str, str, str], ...]] = (
    (50.0, "baik", "Baik", "hijau"),
    (100.0, "sedang", "Sedang", "biru"),
    (200.0, "tidak_sehat", "Tidak Sehat", "kuning"),
    (300.0, "sangat_tidak_sehat", "Sangat Tidak Sehat", "merah"),
    (float("inf"), "berbahaya", "Berbahaya", "hitam"),
)

#: Category codes in order of increasing ISPU.
CATEGORY_CODES: Final[tuple[str, ...]] = tuple(row[1] for row in CATEGORIES)
