"""Words and number formats of the report: Bahasa Indonesia first, English alongside."""

from __future__ import annotations

from typing import Final

from cityscore.tables import ispu as ispu_table

MONTHS_ID: Final = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
                    "Agustus", "September", "Oktober", "November", "Desember")  # fmt: skip
MONTHS_EN: Final = ("January", "February", "March", "April", "May", "June", "July",
                    "August", "September", "October", "November", "December")  # fmt: skip
_ROMAN: Final = ("I", "II", "III", "IV")

QUALITY: Final[dict[str, tuple[str, str]]] = {
    "ok": ("lengkap", "complete"),
    "partial": ("sebagian", "partial"),
    "low": ("rendah", "low"),
    "no_evidence": ("tidak ada bukti", "no evidence"),
    "no_denominator": ("penyebut tidak tersedia", "no denominator"),
}

ISPU_EN: Final = ("Good", "Moderate", "Unhealthy", "Very unhealthy", "Hazardous")
#: Display shades for the regulation's colour names (it defines no hex codes, §1.1).
ISPU_COLOURS: Final = ("#2e9d4a", "#1f6fd1", "#e0b400", "#d62828", "#222222")
ISPU_CATEGORIES: Final = tuple(
    (row[1], row[2], en, colour)
    for row, en, colour in zip(ispu_table.CATEGORIES, ISPU_EN, ISPU_COLOURS, strict=True)
)

COMPONENTS: Final[dict[str, tuple[str, str]]] = {
    "air_quality": ("Kualitas udara (ISPU)", "Air quality (ISPU)"),
    "mobility": ("Mobilitas (kemacetan)", "Mobility (congestion)"),
    "bins_not_overflowing": ("Tempat sampah tidak meluap", "Bins not overflowing"),
    "collection_efficiency": ("Efisiensi pengangkutan", "Collection efficiency"),
    "noise": ("Kebisingan (L_SM)", "Noise (L_SM)"),
    "hazardous_air": ("Udara berbahaya", "Hazardous air"),
    "bin_fire_risk": ("Risiko kebakaran tempat sampah", "Bin fire risk"),
    "gridlock": ("Kemacetan total (LOS F)", "Gridlock (LOS F)"),
    "speeding": ("Kendaraan melebihi batas kecepatan", "Speeding vehicles"),
    "night_noise": ("Kebisingan malam", "Night noise"),
}

_THIN: Final = "\u202f"  # narrow no-break space between thousands (SI style)


def period_names(kind: str, year: int, index: int) -> tuple[str, str]:
    """``("Oktober 2026", "October 2026")``, ``("Triwulan IV 2026", "Q4 2026")``, …"""
    if kind == "month":
        return f"{MONTHS_ID[index - 1]} {year}", f"{MONTHS_EN[index - 1]} {year}"
    if kind == "quarter":
        return f"Triwulan {_ROMAN[index - 1]} {year}", f"Q{index} {year}"
    return f"Tahun {year}", f"Year {year}"


def number(value: float | None, decimals: int = 1) -> str:
    """``1 234,5`` — decimal comma (Indonesian), narrow space for thousands; ``–`` for None."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", _THIN).replace(".", ",")


def percent(share: float | None) -> str:
    """A 0–1 share as ``60 %``."""
    return "–" if share is None else f"{number(share * 100.0, 0)}{_THIN}%"


#: How a unit is written after a number where the catalogue's form reads badly there.
_UNIT_DISPLAY: Final = {"0–100": "/ 100"}


def unit(text: str) -> str:
    return _UNIT_DISPLAY.get(text, text)


def decimals_for(unit: str, value: float | None) -> int:
    if value is None:
        return 1
    if unit in ("count",):
        return 0
    return 3 if abs(value) < 1 else 1


#: Method notes of the report, (Bahasa Indonesia, English).
METHOD_NOTES: Final = (
    (
        "Periode dihitung dalam waktu lokal kota; data dibaca dari rollup per jam (v_*_1h) "
        "melalui peran kota_reader.",
        "Periods are in the city's local time; data are read from hourly rollups (v_*_1h) "
        "through the kota_reader role (daily rollups are UTC days and would cut local days).",
    ),
    (
        "Rata-rata harian sah bila ≥ 18 jam data (75 %); nilai ISO 37120 = jumlah rata-rata "
        "harian kota / jumlah hari terukur.",
        "A daily mean needs ≥ 18 hours of data (75 %); ISO 37120 value = sum of city daily "
        "means / days measured.",
    ),
    (
        "WHO: 'jam di atas AQG' memakai rata-rata bergulir 24 jam tiap stasiun-jam; 'hari di "
        "atas AQG' memakai rata-rata harian. Keduanya membandingkan rata-rata 24 jam dengan "
        "pedoman 24 jam 15 µg/m³.",
        "WHO: 'hours above the AQG' use each station-hour's trailing 24-h mean; 'days above' "
        "use daily means. Both compare a 24-h mean with the 24-h guideline of 15 µg/m³.",
    ),
    (
        "ISPU per stasiun-hari dari rata-rata harian (Permen LHK P.14/2020); LOS dari V/C "
        "(PM 96/2015, kendaraan dihitung sebagai smp); kemacetan menurut definisi TomTom.",
        "ISPU per station-day from daily means (Permen LHK P.14/2020); LOS from V/C "
        "(PM 96/2015, vehicles counted as pcu); congestion by the TomTom definition.",
    ),
    (
        "Uptime = sampel diterima / sampel diharapkan. Bukti dengan uptime rendah ditandai di "
        "samping nilainya dan membatasi level kematangan (lihat rubrik).",
        "Uptime = samples received / samples expected. Evidence with low uptime is flagged next "
        "to its value and caps the maturity level (see the rubric).",
    ),
    (
        "Kota tanpa sensor suatu jenis mendapat 'tidak ada bukti', bukan 0. Rasio yang butuh "
        "inventaris kota (kontainer sampah, panjang jalan) tanpa sumber ditandai 'penyebut tidak "
        "tersedia'.",
        "A city with no sensor of a kind gets 'no evidence', never 0. Ratios that need a city "
        "inventory (containers, street length) without a sourced figure are 'no denominator'.",
    ),
    (
        "Data yang sama selalu menghasilkan berkas yang sama; hash SHA-256 masukan tercantum di "
        "bawah.",
        "The same data always gives the same files; the SHA-256 of the inputs is listed below.",
    ),
)
