"""Traffic level of service and congestion (STANDARDS.md §4).

- PM 96/2015 (Permenhub, Manajemen dan Rekayasa Lalu Lintas): LOS by degree of saturation
  DS = V/C. Bands are half-open on the upper side (0.20 < DS <= 0.44 -> B, …).
- KM 14/2006: LOS by average travel speed on the urban network.
- TomTom Traffic Index: congestion level = extra travel time over free flow, in percent.
"""

from __future__ import annotations

from typing import Final

from cityscore.tables.source import Source

PM96_SOURCE: Final = Source(
    title="PM 96/2015 LOS by V/C (STANDARDS §4.1)",
    urls=(
        "https://id.scribd.com/document/454143645/LOS-Charles-Panjaitan",
        "https://properti.kompas.com/read/2019/04/10/070000021/menurut-anda-bagaimana-tingkat-pelayanan-mrt-jakarta-?page=2",
    ),
    status="C",
    note="A-D [C]; E and F bands [U]: not in the excerpt read, commonly cited continuation",
)

#: (upper bound inclusive, LOS, status) — V/C bands of PM 96/2015; F is open-ended.
VC_BANDS: Final[tuple[tuple[float, str, str], ...]] = (
    (0.20, "A", "C"),
    (0.44, "B", "C"),
    (0.74, "C", "C"),
    (0.84, "D", "C"),
    (1.00, "E", "U"),
    (float("inf"), "F", "U"),
)

LEVELS: Final[tuple[str, ...]] = tuple(row[1] for row in VC_BANDS)

KM14_SOURCE: Final = Source(
    title="KM 14/2006 LOS with speed, urban network (STANDARDS §4.2)",
    urls=(
        "https://text-id.123dok.com/document/dzxvdxmdy-kecepatan-kendaraan-kinerja-jaringan-jalan-perkotaan.html",
    ),
    status="C",
    note="A-D minimum speeds [C]; E '≈25' and F '≈15' km/h are approximate, so the "
    "E/F split at 15 km/h is our reading [U]",
)

#: (minimum speed km/h inclusive, LOS) — first row whose minimum the speed reaches.
SPEED_BANDS_KMH: Final[tuple[tuple[float, str], ...]] = (
    (80.0, "A"),
    (40.0, "B"),
    (30.0, "C"),
    (25.0, "D"),
    (15.0, "E"),
    (0.0, "F"),
)

TOMTOM_SOURCE: Final = Source(
    title="TomTom Traffic Index congestion level (STANDARDS §4.4)",
    urls=(
        "https://www.tomtom.com/newsroom/explainers-and-insights/urban-traffic-congestion/",
        "https://www.gparashar.com/blog/tomtom-traffic-index",
    ),
    status="V",
    note="worked example: a 30-min free-flow trip taking 45 min is 50 %",
)
