"""Per-domain tallies the hourly series are streamed into (one sensor at a time).

:func:`collectors` builds them from the registry part of the inputs; :meth:`Collectors.sinks`
gives the database shell one callable per domain to feed; :func:`feed` does the same
from series already in memory (tests, small exports). Each domain's tallies are fed by
one thread only, and none depends on the order sensors arrive in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from kotacerdas.export.air_series import AirSeriesTally
from kotacerdas.export.coverage import CoverageTally
from kotacerdas.export.evidence_traffic import TrafficTally
from kotacerdas.export.evidence_waste import WasteTally
from kotacerdas.export.inputs import HourlySeries, Inputs

Sink = Callable[[HourlySeries], None]
DOMAINS = ("air", "traffic", "waste")


@dataclass(frozen=True)
class Collectors:
    coverage: Mapping[str, CoverageTally]
    air: AirSeriesTally
    traffic: TrafficTally
    waste: WasteTally

    def sinks(self) -> dict[str, Sink]:
        return {domain: self._sink(domain) for domain in DOMAINS}

    def _sink(self, domain: str) -> Sink:
        coverage = self.coverage[domain]
        tally: AirSeriesTally | TrafficTally | WasteTally = getattr(self, domain)

        def add(series: HourlySeries) -> None:
            coverage.add(series)
            tally.add(series)

        return add


def collectors(inputs: Inputs) -> Collectors:
    return Collectors(
        coverage={domain: CoverageTally(inputs, domain) for domain in DOMAINS},
        air=AirSeriesTally(inputs),
        traffic=TrafficTally(inputs),
        waste=WasteTally(inputs),
    )


def feed(inputs: Inputs) -> Collectors:
    """Tallies filled from the series held in ``inputs``."""
    built = collectors(inputs)
    sinks = built.sinks()
    for domain, series in (("air", inputs.air_hourly), ("traffic", inputs.traffic_hourly),
                           ("waste", inputs.waste_hourly)):  # fmt: skip
        for one in series:
            sinks[domain](one)
    return built
