"""The browser report: one self-contained HTML file, Bahasa Indonesia with English alongside.

Summary cards, four charts (inline SVG), the maturity table, every indicator with its
coverage and quality flag next to the value, the indices' components, method notes and
provenance. No script, no external file (a ``data:`` favicon stops the browser asking
for one), print styles for A4: "Print → Save as PDF" gives the submission PDF.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any, Final

from kotacerdas.export import charts, labels, window
from kotacerdas.export.html_style import CSS

_LEVEL_NONE: Final = ("tidak ada bukti", "no evidence")


def _bi(id_text: str, en_text: str) -> str:
    return f'{escape(id_text)} <span class="en" lang="en">/ {escape(en_text)}</span>'


def _thead(*columns: tuple[str, str]) -> str:
    return "<thead><tr>" + "".join(f"<th>{_bi(*c)}</th>" for c in columns) + "</tr></thead>"


def _badge(quality: str, uptime: float | None) -> str:
    words = labels.QUALITY[quality]
    up = f"uptime {labels.percent(uptime)} · " if uptime is not None else ""
    return f'<span class="badge q-{quality}">{escape(up)}{_bi(*words)}</span>'


def _value(ind: Mapping[str, Any], with_label: bool = True) -> str:
    value = ind["value"]
    if value is None:
        return "–"
    unit = ind["value_unit"]
    text = f"{labels.number(value, labels.decimals_for(unit, value))} {escape(labels.unit(unit))}"
    if with_label and ind["value_label_id"]:
        text += f"<br><small>{_bi(ind['value_label_id'], ind['value_label_en'])}</small>"
    return text


def _header(doc: Mapping[str, Any]) -> str:
    city, period = doc["city"], doc["period"]
    parsed = window.parse(period["label"])
    pid, pen = labels.period_names(parsed.kind, parsed.year, parsed.index)
    rubric, software = doc["maturity"]["rubric"], doc["provenance"]["software"]
    return (
        "<header><h1>Penilaian Kematangan Kota Cerdas "
        '<span class="en" lang="en">/ Smart-city maturity assessment</span></h1>'
        f'<p class="lead" data-city="{escape(city["slug"])}"><strong>{escape(city["name"])}'
        f"</strong> · {escape(city['province'])} · "
        f'<span data-period="{escape(period["label"])}">{escape(pid)} '
        f'<span class="en" lang="en">/ {escape(pen)}</span> ({escape(period["label"])})</span></p>'
        f'<p class="meta">{escape(period["start"])} – {escape(period["end"])} '
        f"({escape(period['timezone'])}) · kotacerdas {escape(software['kotacerdas'])} · "
        f"{_bi('rubrik', 'rubric')} {escape(rubric['id'])} {escape(rubric['version'])} · "
        f"SHA-256 <span class='mono'>{escape(doc['provenance']['inputs_sha256'][:16])}…</span>"
        "</p></header>"
        f'<div class="note"><strong>{escape(rubric["title_id"])}</strong><br>'
        f"{escape(rubric['note_id'])}<br><span class='en' lang='en'>{escape(rubric['note_en'])}"
        "</span></div>"
    )


def _level_name(doc: Mapping[str, Any], code: str | None) -> tuple[str, str]:
    for level in doc["maturity"]["levels"]:
        if level["code"] == code:
            return level["name_id"], level["name_en"]
    return _LEVEL_NONE


def _cards(doc: Mapping[str, Any]) -> str:
    cards = []
    for dim in doc["maturity"]["dimensions"]:
        name = _level_name(doc, dim["level"])
        cards.append(
            f'<div class="card" data-dimension="{escape(dim["code"])}"><div class="label">'
            f"{_bi(dim['name_id'], dim['name_en'])}</div>"
            f'<div class="level">{escape(dim["level"] or "–")}</div><div>{_bi(*name)}</div></div>'
        )
    by_code = {ind["code"]: ind for ind in doc["indicators"]}
    for code in doc["summary"]["figures"]:
        ind = by_code[code]
        cards.append(
            f'<div class="card" data-figure="{escape(code)}"><div class="label">'
            f"{_bi(ind['name_id'], ind['name_en'])}</div>"
            f'<div class="value">{_value(ind)}</div>{_badge(ind["quality"], ind["uptime"])}</div>'
        )
    return (
        f"<section><h2>{_bi('Ringkasan', 'Summary')}</h2>"
        f'<div class="cards">{"".join(cards)}</div></section>'
    )


def _charts(doc: Mapping[str, Any]) -> str:
    data = doc["charts"]
    ispu = data["ispu_trend"]
    series = [
        charts.Series(f"{name_id} / {en}", colour, [row[i] for row in ispu["counts"]])
        for i, (_, name_id, en, colour) in enumerate(labels.ISPU_CATEGORIES)
    ]
    pm = data["pm25_daily"]
    present = [v for v in pm["values"] if v is not None]
    top = max(present, default=0.0) * 1.3
    levels = [
        (f"WHO {name} {value:g}", value, "#d62828" if name == "AQG" else "#e08a00")
        for name, value in pm["who_24h_levels"].items()
        if name == "AQG" or value <= top
    ]
    cong, ovf = data["congestion_by_hour"], data["overflow_trend"]
    figures = [
        (
            "Tren kategori ISPU (stasiun-hari)",
            "ISPU categories over time (station-days)",
            charts.stacked_percent("ispu_trend", "ISPU", ispu["buckets"], series),
        ),
        (
            "PM2.5 harian kota dan pedoman WHO 24 jam",
            "Daily city PM2.5 and the WHO 24-h guideline",
            charts.line_with_levels(
                "pm25_who", "PM2.5 µg/m³ · daily mean", pm["days"], pm["values"], levels, "µg/m³"
            ),
        ),
        (
            "Tingkat kemacetan per jam (waktu lokal)",
            "Congestion level by hour of day (local)",
            charts.bars(
                "congestion_by_hour",
                "Congestion %",
                [f"{h:02d}" for h in cong["hours"]],
                cong["values"],
                "%",
            ),
        ),
        (
            "Kejadian tempat sampah meluap",
            "Bin overflow events",
            charts.bars(
                "waste_overflow",
                "Overflow events",
                ovf["buckets"],
                [float(v) for v in ovf["events"]],
                "events",
                colour="#8a5a00",
            ),
        ),
    ]
    body = "".join(
        f"<figure><figcaption>{_bi(cid, cen)}</figcaption>{svg}</figure>"
        for cid, cen, svg in figures
    )
    return f'<section><h2>{_bi("Grafik", "Charts")}</h2><div class="charts">{body}</div></section>'


def _maturity(doc: Mapping[str, Any]) -> str:
    names = {ind["code"]: ind for ind in doc["indicators"]}
    rows = []
    for dim in doc["maturity"]["dimensions"]:
        criteria = "<br>".join(
            f"{escape(c['indicator'])}: {_value(names[c['indicator']], with_label=False)} → "
            f"{escape(c['level'] or '–')}"
            + (
                f" ({_bi('batas uptime', 'uptime cap')} {escape(c['uptime_cap'])})"
                if c["uptime_cap"]
                and c["threshold_level"]
                and c["uptime_cap"] < c["threshold_level"]
                else ""
            )
            for c in dim["criteria"]
        )
        cap = dim["coverage_cap"]
        rows.append(
            f'<tr data-dimension="{escape(dim["code"])}"><td>{_bi(dim["name_id"], dim["name_en"])}'
            f"</td><td><strong>{escape(dim['level'] or '–')}</strong> "
            f"{_bi(*_level_name(doc, dim['level']))}</td>"
            f"<td>{escape(dim['uncapped_level'] or '–')}"
            f"{' → ' + escape(cap) if cap else ''}</td>"
            f'<td class="num">{labels.percent(dim["evidence_share"])}</td><td>{criteria}</td></tr>'
        )
    rubric = doc["maturity"]["rubric"]
    return (
        f"<section><h2>{_bi('Tingkat kematangan', 'Maturity levels')}</h2>"
        f'<p class="meta">{_bi("Rubrik", "Rubric")}: {escape(rubric["id"])} '
        f"{escape(rubric['version'])} ({escape(rubric['status'])}), "
        f"{escape(rubric['file'])}, SHA-256 <span class='mono'>{escape(rubric['sha256'])}</span>"
        f"</p><table><thead><tr><th>{_bi('Dimensi', 'Dimension')}</th>"
        f"<th>{_bi('Level', 'Level')}</th><th>{_bi('Sebelum batas', 'Before cap')}</th>"
        f"<th>{_bi('Kriteria berbukti', 'Criteria evidenced')}</th>"
        f"<th>{_bi('Kriteria', 'Criteria')}</th></tr></thead><tbody>{''.join(rows)}"
        "</tbody></table></section>"
    )


def _indicators(doc: Mapping[str, Any]) -> str:
    rows = []
    for ind in doc["indicators"]:
        cov = ind["coverage"]
        districts = _bi("kecamatan", "districts")
        seen = ", ".join(
            f"{escape(c['domain'])} {c['sensors_reporting']}/{c['sensors_registered']} "
            f"sensor, {c['districts_observed']}/{c['districts_total']} {districts}"
            for c in cov
        )
        ratio = ""
        if ind["numerator"] is not None or ind["denominator"] is not None:
            num, den = labels.number(ind["numerator"], 2), labels.number(ind["denominator"], 2)
            ratio = f"{num} / {den}"
        code = escape(ind["code"])
        rows.append(
            f'<tr data-indicator="{code}"><td><code>{code}</code><br>'
            f"{escape(ind['standard'])} {escape(ind['clause'])}</td>"
            f"<td>{_bi(ind['name_id'], ind['name_en'])}</td>"
            f'<td class="num">{_value(ind)}<br>{_badge(ind["quality"], ind["uptime"])}</td>'
            f'<td class="num">{ratio}</td><td>{seen}</td></tr>'
        )
    head = _thead(
        ("Kode", "Code"),
        ("Indikator", "Indicator"),
        ("Nilai", "Value"),
        ("Pembilang / penyebut", "Numerator / denominator"),
        ("Cakupan", "Coverage"),
    )
    return (
        f'<section class="pagebreak"><h2>{_bi("Indikator", "Indicators")}</h2><table>{head}'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _indices(doc: Mapping[str, Any]) -> str:
    parts = []
    for key, (name_id, name_en) in (
        ("green_city", ("Indeks kota hijau", "Green-city index")),
        ("safety", ("Indeks keamanan", "Safety index")),
    ):
        index = doc["indices"][key]
        rows = "".join(
            f"<tr><td>{_bi(*labels.COMPONENTS[c['name']])}</td>"
            f'<td class="num">{labels.number(c["weight"], 3)}</td>'
            f'<td class="num">{labels.number(c["raw"], 3)}</td>'
            f'<td class="num">{labels.number(c["score"])}</td>'
            f'<td class="num">{labels.number(c["contribution"])}</td></tr>'
            for c in index["components"]
        )
        live = index["live"]
        head = _thead(
            ("Komponen", "Component"),
            ("Bobot", "Weight"),
            ("Masukan", "Input"),
            ("Skor", "Score"),
            ("Kontribusi", "Contribution"),
        )
        live_label = _bi("Rata-rata indeks langsung (5 menit)", "Mean of the live 5-min index")
        parts.append(
            f"<h3>{_bi(name_id, name_en)}: {labels.number(index['value'])} "
            f"({_bi('cakupan', 'coverage')} {labels.percent(index['coverage'])})</h3>"
            f"<table>{head}<tbody>{rows}</tbody></table>"
            f'<p class="meta">{live_label}: {labels.number(live["mean"])} '
            f"({live['rows']} {_bi('baris', 'rows')}, v_indicator)</p>"
        )
    return (
        f"<section><h2>{_bi('Indeks komposit', 'Composite indices')}</h2>{''.join(parts)}</section>"
    )


def _notes(doc: Mapping[str, Any]) -> str:
    items = "".join(
        f"<li>{escape(i)}<br><span class='en' lang='en'>{escape(e)}</span></li>"
        for i, e in labels.METHOD_NOTES
    )
    methods = "".join(
        f"<li><code>{escape(ind['code'])}</code>: {escape(ind['method'])}</li>"
        for ind in doc["indicators"]
    )
    return (
        f"<section><h2>{_bi('Catatan metode', 'Method notes')}</h2><ul class='notes'>{items}</ul>"
        f"<h3>{_bi('Rumus per indikator', 'Per-indicator method')}</h3><ul>{methods}</ul></section>"
    )


def _provenance(doc: Mapping[str, Any]) -> str:
    prov = doc["provenance"]
    rows = "".join(
        f"<tr><td>{escape(q['name'])}</td><td>{escape(' '.join(q['views']))}</td>"
        f'<td class="num">{q["rows"]}</td><td class="num">{q["rollup_rows"]}</td>'
        f"<td class='mono'>{escape(q['sql_sha256'][:16])}…</td></tr>"
        for q in prov["queries"]
    )
    return (
        f"<section><h2>{_bi('Asal-usul data', 'Provenance')}</h2>"
        f"<p>{_bi('Hash masukan', 'Inputs hash')}: <span class='mono'>"
        f"{escape(prov['inputs_sha256'])}</span><br>{_bi('Hash data', 'Data hash')}: "
        f"<span class='mono'>{escape(prov['data_sha256'])}</span><br>"
        f"kotacerdas {escape(prov['software']['kotacerdas'])}, cityscore "
        f"{escape(prov['software']['cityscore'])}; {escape(prov['reader_role'])}; "
        f"{escape(prov['window']['start_utc'])} – {escape(prov['window']['end_utc'])} UTC</p>"
        f"<table><thead><tr><th>query</th><th>views</th><th>{_bi('baris', 'rows')}</th>"
        f"<th>rollup</th><th>SQL SHA-256</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def to_html(doc: Mapping[str, Any]) -> bytes:
    city, period = doc["city"], doc["period"]
    title = f"{city['name']} {period['label']} — Penilaian kematangan kota cerdas"
    body = "".join(
        (
            _header(doc),
            _cards(doc),
            _charts(doc),
            _maturity(doc),
            _indicators(doc),
            _indices(doc),
            _notes(doc),
            _provenance(doc),
        )
    )
    page = (
        '<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="icon" href="data:,"><title>{escape(title)}</title>'
        f"<style>{CSS}</style></head><body>{body}<footer>kotacerdas · "
        f"{escape(doc['provenance']['inputs_sha256'])}</footer></body></html>\n"
    )
    return page.encode()
