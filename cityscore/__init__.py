"""cityscore — pure indicator math and the indicator catalogue for kotacerdas.

No I/O: nothing here imports Kafka, MQTT or a database driver, and the scalar API needs
only the standard library (numpy lives in :mod:`cityscore.vectorised`, imported on
demand). Every number from a standard is in :mod:`cityscore.tables` with its source.

Modules: ``ispu`` (Permen LHK P.14/2020), ``aqi`` (US EPA 2024, NowCast), ``who`` (WHO
2021), ``units`` (µg/m³ ↔ ppb/ppm), ``traffic`` (PM 96/2015, KM 14/2006, TomTom),
``waste``, ``safety``, ``noise`` (KepMenLH 48/1996), ``composite`` (green-city and
safety indices), ``catalogue`` (ISO 37122/37120 indicators), ``live`` (aggregator seam),
``errors``.
"""

__version__ = "0.1.0"
