"""Panel factories: one function per visualisation, each with its query and the shape the
visualisation needs (time series format for graphs, table format for everything else).

Titles are bilingual, Bahasa Indonesia first: ``label("Kualitas udara", "Air quality")``.
Colours of the ISPU categories follow Permen LHK P.14/2020 (hijau, biru, kuning, merah,
hitam), taken from :mod:`cityscore.tables.ispu` so the map and the indicator agree.
"""

from __future__ import annotations

from grafana_foundation_sdk.builders import (
    barchart,
    bargauge,
    geomap,
    stat,
    statetimeline,
    table,
    timeseries,
)
from grafana_foundation_sdk.builders import dashboard as db
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models import dashboard as dm
from grafana_foundation_sdk.models import geomap as gm

from cityscore.tables.ispu import CATEGORIES as ISPU_CATEGORIES
from kotacerdas.dashboards.sql_query import DATASOURCE, Built, sql

# Regulation colour names → Grafana colours.
_COLOURS = {
    "hijau": "green",
    "biru": "blue",
    "kuning": "yellow",
    "merah": "red",
    "hitam": "#1f1f1f",
}
_ISPU_EN = ("Good", "Moderate", "Unhealthy", "Very unhealthy", "Hazardous")
# Ordered ISPU category codes, for SQL: array_position(<this>, category) = rank 1..5.
ISPU_RANK_SQL = "ARRAY[" + ", ".join(f"'{row[1]}'" for row in ISPU_CATEGORIES) + "]"

Thresholds = list[tuple[float | None, str]]


def label(indonesian: str, english: str) -> str:
    """A bilingual label: Bahasa Indonesia first, English second."""
    return f"{indonesian} / {english}"


def thresholds(steps: Thresholds) -> db.ThresholdsConfig:
    return (
        db.ThresholdsConfig()
        .mode(dm.ThresholdsMode.ABSOLUTE)
        .steps([dm.Threshold(value=value, color=colour) for value, colour in steps])
    )


def ispu_rank_thresholds() -> db.ThresholdsConfig:
    """Colour by ISPU category rank (1 = baik … 5 = berbahaya)."""
    steps: Thresholds = [(None, "transparent")]
    steps += [(float(rank), _COLOURS[row[3]]) for rank, row in enumerate(ISPU_CATEGORIES, 1)]
    return thresholds(steps)


def ispu_category_mappings() -> list[dm.ValueMapping]:
    """Category code → bilingual text and regulation colour (for tables and stats)."""
    options = {
        row[1]: dm.ValueMappingResult(text=label(row[2], en), color=_COLOURS[row[3]], index=i)
        for i, (row, en) in enumerate(zip(ISPU_CATEGORIES, _ISPU_EN, strict=True))
    }
    return [dm.ValueMap(options=options)]


def _common(panel, title: str, query: str, fmt, span: int, height: int, description: str | None):  # type: ignore[no-untyped-def]
    panel.title(title).datasource(DATASOURCE).with_target(sql(query, fmt)).span(span).height(height)
    if description:
        panel.description(description)
    return panel


def time_series(
    title: str,
    query: str,
    *,
    unit: str = "short",
    span: int = 12,
    height: int = 8,
    description: str | None = None,
    steps: Thresholds | None = None,
) -> timeseries.Panel:
    panel = _common(timeseries.Panel(), title, query, "time_series", span, height, description)
    panel.unit(unit).line_width(1).fill_opacity(10).span_nulls(True)
    if steps:
        panel.thresholds(thresholds(steps)).thresholds_style(
            Built(common.GraphThresholdsStyleConfig(mode=common.GraphTresholdsStyleMode.LINE))
        )
    return panel


def state_timeline(
    title: str,
    query: str,
    *,
    span: int = 24,
    height: int = 8,
    description: str | None = None,
    steps: Thresholds | None = None,
    mappings: list[dm.ValueMapping] | None = None,
) -> statetimeline.Panel:
    panel = _common(statetimeline.Panel(), title, query, "time_series", span, height, description)
    panel.show_value(common.VisibilityMode.NEVER).merge_values(True)
    if steps:
        panel.thresholds(thresholds(steps)).color_scheme(
            db.FieldColor().mode(dm.FieldColorModeId.THRESHOLDS)
        )
    if mappings:
        panel.mappings(mappings)
    return panel


