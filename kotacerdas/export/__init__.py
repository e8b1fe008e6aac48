"""Maturity assessment export: ISO 37122 / ISO 37120 evidence per city and period.

Reads only the ``kota_reader`` views (hourly rollups, registry, alerts, indicators),
turns them into catalogue indicators with their coverage and lineage (:mod:`cityscore`
does all indicator math), evaluates a maturity rubric (:mod:`cityscore.maturity`) and
renders CSV, JSON (with a JSON Schema), XLSX and a self-contained bilingual HTML report.

Layout: ``window`` periods · ``queries`` the SQL · ``reader`` the database shell ·
``inputs`` what is read · ``collect`` the tallies hourly series stream into ·
``fingerprint`` the input hash · ``coverage``/``air_series``/``evidence_*``/``indices``
the figures · ``classify`` monotone rules over many values · ``assessment`` the document
· ``render_*``/``charts``/``labels``/``html_style`` the files · ``files`` atomic writes ·
``schedule`` periodic runs and their manifest · ``browser`` headless Chromium ·
``runner`` the composition.
"""
