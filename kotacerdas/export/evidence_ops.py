"""Operations evidence: alerts opened and answered, data completeness, refused messages.

- alerts are counted by the time they *opened* in the period (``v_alert``); the response
  time is the median of ``closed_at − opened_at`` over those already closed, in minutes;
- data uptime pools every domain's received and expected samples (:mod:`coverage`);
- the dead-letter share is refused messages attributed to the city over refused plus
  stored samples (a message refused before the city is known cannot be attributed).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from cityscore import period
from kotacerdas.export.inputs import Inputs
from kotacerdas.export.results import Coverage, IndicatorResult, QualityOf, result

_SECONDS_PER_MINUTE = 60.0


def evaluate(
    inputs: Inputs, coverages: Sequence[Coverage], quality_of: QualityOf
) -> list[IndicatorResult]:
    return [
        *_alerts(inputs, coverages, quality_of),
        _uptime(coverages, quality_of),
        _dead_letters(inputs, coverages, quality_of),
    ]


def _alerts(
    inputs: Inputs, coverages: Sequence[Coverage], quality_of: QualityOf
) -> list[IndicatorResult]:
    live = [c for c in coverages if c.sensors_reporting]
    per_kind = Counter(alert.kind for alert in inputs.alerts)
    durations: dict[str, list[float]] = defaultdict(list)
    for alert in inputs.alerts:
        if alert.closed_at is not None:
            minutes = (alert.closed_at - alert.opened_at).total_seconds() / _SECONDS_PER_MINUTE
            durations[alert.kind].append(minutes)
    closed = [m for kind in sorted(durations) for m in durations[kind]]
    still_open = sum(1 for alert in inputs.alerts if alert.closed_at is None)
    return [
        result(
            "kc_alert_count",
            float(len(inputs.alerts)) if live else None,
            "alerts opened in the period (v_alert.opened_at), all kinds; breakdown per kind",
            quality_of,
            coverage=live,
            views=("v_alert",),
            numerator=float(len(inputs.alerts)) if live else None,
            breakdown={kind: float(n) for kind, n in sorted(per_kind.items())},
        ),
        result(
            "kc_alert_response_time",
            period.median(closed),
            "median minutes from opened_at to closed_at of the alerts opened in the period "
            "and closed since; breakdown = median per kind",
            quality_of,
            coverage=live,
            views=("v_alert",),
            numerator=float(len(closed)),
            breakdown={k: period.median(v) for k, v in sorted(durations.items())},
            details={"closed": len(closed), "still_open": still_open},
        ),
    ]


def _uptime(coverages: Sequence[Coverage], quality_of: QualityOf) -> IndicatorResult:
    received = sum(c.samples_received for c in coverages)
    expected = sum(c.samples_expected for c in coverages)
    share = period.uptime(received, expected)
    return result(
        "kc_data_uptime",
        share * 100.0 if share is not None else None,
        "samples received (capped per sensor) / samples expected (period / interval_s per "
        "active sensor) × 100, all domains; breakdown per domain",
        quality_of,
        coverage=[c for c in coverages if c.sensors_registered],
        views=("v_air_1h", "v_traffic_1h", "v_waste_1h", "v_sensor"),
        numerator=float(received),
        denominator=float(expected),
        breakdown={c.domain: c.uptime * 100.0 for c in coverages if c.uptime is not None},
        pooled_uptime=True,
    )


def _dead_letters(
    inputs: Inputs, coverages: Sequence[Coverage], quality_of: QualityOf
) -> IndicatorResult:
    letters = sum(inputs.dead_letters.values())
    stored = sum(c.samples_received for c in coverages)
    total = letters + stored
    return result(
        "kc_dead_letter_share",
        period.percent(letters, total) if total else None,
        "dead letters attributed to the city / (dead letters + samples stored) × 100; "
        "breakdown per reason code",
        quality_of,
        coverage=[c for c in coverages if c.sensors_registered],
        views=("v_dead_letter", "v_air_1h", "v_traffic_1h", "v_waste_1h"),
        numerator=float(letters),
        denominator=float(total),
        breakdown={reason: float(n) for reason, n in sorted(inputs.dead_letters.items())},
        pooled_uptime=True,
    )
