"""Sensor uptime and the share of the city a domain observed in the period.

uptime = received samples / expected samples, where a sensor's expected samples are
``period seconds / interval_s`` and its received samples are the ``samples`` of its
hourly rollups inside the window, capped at the expected count (a chatty sensor cannot
hide a silent one). Only sensors registered as active count. The share of the city
observed is the share of districts — and of the population living in them — with at
least one reporting sensor of the domain.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from cityscore import period
from kotacerdas.export.inputs import HourlySeries, Inputs
from kotacerdas.export.results import Coverage


def in_window(series: HourlySeries, first: int, last: int) -> range:
    """Positions of ``series`` whose hour lies in ``[first, last)`` (hours are sorted)."""
    return range(bisect_left(series.hours, first), bisect_left(series.hours, last))


class CoverageTally:
    """Uptime and observed share of one domain, fed one sensor's series at a time."""

    def __init__(self, inputs: Inputs, domain: str) -> None:
        self.domain = domain
        self._inputs = inputs
        self._sensors = {s.sensor_id: s for s in inputs.sensors_of(domain)}
        self._seconds = inputs.window.seconds
        self._received = self._buckets = 0
        self._reporting: set[str] = set()

    def add(self, series: HourlySeries) -> None:
        registered = self._sensors.get(series.sensor_id)
        if registered is None:  # retired (inactive) sensor: not part of the fleet evidence
            return
        self._buckets += series.buckets
        if series.samples:
            self._reporting.add(series.sensor_id)
        self._received += min(series.samples, self._seconds // registered.interval_s)

    def result(self) -> Coverage:
        sensors, districts = self._sensors, self._inputs.districts
        expected = sum(self._seconds // s.interval_s for s in sensors.values())
        observed = {sensors[s].district for s in self._reporting}
        population = sum(d.population for d in districts)
        seen_population = sum(d.population for d in districts if d.slug in observed)
        return Coverage(
            domain=self.domain,
            sensors_registered=len(sensors),
            sensors_reporting=len(self._reporting),
            samples_received=self._received,
            samples_expected=expected,
            uptime=period.uptime(self._received, expected) if sensors else None,
            districts_observed=len(observed),
            districts_total=len(districts),
            district_share=len(observed) / len(districts) if districts else None,
            population_share=seen_population / population if population else None,
            sensor_ids=tuple(sorted(self._reporting)),
            buckets=self._buckets,
        )


def domain_coverage(inputs: Inputs, domain: str, series: Sequence[HourlySeries]) -> Coverage:
    tally = CoverageTally(inputs, domain)
    for one in series:
        tally.add(one)
    return tally.result()
