"""The tables in cityscore.tables equal STANDARDS.md, transcribed here a second time.

The second transcription is typed from STANDARDS.md independently of the package, so a
typo in either copy fails here rather than in a published index.
"""

from __future__ import annotations

import itertools
import math

import pytest

from cityscore.tables import aqi, chemistry, ispu, noise, policy, traffic, who
from cityscore.tables.source import Source

# STANDARDS.md §1.2, columns PM10 PM2.5 SO2 CO O3 NO2 HC, rows ISPU 0 50 100 200 300 ">300".
STANDARDS_ISPU = {
    "pm10": [0, 50, 150, 350, 420, 500],
    "pm25": [0, 15.5, 55.4, 150.4, 250.4, 500],
    "so2": [0, 52, 180, 400, 800, 1200],
    "co": [0, 4000, 8000, 15000, 30000, 45000],
    "o3": [0, 120, 235, 400, 800, 1000],
    "no2": [0, 80, 200, 1130, 2260, 3000],
    "hc": [0, 45, 100, 215, 432, 648],
}

# STANDARDS.md §2.1 as (c_lo, c_hi, i_lo, i_hi) rows.
STANDARDS_AQI = {
    "o3_8h": [
        (0.000, 0.054, 0, 50), (0.055, 0.070, 51, 100), (0.071, 0.085, 101, 150),
        (0.086, 0.105, 151, 200), (0.106, 0.200, 201, 300),
    ],
    "o3_1h": [
        (0.125, 0.164, 101, 150), (0.165, 0.204, 151, 200),
        (0.205, 0.404, 201, 300), (0.405, 0.604, 301, 500),
    ],
    "pm25": [
        (0.0, 9.0, 0, 50), (9.1, 35.4, 51, 100), (35.5, 55.4, 101, 150),
        (55.5, 125.4, 151, 200), (125.5, 225.4, 201, 300), (225.5, 325.4, 301, 500),
    ],
    "pm10": [
        (0, 54, 0, 50), (55, 154, 51, 100), (155, 254, 101, 150),
        (255, 354, 151, 200), (355, 424, 201, 300), (425, 604, 301, 500),
    ],
    "co": [
        (0.0, 4.4, 0, 50), (4.5, 9.4, 51, 100), (9.5, 12.4, 101, 150),
        (12.5, 15.4, 151, 200), (15.5, 30.4, 201, 300), (30.5, 50.4, 301, 500),
    ],
    "so2": [(0, 35, 0, 50), (36, 75, 51, 100), (76, 185, 101, 150), (186, 304, 151, 200)],
    "so2_24h": [(305, 604, 201, 300), (605, 1004, 301, 500)],
    "no2": [
        (0, 53, 0, 50), (54, 100, 51, 100), (101, 360, 101, 150),
        (361, 649, 151, 200), (650, 1249, 201, 300), (1250, 2049, 301, 500),
    ],
}  # fmt: skip

# STANDARDS.md §2.2 truncation: decimals per key.
STANDARDS_AQI_DECIMALS = {
    "o3_8h": 3, "o3_1h": 3, "pm25": 1, "pm10": 0, "co": 1, "so2": 0, "so2_24h": 0, "no2": 0,
}  # fmt: skip

# STANDARDS.md §3 (None = "–").
STANDARDS_WHO = {
    ("pm25", "annual"): (35, 25, 15, 10, 5),
    ("pm25", "24h"): (75, 50, 37.5, 25, 15),
    ("pm10", "annual"): (70, 50, 30, 20, 15),
    ("pm10", "24h"): (150, 100, 75, 50, 45),
    ("o3", "peak_season"): (100, 70, None, None, 60),
    ("o3", "8h"): (160, 120, None, None, 100),
    ("no2", "annual"): (40, 30, 20, None, 10),
    ("no2", "24h"): (120, 50, None, None, 25),
    ("so2", "24h"): (125, 50, None, None, 40),
    ("co", "24h"): (7, None, None, None, 4),
}


def test_ispu_breakpoints_equal_standards() -> None:
    assert ispu.INDEX_ROWS == (0, 50, 100, 200, 300, 500)
    assert {p: list(v) for p, v in ispu.BREAKPOINTS_UGM3.items()} == STANDARDS_ISPU


def test_ispu_table_is_continuous_and_increasing() -> None:
    for pollutant, xs in ispu.BREAKPOINTS_UGM3.items():
        assert len(xs) == len(ispu.INDEX_ROWS), pollutant
        assert all(a < b for a, b in itertools.pairwise(xs)), pollutant


def test_ispu_categories_equal_standards() -> None:
    assert [(row[0], row[1], row[3]) for row in ispu.CATEGORIES] == [
        (50, "baik", "hijau"),
        (100, "sedang", "biru"),
        (200, "tidak_sehat", "kuning"),
        (300, "sangat_tidak_sehat", "merah"),
        (math.inf, "berbahaya", "hitam"),
    ]


def test_aqi_breakpoints_equal_standards() -> None:
    got = {
        key: [(b.c_lo, b.c_hi, b.i_lo, b.i_hi) for b in spec.bands]
        for key, spec in aqi.TABLES.items()
    }
    assert got == STANDARDS_AQI
    assert {key: spec.decimals for key, spec in aqi.TABLES.items()} == STANDARDS_AQI_DECIMALS


