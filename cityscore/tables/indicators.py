"""ISO 37122:2019 / ISO 37120:2018 / ITU U4SSC indicators the pipeline can evidence.

STANDARDS.md §5. ISO 37122/37120 are paywalled: names come from public summaries and
**clause numbers are [U]** (``clause_status="U"``). The ITU U4SSC "Traffic monitoring" KPI
has a verified public formula [V] and is the open alternative to ISO 37122 19.1.
Public access is through :mod:`cityscore.catalogue`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from cityscore.tables.source import Status

Dimension = Literal["smart_environment", "smart_living_mobility", "safety_order", "digital_service"]

ISO_37122: Final = "ISO 37122:2019"
ISO_37120: Final = "ISO 37120:2018"
U4SSC: Final = "ITU U4SSC KPIs"
OURS: Final = "kotacerdas"
_ISO_SOURCE: Final = "STANDARDS.md §5 (public Candev2020 summary; clauses from memory)"
_U4SSC_URL: Final = (
    "https://www.itu.int/en/publications/Documents/tsb/2022-U4SSC-KPIs-Verification-Manual-"
    "A-guide-for-verifiers/files/basic-html/page49.html"
)


@dataclass(frozen=True, slots=True)
class Indicator:
    """One exportable indicator and what it needs from the pipeline."""

    code: str
    standard: str
    clause: str
    """Clause in the standard; ``-`` for our own indicators."""
    clause_status: Status
    name_id: str
    """Name in Bahasa Indonesia."""
    name_en: str
    unit: str
    formula: str
    numerator: str
    denominator: str
    required_inputs: tuple[str, ...]
    """Sensor domain / registry / table fields the exporter reads."""
    dimension: Dimension
    """Maturity dimension the indicator evidences."""
    source: str


ISO_INDICATORS: Final[tuple[Indicator, ...]] = (
    Indicator(
        code="iso37122_8_2",
        standard=ISO_37122,
        clause="8.2",
        clause_status="U",
        name_id="Jumlah stasiun pemantau kualitas udara jarak jauh waktu-nyata per km²",
        name_en="Number of real-time remote air quality monitoring stations per square kilometre",
        unit="stations/km²",
        formula="numerator / denominator",
        numerator="real-time remote air-quality stations reporting in the period",
        denominator="city land area (km²)",
        required_inputs=("sensor.domain=air", "sensor.active", "district.area_km2"),
        dimension="smart_environment",
        source=_ISO_SOURCE,
    ),
    Indicator(
        code="iso37122_16_1",
        standard=ISO_37122,
        clause="16.1",
        clause_status="U",
        name_id="Persentase pusat/kontainer pengumpulan sampah yang dilengkapi telemetri",
        name_en="Percentage of waste drop-off centres (containers) equipped with telemetering",
        unit="%",
        formula="numerator / denominator × 100",
        numerator="drop-off containers with a reporting fill sensor",
        denominator="all drop-off containers (city inventory)",
        required_inputs=("sensor.domain=waste", "sensor.active", "inventory.waste_containers"),
        dimension="smart_environment",
        source=_ISO_SOURCE,
    ),
    Indicator(
        code="iso37122_16_x_sensor_bins",
        standard=ISO_37122,
        clause="16.x",
        clause_status="U",
        name_id="Persentase tempat sampah umum yang dilengkapi sensor",
        name_en="Percentage of public garbage bins that are sensor-enabled",
        unit="%",
        formula="numerator / denominator × 100",
        numerator="public bins with an active sensor",
        denominator="all public bins (city inventory)",
        required_inputs=("sensor.domain=waste", "sensor.active", "inventory.public_bins"),
        dimension="smart_environment",
        source=_ISO_SOURCE,
    ),
    Indicator(
        code="iso37122_19_1",
        standard=ISO_37122,
        clause="19.1",
        clause_status="U",
        name_id=(
            "Persentase jalan kota yang tercakup informasi dan peringatan lalu lintas "
            "daring waktu-nyata"
        ),
        name_en=(
            "Percentage of city streets and thoroughfares covered by real-time online "
            "traffic alerts and information"
        ),
        unit="%",
        formula="numerator / denominator × 100",
        numerator="km of streets with a reporting traffic sensor (sensor.street_segment length)",
        denominator="total km of city streets",
        required_inputs=("sensor.domain=traffic", "sensor.street_segment", "inventory.street_km"),
        dimension="smart_living_mobility",
        source=_ISO_SOURCE,
    ),
    Indicator(
        code="u4ssc_ec_ict_t_2c",
        standard=U4SSC,
        clause="EC:ICT:T:2C",
        clause_status="V",
        name_id="Pemantauan lalu lintas: persentase jalan utama yang dipantau TIK",
        name_en="Traffic monitoring: percentage of major streets monitored by ICT",
        unit="%",
        formula="numerator / denominator × 100",
        numerator="length of major streets monitored by ICT (km)",
        denominator="total length of major streets (km)",
        required_inputs=(
            "sensor.domain=traffic",
            "sensor.street_segment",
            "inventory.major_street_km",
        ),
        dimension="smart_living_mobility",
        source=_U4SSC_URL,
    ),
    Indicator(
        code="iso37120_8_1",
        standard=ISO_37120,
        clause="8.1",
        clause_status="U",
        name_id="Konsentrasi partikulat halus (PM2.5)",
        name_en="Fine particulate matter (PM2.5) concentration",
        unit="µg/m³",
        formula="sum of daily means / days measured (annual mean)",
        numerator="sum of daily mean PM2.5",
        denominator="days with a valid daily mean",
        required_inputs=("air_reading.pm25", "rollup_1d"),
        dimension="smart_environment",
        source=_ISO_SOURCE,
    ),
    Indicator(
        code="iso37120_8_2",
        standard=ISO_37120,
        clause="8.2",
        clause_status="U",
        name_id="Konsentrasi partikulat (PM10)",
        name_en="Particulate matter (PM10) concentration",
        unit="µg/m³",
        formula="sum of daily means / days measured (annual mean)",
        numerator="sum of daily mean PM10",
        denominator="days with a valid daily mean",
        required_inputs=("air_reading.pm10", "rollup_1d"),
        dimension="smart_environment",
        source=_ISO_SOURCE,
    ),
    Indicator(
        code="iso37120_8_x_no2",
        standard=ISO_37120,
        clause="8.x",
        clause_status="U",
        name_id="Konsentrasi NO2",
        name_en="NO2 (nitrogen dioxide) concentration",
        unit="µg/m³",
        formula="annual mean of daily means",
        numerator="sum of daily mean NO2",
        denominator="days measured",
        required_inputs=("air_reading.no2", "rollup_1d"),
        dimension="smart_environment",
        source=_ISO_SOURCE,
    ),
    Indicator(
        code="iso37120_8_x_so2",
        standard=ISO_37120,
        clause="8.x",
        clause_status="U",
        name_id="Konsentrasi SO2",
        name_en="SO2 (sulphur dioxide) concentration",
        unit="µg/m³",
        formula="annual mean of daily means",
        numerator="sum of daily mean SO2",
        denominator="days measured",
        required_inputs=("air_reading.so2", "rollup_1d"),
        dimension="smart_environment",
        source=_ISO_SOURCE,
    ),
    Indicator(
        code="iso37120_8_x_o3",
        standard=ISO_37120,
        clause="8.x",
        clause_status="U",
        name_id="Konsentrasi O3",
        name_en="O3 (ozone) concentration",
        unit="µg/m³",
        formula="annual mean of daily means",
        numerator="sum of daily mean O3",
        denominator="days measured",
        required_inputs=("air_reading.o3", "rollup_1d"),
        dimension="smart_environment",
        source=_ISO_SOURCE,
    ),
    Indicator(
        code="iso37120_8_x_noise",
        standard=ISO_37120,
        clause="8.x",
        clause_status="U",
        name_id="Polusi kebisingan",
        name_en="Noise pollution",
        unit="dB(A)",
        formula="annual mean of daily L_SM (KepMenLH 48/1996 day-night level)",
        numerator="sum of daily L_SM",
        denominator="days measured",
        required_inputs=("air_reading.noise", "rollup_1h"),
        dimension="smart_environment",
        source=_ISO_SOURCE,
    ),
)
