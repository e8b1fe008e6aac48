"""Bilingual display texts and colours for the codes panels show (value mappings).

The codes are the contract's (alert ``kind`` and ``severity``, LOS letters, AQI
categories); a person reads the mapped text, Bahasa Indonesia first.
"""

from __future__ import annotations

from grafana_foundation_sdk.models import dashboard as dm

from kotacerdas.dashboards.panels import label

SEVERITY = {
    "critical": (label("Kritis", "Critical"), "red"),
    "warning": (label("Waspada", "Warning"), "orange"),
    "info": (label("Info", "Info"), "blue"),
}
ALERT_KIND = {
    "hazardous_air": (label("Udara berbahaya", "Hazardous air"), "purple"),
    "bin_fire": (label("Risiko kebakaran tempat sampah", "Bin fire risk"), "red"),
    "gridlock": (label("Macet total", "Gridlock"), "dark-red"),
    "overflow": (label("Sampah meluap", "Bin overflowing"), "orange"),
    "silent_sensor": (label("Sensor diam", "Silent sensor"), "yellow"),
    "pipeline_stalled": (label("Pipeline berhenti", "Pipeline stalled"), "red"),
    "broker_dropping": (label("Broker membuang pesan", "Broker dropping"), "red"),
}
# Highway Capacity Manual levels of service A (free flow) … F (forced flow).
LOS = {
    "A": (label("A Lancar", "A Free flow"), "green"),
    "B": (label("B Stabil", "B Stable"), "green"),
    "C": (label("C Stabil padat", "C Stable, dense"), "yellow"),
    "D": (label("D Mendekati tidak stabil", "D Near unstable"), "orange"),
    "E": (label("E Tidak stabil", "E Unstable"), "red"),
    "F": (label("F Macet", "F Forced flow"), "dark-red"),
}
# US EPA AQI categories (category codes written by cityscore.aqi).
AQI = {
    "good": (label("Baik", "Good"), "green"),
    "moderate": (label("Sedang", "Moderate"), "yellow"),
    "usg": (
        label("Tidak sehat bagi kelompok sensitif", "Unhealthy for sensitive groups"),
        "orange",
    ),
    "unhealthy": (label("Tidak sehat", "Unhealthy"), "red"),
    "very_unhealthy": (label("Sangat tidak sehat", "Very unhealthy"), "purple"),
    "hazardous": (label("Berbahaya", "Hazardous"), "dark-red"),
}
STATE = {
    "open": (label("Terbuka", "Open"), "red"),
    "closed": (label("Selesai", "Closed"), "green"),
}


def mappings(*tables: dict[str, tuple[str, str]]) -> list[dm.ValueMapping]:
    options: dict[str, dm.ValueMappingResult] = {}
    for table in tables:
        for code, (text, colour) in table.items():
            options[code] = dm.ValueMappingResult(text=text, color=colour, index=len(options))
    return [dm.ValueMap(options=options)]


def los_rank_mappings() -> list[dm.ValueMapping]:
    """LOS rank 1..6 (the ``los`` indicator's value) → letter text and colour."""
    options = {
        str(rank): dm.ValueMappingResult(text=text, color=colour, index=rank - 1)
        for rank, (text, colour) in enumerate(LOS.values(), 1)
    }
    return [dm.ValueMap(options=options)]
