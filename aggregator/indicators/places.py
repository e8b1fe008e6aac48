"""District and city indicators from the sensor rows of one moment (pure).

Aggregation choices (ours, documented):
- ``ispu``: the worst station (what an operations centre acts on), station in detail;
  the green-city index uses the mean station ISPU instead (typical exposure).
- shares (hazardous air, gridlock, bin fire risk, night noise): share of the place's
  reporting sensors of that kind; ``speeding_share``: Σ speeding / Σ vehicles.
- ``congestion_level``: mean over segments weighted by segment length.
- coverage of every place row: reporting sensors / registered sensors of that kind;
  composites multiply cityscore's input coverage by the place's sensor coverage, so a
  silent sensor lowers it (issue 11: the city must know what it cannot see).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from aggregator.indicators.model import IndicatorRow, SensorMeta
from cityscore import composite, traffic, waste


def _values(rows: list[IndicatorRow], code: str) -> list[IndicatorRow]:
    return [r for r in rows if r.code == code and r.value is not None]


def _share(rows: list[IndicatorRow], code: str) -> float | None:
    flags = _values(rows, code)
    return sum(r.value for r in flags) / len(flags) if flags else None  # type: ignore[misc]


def place_rows(
    city: str,
    district: str,
    sensors: list[SensorMeta],
    rows: list[IndicatorRow],
    silent_ids: set[str],
    requests: list[waste.ServiceRequest],
    as_of: datetime,
) -> list[IndicatorRow]:
    """Indicators of one place (``district`` '' = the whole city)."""
    out: list[IndicatorRow] = []

    def add(code: str, value: float | None, **extra: object) -> None:
        if value is not None:
            out.append(IndicatorRow(city, district, "", code, value, **extra))  # type: ignore[arg-type]

    expected = {d: [s for s in sensors if s.domain == d] for d in ("air", "traffic", "waste")}
    reporting = {d: [s for s in expected[d] if s.sensor_id not in silent_ids] for d in expected}
    coverage = {d: len(reporting[d]) / len(expected[d]) if expected[d] else 0.0 for d in expected}

    stations = _values(rows, "ispu")
    if stations:
        worst = max(stations, key=lambda r: r.value or 0.0)
        add(
            "ispu",
            worst.value,
            category=worst.category,
            coverage=coverage["air"],
            detail={
                "station": worst.sensor_id,
                "stations": len(stations),
                "hours": worst.detail.get("hours"),  # of the 24-h mean it reports
            },
        )
    nowcasts = _values(rows, "aqi_pm25_nowcast")
    if nowcasts:
        worst = max(nowcasts, key=lambda r: r.value or 0.0)
        add("aqi_pm25_nowcast", worst.value, category=worst.category, coverage=coverage["air"])
    hazardous = _share(rows, "hazardous_air")
    add("hazardous_air_share", hazardous, coverage=coverage["air"])

    segments = _values(rows, "congestion_level")
    weights = [(r.value, float(r.detail.get("length_km") or 1.0)) for r in segments]
    congestion = (
        sum(v * w for v, w in weights if v is not None) / sum(w for _, w in weights)
        if weights
        else None
    )
    add("congestion_level", congestion, coverage=coverage["traffic"])
    levels = _values(rows, "los")
    if levels:
        worst = max(levels, key=lambda r: traffic.los_rank(r.category or "A"))
        add(
            "los",
            worst.value,
            category=worst.category,
            coverage=coverage["traffic"],
            detail={"segment": worst.sensor_id},
        )
    jams = _values(rows, "gridlock")
    add(
        "gridlock_segments",
        float(sum(r.value for r in jams)) if jams else None,  # type: ignore[misc]
        coverage=coverage["traffic"],
    )
    vehicles = sum(r.detail.get("vehicles", 0.0) for r in _values(rows, "speeding_share"))
    speeding = sum(r.detail.get("speeding", 0.0) for r in _values(rows, "speeding_share"))
    speeding_share = speeding / vehicles if vehicles else None
    add("speeding_share", speeding_share, coverage=coverage["traffic"])

    bins = _values(rows, "overflowing")
    overflow_share = _share(rows, "overflowing")
    add(
        "bins_overflowing",
        float(sum(r.value for r in bins)) if bins else None,  # type: ignore[misc]
        coverage=coverage["waste"],
    )
    add("overflow_share", overflow_share, coverage=coverage["waste"])
    fire = _values(rows, "bin_fire_risk")
    add(
        "fire_risk_bins",
        float(sum(r.value for r in fire)) if fire else None,  # type: ignore[misc]
        coverage=coverage["waste"],
    )
    efficiency = waste.collection_efficiency(requests, as_of) if requests else None
    add("collection_efficiency", efficiency, coverage=coverage["waste"])
    add("silent_sensors", float(len(silent_ids & {s.sensor_id for s in sensors})))

    mean_ispu = sum(r.value for r in stations) / len(stations) if stations else None  # type: ignore[misc]
    noise_share = _share(rows, "noise_night_exceed")
    sensor_coverage = sum(len(reporting[d]) for d in expected) / max(1, len(sensors))
    green = composite.green_city_index(
        ispu=mean_ispu,
        congestion_level_pct=congestion,
        bins_not_overflowing_share=None if overflow_share is None else 1 - overflow_share,
        collection_efficiency=efficiency,
    )
    safe = composite.safety_index(
        hazardous_air_share=hazardous,
        bin_fire_risk_share=_share(rows, "bin_fire_risk"),
        gridlock_share=_share(rows, "gridlock"),
        speeding_share=speeding_share,
        night_noise_share=noise_share,
    )
    for code, result in (("green_city_index", green), ("safety_index", safe)):
        add(
            code,
            result.value,
            coverage=result.coverage * sensor_coverage,
            detail={
                "input_coverage": result.coverage,
                "sensor_coverage": sensor_coverage,
                "components": {
                    n: {"raw": c.raw, "score": c.score, "contribution": c.contribution}
                    for n, c in result.components.items()
                },
            },
        )
    return out


def all_place_rows(
    city: str,
    sensors: list[SensorMeta],
    rows: list[IndicatorRow],
    silent_ids: set[str],
    requests: dict[str, list[waste.ServiceRequest]],
    as_of: datetime,
) -> list[IndicatorRow]:
    """Every district of the city, then the city itself."""
    by_district: dict[str, list[SensorMeta]] = defaultdict(list)
    for s in sensors:
        by_district[s.district].append(s)
    out: list[IndicatorRow] = []
    for district, members in sorted(by_district.items()):
        ids = {s.sensor_id for s in members}
        out += place_rows(
            city,
            district,
            members,
            [r for r in rows if r.sensor_id in ids],
            silent_ids,
            [q for sid in ids for q in requests.get(sid, ())],
            as_of,
        )
    out += place_rows(
        city, "", sensors, rows, silent_ids, [q for qs in requests.values() for q in qs], as_of
    )
    return out
