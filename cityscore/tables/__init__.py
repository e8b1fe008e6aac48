"""Every number cityscore takes from a standard lives here, once, beside its source.

One module per standard; each carries a :class:`~cityscore.tables.source.Source` with the
URL(s) and the STANDARDS.md status mark:

- ``V`` verified against the cited source;
- ``C`` consistent across several independent copies, primary PDF not read in full;
- ``U`` uncertain, confirm against the official document before relying on it;
- ``ours`` a kotacerdas policy choice (no external standard), justified beside it.

Modules:
``ispu`` Permen LHK P.14/2020 · ``aqi`` US EPA AQI 2024 · ``who`` WHO AQG 2021 ·
``traffic`` PM 96/2015, KM 14/2006, TomTom · ``noise`` KepMenLH 48/1996 ·
``chemistry`` molar masses and molar volume · ``policy`` our own thresholds and weights.
"""
