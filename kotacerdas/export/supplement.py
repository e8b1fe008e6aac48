"""Evidence indicators the export adds to the cityscore catalogue (ours, not ISO).

The digital-service dimension ("the data itself") needs figures about the data: how
much of it arrived and how much was refused. They are defined here, in the catalogue's
shape, until they move into ``cityscore.catalogue.DERIVED_INDICATORS``.
"""

from __future__ import annotations

from typing import Final

from cityscore.catalogue import INDICATORS, Indicator
from cityscore.tables import who as who_table
from cityscore.tables.indicators import OURS

_PM25_AQG: Final = who_table.LEVELS[("pm25", "24h")][-1]

SUPPLEMENTARY: Final[tuple[Indicator, ...]] = (
    Indicator(
        code="kc_days_above_who_aqg_pm25",
        standard=OURS,
        clause="-",
        clause_status="ours",
        name_id="Hari di atas pedoman WHO (AQG) 24 jam PM2.5",
        name_en="Station-days above the WHO 24-h AQG for PM2.5",
        unit="%",
        formula="numerator / denominator × 100",
        numerator=(
            f"station-days whose daily mean PM2.5 exceeds the WHO 2021 AQG ({_PM25_AQG} µg/m³)"
        ),
        denominator="station-days with a valid daily mean (≥ 18 h)",
        required_inputs=("rollup_1h.pm25",),
        dimension="smart_environment",
        source="cityscore.who",
    ),
    Indicator(
        code="kc_data_uptime",
        standard=OURS,
        clause="-",
        clause_status="ours",
        name_id="Kelengkapan data sensor (uptime)",
        name_en="Sensor data completeness (uptime)",
        unit="%",
        formula="numerator / denominator × 100",
        numerator="samples received from active sensors (capped per sensor)",
        denominator="samples expected: period seconds / interval_s per active sensor",
        required_inputs=("rollup_1h.samples", "sensor.interval_s", "sensor.active"),
        dimension="digital_service",
        source="kotacerdas.export.coverage",
    ),
    Indicator(
        code="kc_dead_letter_share",
        standard=OURS,
        clause="-",
        clause_status="ours",
        name_id="Pesan sensor yang ditolak (dead letter)",
        name_en="Sensor messages refused (dead letters)",
        unit="%",
        formula="numerator / denominator × 100",
        numerator="dead letters attributed to the city",
        denominator="dead letters + samples stored",
        required_inputs=("dead_letter.city", "rollup_1h.samples"),
        dimension="digital_service",
        source="ingest dead-letter reasons",
    ),
)

_ALL: Final[dict[str, Indicator]] = {i.code: i for i in INDICATORS + SUPPLEMENTARY}


def definition(code: str) -> Indicator:
    """Catalogue or supplementary definition of ``code``."""
    return _ALL[code]


def codes() -> tuple[str, ...]:
    """Every exportable code, catalogue order first, then the supplement."""
    return tuple(_ALL)
