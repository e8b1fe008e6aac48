"""Indicator catalogue for the maturity export (STANDARDS §5, §6).

:data:`INDICATORS` = the ISO 37122 / ISO 37120 / ITU U4SSC indicators the sensors can
evidence (:mod:`cityscore.tables.indicators`, clause numbers [U]) followed by our own
derived evidence indicators (``standard="kotacerdas"``, ``clause_status="ours"``): they
are not ISO indicators, they document what the operations centre saw. Kemendagri scores
maturity on SNI ISO 37122:2019 (§6.1); ``dimension`` groups indicators for that report:
``smart_environment``, ``smart_living_mobility``, ``safety_order``, ``digital_service``.
"""

from __future__ import annotations

from typing import Final

from cityscore.errors import UnknownIndicator
from cityscore.tables import policy
from cityscore.tables import who as who_table
from cityscore.tables.indicators import ISO_INDICATORS, OURS, Dimension, Indicator

__all__ = ["INDICATORS", "Dimension", "Indicator", "by_code"]

_PM25_AQG: Final = who_table.LEVELS[("pm25", "24h")][-1]

DERIVED_INDICATORS: Final[tuple[Indicator, ...]] = (
    Indicator(
        code="kc_hours_above_who_aqg_pm25",
        standard=OURS,
        clause="-",
        clause_status="ours",
        name_id="Jam di atas pedoman WHO (AQG) PM2.5",
        name_en="Station-hours above the WHO AQG for PM2.5",
        unit="%",
        formula="numerator / denominator × 100",
        numerator=(
            f"station-hours whose 24-h rolling PM2.5 exceeds the WHO 2021 AQG ({_PM25_AQG} µg/m³)"
        ),
        denominator="station-hours with a valid 24-h rolling mean",
        required_inputs=("air_reading.pm25", "rollup_1h"),
        dimension="smart_environment",
        source="cityscore.who",
    ),
    Indicator(
        code="kc_ispu_category_distribution",
        standard=OURS,
        clause="-",
        clause_status="ours",
        name_id="Sebaran kategori ISPU",
        name_en="Distribution of ISPU categories",
        unit="% per category",
        formula="count per category / total × 100",
        numerator="station-days per ISPU category",
        denominator="station-days with an ISPU",
        required_inputs=("indicator.code=ispu",),
        dimension="smart_environment",
        source="cityscore.ispu",
    ),
    Indicator(
        code="kc_los_distribution",
        standard=OURS,
        clause="-",
        clause_status="ours",
        name_id="Sebaran tingkat pelayanan jalan (A–F)",
        name_en="Distribution of road level of service (A–F)",
        unit="% per LOS",
        formula="count per LOS / total × 100",
        numerator="segment-hours per LOS (PM 96/2015)",
        denominator="segment-hours with a LOS",
        required_inputs=("indicator.code=los",),
        dimension="smart_living_mobility",
        source="cityscore.traffic",
    ),
    Indicator(
        code="kc_congestion_level",
        standard=OURS,
        clause="-",
        clause_status="ours",
        name_id="Tingkat kemacetan (waktu tempuh tambahan)",
        name_en="Congestion level (extra travel time)",
        unit="%",
        formula="mean over segment-hours of (free_flow/speed − 1) × 100",
        numerator="sum of segment-hour congestion levels",
        denominator="segment-hours measured",
        required_inputs=("traffic_reading.avg_speed_kmh", "sensor.free_flow_kmh"),
        dimension="smart_living_mobility",
        source="cityscore.traffic",
    ),
    Indicator(
        code="kc_overflow_events",
        standard=OURS,
        clause="-",
        clause_status="ours",
        name_id="Kejadian tempat sampah meluap per 100 tempat sampah",
        name_en="Bin overflow events per 100 bins",
        unit="events/100 bins",
        formula="numerator / denominator × 100",
        numerator=(
            f"overflow events (fill >= {policy.OVERFLOW_THRESHOLD_PERCENT} %) opened in the period"
        ),
        denominator="monitored bins",
        required_inputs=("waste_reading.fill_level", "alert.kind=overflow"),
        dimension="smart_environment",
        source="cityscore.waste",
    ),
    Indicator(
        code="kc_collection_efficiency",
        standard=OURS,
        clause="-",
        clause_status="ours",
        name_id="Efisiensi pengangkutan sampah",
        name_en="Waste collection efficiency",
        unit="%",
        formula="numerator / denominator × 100",
        numerator=f"service requests emptied within {policy.SERVICE_WINDOW_HOURS} h",
        denominator="service requests due",
        required_inputs=("waste_reading.fill_level",),
        dimension="smart_environment",
        source="cityscore.waste",
    ),
    Indicator(
        code="kc_alert_count",
        standard=OURS,
        clause="-",
        clause_status="ours",
        name_id="Jumlah peringatan per jenis",
        name_en="Alerts opened per kind",
        unit="count",
        formula="count of alerts opened in the period",
        numerator="alerts opened",
        denominator="-",
        required_inputs=("alert.kind", "alert.opened_at"),
        dimension="safety_order",
        source="aggregator alerts",
    ),
    Indicator(
        code="kc_alert_response_time",
        standard=OURS,
        clause="-",
        clause_status="ours",
        name_id="Waktu tanggap peringatan (median)",
        name_en="Alert response time (median)",
        unit="minutes",
        formula="median(closed_at − opened_at)",
        numerator="alert durations",
        denominator="-",
        required_inputs=("alert.opened_at", "alert.closed_at"),
        dimension="digital_service",
        source="aggregator alerts",
    ),
    Indicator(
        code="kc_green_city_index",
        standard=OURS,
        clause="-",
        clause_status="ours",
        name_id="Indeks kota hijau",
        name_en="Green-city index",
        unit="0–100",
        formula="weighted mean of component scores, renormalised over present inputs",
        numerator="see cityscore.composite",
        denominator="-",
        required_inputs=("indicator.code=green_city_index",),
        dimension="smart_environment",
        source="cityscore.composite",
    ),
    Indicator(
        code="kc_safety_index",
        standard=OURS,
        clause="-",
        clause_status="ours",
        name_id="Indeks keamanan dan ketertiban",
        name_en="Safety and order index",
        unit="0–100",
        formula="weighted mean of component scores, renormalised over present inputs",
        numerator="see cityscore.composite",
        denominator="-",
        required_inputs=("indicator.code=safety_index",),
        dimension="safety_order",
        source="cityscore.composite",
    ),
)

INDICATORS: Final[tuple[Indicator, ...]] = ISO_INDICATORS + DERIVED_INDICATORS

_BY_CODE: Final[dict[str, Indicator]] = {indicator.code: indicator for indicator in INDICATORS}


def by_code(code: str) -> Indicator:
    """The catalogue entry for ``code``."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise UnknownIndicator(code, _BY_CODE) from None
