"""Baku tingkat kebisingan — KepMenLH No. KEP-48/MENLH/11/1996, Lampiran I and II.

Not in STANDARDS.md; looked up for issue 4 and marked [C]: the same zone values appear in
several independent transcriptions, but the gazetted PDF was not read.
"""

from __future__ import annotations

from typing import Final

from cityscore.tables.source import Source

LIMIT_SOURCE: Final = Source(
    title="KepMenLH 48/1996 Lampiran I, baku tingkat kebisingan per kawasan (dB(A))",
    urls=(
        "https://123dok.com/document/qo37wg5q-ind-puu-kepmen-kebisingan.html",
        "http://bushido02.wordpress.com/2011/03/01/baku-mutu-kebisingan/",
        "https://id.scribd.com/document/604740892/Kelompok-3-Baku-Mutu-Kebisingan",
    ),
    status="C",
    note="airports and railway stations: 'disesuaikan dengan ketentuan Menteri "
    "Perhubungan' (no value), so they are not listed",
)

#: Zone code -> baku tingkat kebisingan, dB(A).
LIMITS_DBA: Final[dict[str, float]] = {
    "perumahan_dan_permukiman": 55.0,
    "perdagangan_dan_jasa": 70.0,
    "perkantoran_dan_perdagangan": 65.0,
    "ruang_terbuka_hijau": 50.0,
    "industri": 70.0,
    "pemerintahan_dan_fasilitas_umum": 60.0,
    "rekreasi": 70.0,
    "pelabuhan_laut": 70.0,
    "cagar_budaya": 60.0,
    "rumah_sakit": 55.0,
    "sekolah": 55.0,
    "tempat_ibadah": 55.0,
}

#: The zone the safety helpers assume when a sensor's zone is not registered.
DEFAULT_ZONE: Final[str] = "perumahan_dan_permukiman"

LSM_SOURCE: Final = Source(
    title="KepMenLH 48/1996 Lampiran II: L_SM from L_S (06-22) and L_M (22-06), "
    "night +5 dB, compared with the limit with +3 dB(A) tolerance",
    urls=(
        "https://text-id.123dok.com/document/nzwvxj5vq-lsm-level-siang-malam-dan-metode-pengukuran-tingkat-cara-sederhana.html",
        "https://purifikasi.id/index.php/purifikasi/article/view/67",
    ),
    status="C",
)

DAY_HOURS: Final[float] = 16.0  # L_S covers 06.00-22.00
NIGHT_HOURS: Final[float] = 8.0  # L_M covers 22.00-06.00
NIGHT_PENALTY_DB: Final[float] = 5.0  # "L_M + 5" in the L_SM formula
TOLERANCE_DB: Final[float] = 3.0  # L_SM is compared with the limit "+3 dB(A)"
