"""What one frame of `kotacerdas top` says, and how it is drawn (pure; no I/O).

A number on this screen is read as the state of a city, so each cell says how much of
the city it stands on: a composite index seen over too little of the city is "not
enough data" with its coverage, an ISPU from fewer hours than its 24-hour mean is
marked partial, and a missing ISPU says what it waits for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Rates are averaged over this window: long enough to smooth batch bursts, short enough
# to show a stall within one refresh.
RATE_WINDOW_S = 10
# A composite (green-city, safety) renormalises its weights over the components it has
# and its coverage is that present weight times the share of the place's sensors
# reporting (cityscore.composite, aggregator/indicators/places.py). Below half, most of
# the number comes from what was *not* seen: "Aman / Safety 100 (12%)" was one component
# (no bin on fire) over the 60 % of sensors that were bins, read as a perfectly safe
# city. At half or more the measured part is the majority of the index. A city with
# every sensor reporting sits at 0.73 (green: no noise input yet, collection efficiency
# only once a bin was emptied) and 0.85 (safety), well above it.
MIN_COMPOSITE_COVERAGE = 0.5
# ISPU is the 24-hour mean of each pollutant (Permen LHK P.14/2020, STANDARDS §1.2).
ISPU_PERIOD_H = 24

# ISPU category → (bilingual label, terminal style); colours of Permen LHK P.14/2020.
ISPU_STYLE = {
    "baik": ("Baik / Good", "bold green"),
    "sedang": ("Sedang / Moderate", "bold blue"),
    "tidak_sehat": ("Tidak sehat / Unhealthy", "bold yellow"),
    "sangat_tidak_sehat": ("Sangat tidak sehat / Very unhealthy", "bold red"),
    "berbahaya": ("Berbahaya / Hazardous", "bold white on black"),
}


@dataclass(frozen=True)
class Ispu:
    """The city's ISPU now (its worst station), or what a missing one waits for."""

    category: str | None = None
    value: float | None = None
    hours: int | None = None  # of the 24-h mean behind ``value`` (None: not reported)
    computed: bool = False  # the indicator job has computed the city at least once
    stations: int = 0  # air stations registered
    silent: int = 0  # of them, found silent in the newest window
    hours_seen: int | None = None  # hours of air data in the stations' last 24 h


@dataclass(frozen=True)
class CityRow:
    slug: str
    name: str
    ispu: Ispu
    green: float | None
    green_coverage: float | None
    safety: float | None
    safety_coverage: float | None
    open_alerts: int
    critical_alerts: int
    letters_per_s: float
    readings_per_s: float


@dataclass(frozen=True)
class Pipeline:
    readings_per_s: float
    letters_per_s: float
    lag: int
    last_batch_age_s: float | None


@dataclass(frozen=True)
class Snapshot:
    cities: list[CityRow]
    pipeline: Pipeline
    taken_at: str


def index_text(value: float | None, coverage: float | None) -> str:
    """A composite index with its coverage, or "not enough data" below the floor."""
    if value is None:
        return "—"
    if coverage is None or coverage < MIN_COMPOSITE_COVERAGE:
        seen = "?" if coverage is None else f"{coverage:.0%}"
        return f"kurang data / not enough data ({seen})"
    return f"{value:.0f} ({coverage:.0%})"


def ispu_text(ispu: Ispu) -> tuple[str, str]:
    """The ISPU cell and its style."""
    if ispu.value is not None:
        label, style = ISPU_STYLE.get(ispu.category or "", (ispu.category or "?", ""))
        text = f"{label} {ispu.value:.0f}"
        if ispu.hours is not None and ispu.hours < ISPU_PERIOD_H:
            text += f" (sebagian / partial {ispu.hours}/{ISPU_PERIOD_H} h)"
        return text, style
    if ispu.stations == 0:
        return "— tanpa stasiun / no air station", "dim"
    seen = "?" if ispu.hours_seen is None else str(min(ispu.hours_seen, ISPU_PERIOD_H))
    if ispu.computed:
        waits = f"{ispu.stations - ispu.silent}/{ispu.stations} stations reporting"
    else:
        waits = "the first window"
    return f"— menunggu / waiting: {waits}, {seen}/{ISPU_PERIOD_H} h seen", "dim"


def render(snapshot: Snapshot, error: str | None = None) -> Any:
    """The frame: a rich Table."""
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=f"kotacerdas — {snapshot.taken_at}",
        title_justify="left",
        caption_style="bold red" if error else "dim",
    )
    for header, justify in (
        ("Kota / City", "left"),
        ("ISPU sekarang / now", "left"),
        ("Hijau / Green (cakupan)", "right"),
        ("Aman / Safety (cakupan)", "right"),
        ("Peringatan / Alerts (kritis)", "right"),
        ("Baca/s / Readings/s", "right"),
        ("Surat mati/s / Dead letters/s", "right"),
        ("Lag", "right"),
    ):
        wrap = not header.startswith(("ISPU", "Kota"))
        table.add_column(header, justify=justify, no_wrap=not wrap)  # type: ignore[arg-type]
    table.caption = error or (
        "cakupan / coverage = share of the city the sensors saw; below "
        f"{MIN_COMPOSITE_COVERAGE:.0%} an index is not enough data; ISPU is the "
        f"{ISPU_PERIOD_H}-h mean (P.14/2020), partial until a day is seen; "
        f"rates over the last {RATE_WINDOW_S} s"
    )
    for city in snapshot.cities:
        text, style = ispu_text(city.ispu)
        alerts = Text(
            f"{city.open_alerts} ({city.critical_alerts})",
            style="bold red" if city.critical_alerts else "",
        )
        table.add_row(
            city.name,
            Text(text, style=style),
            index_text(city.green, city.green_coverage),
            index_text(city.safety, city.safety_coverage),
            alerts,
            f"{city.readings_per_s:.1f}",
            f"{city.letters_per_s:.1f}",
            "",
        )
    pipe = snapshot.pipeline
    age = "—" if pipe.last_batch_age_s is None else f"{pipe.last_batch_age_s:.0f} s"
    table.add_section()
    table.add_row(
        Text("Pipeline (semua / all)", style="bold"),
        f"batch terakhir / last {age}",
        "",
        "",
        "",
        f"{pipe.readings_per_s:.1f}",
        f"{pipe.letters_per_s:.1f}",
        str(pipe.lag),
    )
    return table