def stat_panel(
    title: str,
    query: str,
    *,
    unit: str = "short",
    span: int = 6,
    height: int = 5,
    description: str | None = None,
    steps: Thresholds | None = None,
    mappings: list[dm.ValueMapping] | None = None,
    decimals: int | None = None,
) -> stat.Panel:
    panel = _common(stat.Panel(), title, query, "table", span, height, description)
    panel.unit(unit).reduce_options(
        Built(common.ReduceDataOptions(values=False, calcs=["lastNotNull"], fields=""))
    ).graph_mode(common.BigValueGraphMode.NONE)
    if steps:
        panel.thresholds(thresholds(steps)).color_mode(common.BigValueColorMode.BACKGROUND)
    if mappings:
        panel.mappings(mappings)
    if decimals is not None:
        panel.decimals(decimals)
    return panel


def table_panel(
    title: str,
    query: str,
    *,
    span: int = 12,
    height: int = 8,
    description: str | None = None,
    mappings: list[dm.ValueMapping] | None = None,
) -> table.Panel:
    panel = _common(table.Panel(), title, query, "table", span, height, description)
    if mappings:
        panel.mappings(mappings)
    return panel


def bar_gauge(
    title: str,
    query: str,
    *,
    unit: str = "short",
    span: int = 12,
    height: int = 8,
    description: str | None = None,
    steps: Thresholds | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
) -> bargauge.Panel:
    """One bar per row: the query returns a label column and one value column."""
    panel = _common(bargauge.Panel(), title, query, "table", span, height, description)
    panel.unit(unit).orientation(common.VizOrientation.HORIZONTAL).display_mode(
        common.BarGaugeDisplayMode.GRADIENT
    ).reduce_options(Built(common.ReduceDataOptions(values=True, calcs=[], fields="")))
    if steps:
        panel.thresholds(thresholds(steps))
    if minimum is not None:
        panel.min(minimum)
    if maximum is not None:
        panel.max(maximum)
    return panel


def bar_chart(
    title: str,
    query: str,
    x_field: str,
    *,
    unit: str = "short",
    span: int = 12,
    height: int = 8,
    description: str | None = None,
) -> barchart.Panel:
    panel = _common(barchart.Panel(), title, query, "table", span, height, description)
    return panel.unit(unit).x_field(x_field).show_value(common.VisibilityMode.AUTO)


def marker_map(
    title: str,
    query: str,
    colour_field: str,
    colour_steps: db.ThresholdsConfig,
    *,
    span: int = 12,
    height: int = 12,
    description: str | None = None,
) -> geomap.Panel:
    """Markers at (lat, lon) coloured by ``colour_field`` through thresholds."""
    layer = common.MapLayerOptions(
        type_val="markers",
        name=label("Sensor", "Sensors"),
        config={
            "showLegend": True,
            "style": {
                "color": {"field": colour_field, "fixed": "dark-green"},
                "opacity": 0.8,
                "size": {"fixed": 8, "max": 15, "min": 4},
                "symbol": {"fixed": "img/icons/marker/circle.svg", "mode": "fixed"},
            },
        },
        location=common.FrameGeometrySource(
            mode=common.FrameGeometrySourceMode.COORDS, latitude="lat", longitude="lon"
        ),
        tooltip=True,
    )
    panel = _common(geomap.Panel(), title, query, "table", span, height, description)
    return (
        panel.view(Built(gm.MapViewConfig(id_val="fit", lat=0, lon=0, zoom=11, all_layers=True)))
        .basemap(Built(common.MapLayerOptions(type_val="default", name="Basemap")))
        .layers([Built(layer)])
        .tooltip(Built(gm.TooltipOptions(mode=gm.TooltipMode.DETAILS)))
        .thresholds(colour_steps)
        .color_scheme(db.FieldColor().mode(dm.FieldColorModeId.THRESHOLDS))
    )
