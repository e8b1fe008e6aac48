"""Inline SVG charts for the HTML report: no script, no font file, no network.

Three shapes cover the report: stacked 100 % bars (ISPU categories per bucket), a line
with reference levels (PM2.5 against the WHO guideline), plain bars (congestion by hour,
overflow events). Each ``<svg>`` carries ``data-chart`` so tests can find it, and says
"no evidence" inside its frame when it has nothing to draw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

WIDTH: Final = 640
HEIGHT: Final = 280
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 16, 40, 58  # top: room for two legend rows
_LEGEND_ROW: Final = 15
_AXIS: Final = "#555"
_GRID: Final = "#ddd"
_MAX_X_LABELS: Final = 12


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    values: Sequence[float]


def _frame(name: str, title: str, body: str, empty: bool = False) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(title)}" data-chart="{name}" '
        f'data-empty="{str(empty).lower()}" class="chart">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _empty(name: str, title: str) -> str:
    body = (
        f'<rect x="1" y="1" width="{WIDTH - 2}" height="{HEIGHT - 2}" fill="#fafafa" '
        f'stroke="{_GRID}"/><text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" '
        'font-size="16" fill="#777">Tidak ada bukti · No evidence</text>'
    )
    return _frame(name, title, body, empty=True)


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in (1.0, 2.0, 2.5, 5.0, 10.0) if step * power >= value)


def _y_axis(top: float, unit: str) -> str:
    plot_h = HEIGHT - _TOP - _BOTTOM
    parts = []
    for i in range(5):
        value = top * i / 4
        y = HEIGHT - _BOTTOM - plot_h * i / 4
        label = f"{value:g}".replace(".", ",")
        parts.append(
            f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{_GRID}"/><text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="{_AXIS}">{escape(label)}</text>'
        )
    parts.append(
        f'<text x="12" y="{_TOP + plot_h / 2:.1f}" font-size="11" fill="{_AXIS}" '
        f'transform="rotate(-90 12 {_TOP + plot_h / 2:.1f})" text-anchor="middle">'
        f"{escape(unit)}</text>"
    )
    return "".join(parts)


def _x_labels(labels: Sequence[str], xs: Sequence[float]) -> str:
    step = max(1, math.ceil(len(labels) / _MAX_X_LABELS))
    y = HEIGHT - _BOTTOM + 14
    return "".join(
        f'<text x="{x:.1f}" y="{y}" font-size="10" fill="{_AXIS}" text-anchor="end" '
        f'transform="rotate(-35 {x:.1f} {y})">{escape(label)}</text>'
        for i, (label, x) in enumerate(zip(labels, xs, strict=True))
        if i % step == 0
    )


def _legend(items: Sequence[tuple[str, str]]) -> str:
    """Legend entries left to right, wrapping to a second row when the first is full."""
    parts, x, y = [], float(_LEFT), 4
    for label, colour in items:
        width = 24 + 6.2 * len(label)
        if x + width > WIDTH - _RIGHT and x > _LEFT:
            x, y = float(_LEFT), y + _LEGEND_ROW
        parts.append(
            f'<rect x="{x:.0f}" y="{y}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14:.0f}" y="{y + 9}" font-size="11" fill="#333">{escape(label)}</text>'
        )
        x += width
    return "".join(parts)


def _slots(count: int) -> tuple[list[float], float]:
    plot_w = WIDTH - _LEFT - _RIGHT
    width = plot_w / max(count, 1)
    return [_LEFT + width * (i + 0.5) for i in range(count)], width


def stacked_percent(name: str, title: str, labels: Sequence[str], series: Sequence[Series]) -> str:
    """100 % stacked bars: each bucket's series values as shares of the bucket total."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    if not any(totals):
        return _empty(name, title)
    plot_h = HEIGHT - _TOP - _BOTTOM
    xs, width = _slots(len(labels))
    bars = []
    for i, (x, total) in enumerate(zip(xs, totals, strict=True)):
        base = float(HEIGHT - _BOTTOM)
        for s in series:
            if not total or not s.values[i]:
                continue
            h = plot_h * s.values[i] / total
            base -= h
            bars.append(
                f'<rect x="{x - width * 0.4:.1f}" y="{base:.1f}" width="{width * 0.8:.1f}" '
                f'height="{h:.1f}" fill="{s.colour}"><title>{escape(labels[i])} '
                f"{escape(s.label)}: {s.values[i]:g}</title></rect>"
            )
    body = _y_axis(100.0, "%") + "".join(bars) + _x_labels(labels, xs)
    return _frame(name, title, body + _legend([(s.label, s.colour) for s in series]))


def line_with_levels(
    name: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    levels: Sequence[tuple[str, float, str]],
    unit: str,
    colour: str = "#1f4e79",
) -> str:
    """A line (gaps where None) with horizontal reference levels ``(label, value, colour)``."""
    present = [v for v in values if v is not None]
    if not present:
        return _empty(name, title)
    top = _nice_max(max(present + [value for _, value, _ in levels]) * 1.05)
    plot_h = HEIGHT - _TOP - _BOTTOM
    xs, _ = _slots(len(labels))

    def y(value: float) -> float:
        return HEIGHT - _BOTTOM - plot_h * value / top

    paths: list[list[str]] = []
    current: list[str] = []
    for x, value in zip(xs, values, strict=True):
        if value is None:
            if current:
                paths.append(current)
            current = []
        else:
            current.append(f"{x:.1f},{y(value):.1f}")
    if current:
        paths.append(current)
    lines = "".join(
        f'<polyline points="{" ".join(p)}" fill="none" stroke="{colour}" stroke-width="2"/>'
        if len(p) > 1
        else f'<circle cx="{p[0].split(",")[0]}" cy="{p[0].split(",")[1]}" r="2.5" '
        f'fill="{colour}"/>'
        for p in paths
    )
    refs = "".join(
        f'<line x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
        f'stroke="{c}" stroke-dasharray="6 4"/><text x="{WIDTH - _RIGHT - 2}" '
        f'y="{y(v) - 3:.1f}" text-anchor="end" font-size="10" fill="{c}">{escape(label)}</text>'
        for label, v, c in levels
    )
    legend = _legend([(title.split(" · ")[0], colour)])
    return _frame(name, title, _y_axis(top, unit) + refs + lines + _x_labels(labels, xs) + legend)


def bars(
    name: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    unit: str,
    colour: str = "#1f6fd1",
) -> str:
    """Plain bars from 0 (negative values are drawn at 0 and kept in the tooltip)."""
    present = [v for v in values if v is not None]
    if not present:
        return _empty(name, title)
    top = _nice_max(max(max(present), 0.0) * 1.05)
    plot_h = HEIGHT - _TOP - _BOTTOM
    xs, width = _slots(len(labels))
    rects = []
    for x, label, value in zip(xs, labels, values, strict=True):
        if value is None:
            continue
        h = plot_h * max(value, 0.0) / top
        rects.append(
            f'<rect x="{x - width * 0.35:.1f}" y="{HEIGHT - _BOTTOM - h:.1f}" '
            f'width="{width * 0.7:.1f}" height="{h:.1f}" fill="{colour}">'
            f"<title>{escape(label)}: {value:.1f}</title></rect>"
        )
    return _frame(name, title, _y_axis(top, unit) + "".join(rects) + _x_labels(labels, xs))
