"""Grafana dashboards and alert rules as code (issue 7: the operations-centre views).

Builders use ``grafana-foundation-sdk``; every panel reads only the read-contract views
through the ``kota_reader`` data source. ``kotacerdas dashboards build`` writes the JSON
under ``deploy/grafana/``; ``kotacerdas dashboards push`` uploads it with
``grafana-client``. ``macros`` expands Grafana's SQL macros and template variables the way
Grafana does, so the tests can run every panel's query against the real database.
"""

from __future__ import annotations

from kotacerdas.errors import UserFacingError


class DashboardError(UserFacingError):
    """Root error of the dashboards package (build or push); printed as one line."""
