"""The public air-quality page of a city, rendered on the server (pure: data → HTML).

No script and no outside resource: the page is complete when it loads, works with no
network beyond the API, and a strict Content-Security-Policy (:data:`CSP`) holds. ISPU
categories and colours are those of Permen LHK P.14/2020 (cityscore.tables.ispu,
STANDARDS §1.1; the regulation names colours, the shades are the export's,
:mod:`kotacerdas.export.labels`). Bahasa Indonesia by default, English with ``?lang=en``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from typing import Final, Literal
from zoneinfo import ZoneInfo

from kotacerdas.export.labels import ISPU_CATEGORIES

Lang = Literal["id", "en"]
CSP: Final = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"
#: code → (Bahasa label, English label, display colour), in order of increasing ISPU.
ISPU: Final = {code: (label, en, colour) for code, label, en, colour in ISPU_CATEGORIES}
#: Chart geometry (CSS pixels) and the ISPU drawn at the top of every station chart,
#: so charts compare at a glance (the upper bound of "Tidak Sehat").
CHART_W, CHART_H, CHART_TOP = 280, 70, 200.0

WORDS: Final[dict[str, tuple[str, str]]] = {
    "title": ("Kualitas udara", "Air quality"),
    "stations": ("ISPU per stasiun", "ISPU per station"),
    "station": ("Stasiun", "Station"),
    "district": ("Kecamatan", "District"),
    "category": ("Kategori", "Category"),
    "last24": ("24 jam terakhir (rata-rata per jam)", "last 24 hours (hourly mean)"),
    "districts": ("Kecamatan", "Districts"),
    "population": ("Penduduk", "Population"),
    "area": ("Luas (km²)", "Area (km²)"),
    "green": ("Indeks kota hijau", "Green-city index"),
    "safety": ("Indeks keamanan", "Safety index"),
    "coverage": ("cakupan", "coverage"),
    "city_ispu": ("ISPU kota (stasiun terburuk)", "City ISPU (worst station)"),
    "no_data": ("belum ada data", "no data yet"),
    "updated": ("Diperbarui", "Updated"),
    "source": ("Sumber: API data terbuka kotacerdas", "Source: kotacerdas open data API"),
    "legend": ("Kategori ISPU (Permen LHK P.14/2020)", "ISPU categories (Permen LHK P.14/2020)"),
    "other": ("English", "Bahasa Indonesia"),
}


@dataclass(frozen=True)
class Index:
    value: float | None
    coverage: float | None
    category: str | None = None


@dataclass(frozen=True)
class Station:
    sensor_id: str
    district: str | None
    ispu: Index
    hourly: Sequence[tuple[datetime, float | None]] = ()


@dataclass(frozen=True)
class DistrictRow:
    slug: str
    name: str
    population: int | None
    area_km2: float | None
    ispu: Index
    green: Index
    safety: Index


@dataclass(frozen=True)
class CityPage:
    slug: str
    name: str
    timezone: str
    now: datetime
    ispu: Index
    green: Index
    safety: Index
    stations: Sequence[Station] = ()
    districts: Sequence[DistrictRow] = field(default_factory=tuple)


def _w(key: str, lang: Lang) -> str:
    return WORDS[key][0 if lang == "id" else 1]


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}".replace(",", " ")


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value:.0%}"


def _badge(index: Index, lang: Lang) -> str:
    if index.value is None or index.category not in ISPU:
        return f'<span class="badge none">{_w("no_data", lang)}</span>'
    label, en, colour = ISPU[index.category]
    ink = "#000" if index.category == "tidak_sehat" else "#fff"
    return (
        f'<span class="badge" data-category="{index.category}" '
        f'style="background:{colour};color:{ink}">{_num(index.value)} · '
        f"{escape(label if lang == 'id' else en)}</span>"
    )


def _chart(station: Station, now: datetime) -> str:
    """A polyline of the hourly means over the last 24 h (x: time, y: ISPU 0–200+)."""
    start = now - timedelta(hours=24)
    points = []
    for ts, value in station.hourly:
        if value is None or ts < start:
            continue
        x = (ts - start) / timedelta(hours=24) * CHART_W
        y = CHART_H - min(value, CHART_TOP) / CHART_TOP * CHART_H
        points.append(f"{x:.1f},{y:.1f}")
    bands = "".join(
        f'<rect x="0" y="{CHART_H - hi / CHART_TOP * CHART_H:.1f}" width="{CHART_W}" '
        f'height="{(hi - lo) / CHART_TOP * CHART_H:.1f}" fill="{ISPU[code][2]}" '
        f'fill-opacity="0.12"/>'
        for code, lo, hi in (("baik", 0, 50), ("sedang", 50, 100), ("tidak_sehat", 100, 200))
    )
    line = (
        f'<polyline points="{" ".join(points)}" fill="none" stroke="#1b3a5c" '
        f'stroke-width="2"/>' if points else ""
    )  # fmt: skip
    empty = "true" if not points else "false"
    return (
        f'<svg data-chart="{escape(station.sensor_id)}" data-empty="{empty}" '
        f'viewBox="0 0 {CHART_W} {CHART_H}" width="{CHART_W}" height="{CHART_H}" '
        f'role="img" aria-label="ISPU 24h {escape(station.sensor_id)}">{bands}{line}</svg>'
    )


def _index_card(key: str, index: Index, lang: Lang) -> str:
    return (
        f'<div class="card" data-index="{key}"><div class="label">{_w(key, lang)}</div>'
        f'<div class="value">{_num(index.value)}</div>'
        f'<div class="cov">{_w("coverage", lang)} {_pct(index.coverage) or "—"}</div></div>'
    )


def render(page: CityPage, lang: Lang = "id") -> str:
    zone = ZoneInfo(page.timezone)
    local = page.now.astimezone(zone)
    other = "en" if lang == "id" else "id"
    stations = "".join(
        f'<tr data-station="{escape(s.sensor_id)}"><td>{escape(s.sensor_id)}</td>'
        f"<td>{escape(s.district or '')}</td><td>{_badge(s.ispu, lang)}</td>"
        f"<td>{_chart(s, page.now)}</td></tr>"
        for s in page.stations
    )
    districts = "".join(
        f'<tr data-district="{escape(d.slug)}"><td>{escape(d.name)}</td>'
        f"<td class=n>{_num(d.population)}</td><td class=n>{_num(d.area_km2, 2)}</td>"
        f"<td>{_badge(d.ispu, lang)}</td>"
        f"<td class=n>{_num(d.green.value)} <small>{_pct(d.green.coverage)}</small></td>"
        f"<td class=n>{_num(d.safety.value)} <small>{_pct(d.safety.coverage)}</small></td></tr>"
        for d in page.districts
    )
    legend = "".join(
        f'<span class="badge" style="background:{colour};color:'
        f'{"#000" if code == "tidak_sehat" else "#fff"}">{escape(label if lang == "id" else en)}'
        f"</span> "
        for code, (label, en, colour) in ISPU.items()
    )
    title = f"{_w('title', lang)} — {escape(page.name)}"
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<link rel="alternate" hreflang="{other}" href="?lang={other}">
<title>{title}</title><style>{STYLE}</style></head>
<body><header><h1>{title}</h1>
<p class="meta">{_w("updated", lang)} {local:%Y-%m-%d %H:%M} ({escape(page.timezone)}) ·
<a href="?lang={other}" hreflang="{other}">{_w("other", lang)}</a></p></header>
<section class="cards">
<div class="card" data-index="ispu"><div class="label">{_w("city_ispu", lang)}</div>
<div class="value">{_badge(page.ispu, lang)}</div>
<div class="cov">{_w("coverage", lang)} {_pct(page.ispu.coverage) or "—"}</div></div>
{_index_card("green", page.green, lang)}{_index_card("safety", page.safety, lang)}
</section>
<p class="legend">{_w("legend", lang)}: {legend}</p>
<h2>{_w("stations", lang)}</h2>
<table id="stations"><thead><tr><th>{_w("station", lang)}</th><th>{_w("district", lang)}</th>
<th>ISPU · {_w("category", lang)}</th><th>{_w("last24", lang)}</th></tr></thead>
<tbody>{stations}</tbody></table>
<h2>{_w("districts", lang)}</h2>
<table id="districts"><thead><tr><th>{_w("district", lang)}</th>
<th>{_w("population", lang)}</th><th>{_w("area", lang)}</th><th>ISPU</th>
<th>{_w("green", lang)}</th><th>{_w("safety", lang)}</th></tr></thead>
<tbody>{districts}</tbody></table>
<footer>{_w("source", lang)} · <a href="/docs">API</a> ·
<a href="/v1/cities/{escape(page.slug)}/indicators/latest">JSON</a></footer>
</body></html>
"""


STYLE: Final = """
body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;color:#1c2733;margin:24px;
max-width:1100px}
h1{font-size:26px;margin:0;color:#1b3a5c}h2{font-size:19px;margin:26px 0 8px;color:#1b3a5c}
.meta{color:#5d6b7a;font-size:13px}.cards{display:flex;gap:14px;flex-wrap:wrap}
.card{border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;min-width:200px}
.card .label{font-size:12px;color:#5d6b7a}.card .value{font-size:28px;font-weight:bold}
.card .cov{font-size:12px;color:#5d6b7a}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{border-bottom:1px solid #e3e8ee;padding:5px 8px;text-align:left;vertical-align:middle}
td.n{text-align:right}.badge{display:inline-block;padding:2px 8px;border-radius:10px;
font-size:13px;font-weight:bold}.badge.none{background:#eef1f4;color:#5d6b7a}
.legend{font-size:13px}footer{margin-top:28px;color:#5d6b7a;font-size:12px}
"""