@pytest.mark.parametrize("key", sorted(STANDARDS_AQI))
def test_aqi_bands_are_contiguous_after_truncation(key: str) -> None:
    spec = aqi.TABLES[key]
    scale = 10**spec.decimals
    for band in spec.bands:
        assert band.c_lo < band.c_hi and band.i_lo < band.i_hi
    for lower, upper in itertools.pairwise(spec.bands):
        # The gap between bands is exactly one truncation step, and the index continues.
        assert round(upper.c_lo * scale) - round(lower.c_hi * scale) == 1
        assert upper.i_lo == lower.i_hi + 1


def test_aqi_categories_and_colours_equal_standards() -> None:
    assert [(row[0], row[1], row[3]) for row in aqi.CATEGORIES[:-1]] == [
        (50, "good", "#00E400"),
        (100, "moderate", "#FFFF00"),
        (150, "usg", "#FF7E00"),
        (200, "unhealthy", "#FF0000"),
        (300, "very_unhealthy", "#8F3F97"),
    ]
    assert aqi.CATEGORIES[-1][1:] == ("hazardous", "Hazardous", "#7E0023")


def test_nowcast_constants_equal_standards() -> None:
    assert aqi.NOWCAST_HOURS == 12
    assert aqi.NOWCAST_PM_WEIGHT_FLOOR == 0.5


def test_who_levels_equal_standards() -> None:
    assert who.LEVELS == STANDARDS_WHO
    assert who.CARRIED_OVER_AQG == {
        ("no2", "1h"): 200, ("so2", "10min"): 500, ("co", "8h"): 10, ("co", "1h"): 30,
    }  # fmt: skip


def test_traffic_bands_equal_standards() -> None:
    assert [(upper, los) for upper, los, _ in traffic.VC_BANDS] == [
        (0.20, "A"), (0.44, "B"), (0.74, "C"), (0.84, "D"), (1.00, "E"), (math.inf, "F"),
    ]  # fmt: skip
    assert [status for *_, status in traffic.VC_BANDS] == ["C", "C", "C", "C", "U", "U"]
    assert traffic.SPEED_BANDS_KMH[:4] == ((80, "A"), (40, "B"), (30, "C"), (25, "D"))


def test_noise_limits_match_kepmenlh_48_1996() -> None:
    # Lampiran I as transcribed by bushido02.wordpress.com (2011) and 123dok.
    assert noise.LIMITS_DBA["perumahan_dan_permukiman"] == 55
    assert noise.LIMITS_DBA["ruang_terbuka_hijau"] == 50
    assert noise.LIMITS_DBA["perdagangan_dan_jasa"] == 70
    assert noise.LIMITS_DBA["perkantoran_dan_perdagangan"] == 65
    assert noise.LIMITS_DBA["rumah_sakit"] == noise.LIMITS_DBA["sekolah"] == 55
    assert (noise.DAY_HOURS, noise.NIGHT_HOURS, noise.NIGHT_PENALTY_DB) == (16, 8, 5)
    assert noise.TOLERANCE_DB == 3


def test_molar_masses_and_volume() -> None:
    assert chemistry.MOLAR_VOLUME_L_PER_MOL == 24.45
    assert chemistry.MOLAR_MASS_G_PER_MOL == {
        "no2": 46.0055, "so2": 64.066, "o3": 47.997, "co": 28.010, "hc": 16.04,
    }  # fmt: skip


def test_composite_weights_sum_to_one() -> None:
    for specs in (policy.GREEN_CITY_COMPONENTS, policy.SAFETY_COMPONENTS):
        assert math.isclose(sum(spec.weight for spec in specs), 1.0)
        assert len({spec.name for spec in specs}) == len(specs)


SOURCES = [
    ispu.TABLE_SOURCE, ispu.CATEGORY_SOURCE, ispu.AVERAGING_SOURCE,
    aqi.BREAKPOINT_SOURCE, aqi.EQUATION_SOURCE, aqi.CATEGORY_SOURCE, aqi.NOWCAST_SOURCE,
    who.SOURCE_2021, who.SOURCE_CARRIED_OVER,
    traffic.PM96_SOURCE, traffic.KM14_SOURCE, traffic.TOMTOM_SOURCE,
    noise.LIMIT_SOURCE, noise.LSM_SOURCE,
    chemistry.MOLAR_VOLUME_SOURCE, chemistry.MOLAR_MASS_SOURCE, policy.POLICY_SOURCE,
]  # fmt: skip


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.title[:40])
def test_every_table_cites_a_source_with_a_status(source: Source) -> None:
    assert source.status in {"V", "C", "U", "ours"}
    assert source.urls and all(url for url in source.urls)
    assert source.cite().startswith(source.title)


def test_status_marks_match_standards_md() -> None:
    assert ispu.TABLE_SOURCE.status == "V"
    assert ispu.AVERAGING_SOURCE.status == "U"
    assert aqi.BREAKPOINT_SOURCE.status == "C"
    assert aqi.EQUATION_SOURCE.status == aqi.NOWCAST_SOURCE.status == "V"
    assert who.SOURCE_2021.status == "V" and who.SOURCE_CARRIED_OVER.status == "U"
    assert traffic.TOMTOM_SOURCE.status == "V"
