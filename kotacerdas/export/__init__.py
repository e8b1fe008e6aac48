"""Maturity assessment export: ISO 37122 / ISO 37120 evidence per city and period.

Reads only the ``kota_reader`` views (hourly rollups, registry, alerts, indicators),
turns them into catalogue indicators with their coverage and lineage (:mod:`cityscore`
does all indicator math), evaluates a maturity rubric (:mod:`cityscore.maturity`) and
renders CSV, JSON (with a JSON Schema), XLSX and a self-contained bilingual HTML report.

Layout: ``window`` periods · ``queries`` (the only database code) · ``inputs`` fetched
rows · ``fingerprint`` input hash · ``coverage``/``evidence_*``/``indices`` the figures ·
``assessment`` the document · ``render_*``/``charts``/``labels`` the files · ``files``
atomic writes · ``schedule`` periodic runs and their manifest · ``browser`` headless
Chromium · ``runner`` the composition.
"""
