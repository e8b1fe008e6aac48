"""The frame every kotacerdas dashboard shares: uid, bilingual title, time, refresh, tags."""

from __future__ import annotations

from grafana_foundation_sdk.builders import dashboard as db

from kotacerdas.dashboards.variables import city_variable, district_variable

# Operators watch live data: the last 6 hours, refreshed every 30 s (Grafana's minimum
# refresh is configurable server-side; 30 s keeps database load low at city scale).
TIME_FROM, TIME_TO = "now-6h", "now"
REFRESH = "30s"
TAGS = ["kotacerdas"]


def new_dashboard(
    uid: str, title: str, description: str, *, city: bool = True, district: bool = True
) -> db.Dashboard:
    dashboard = (
        db.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags([*TAGS, uid.removeprefix("kota-")])
        .time(TIME_FROM, TIME_TO)
        .refresh(REFRESH)
        .timezone("browser")
        .editable()
    )
    if city:
        dashboard.with_variable(city_variable())
    if district:
        dashboard.with_variable(district_variable())
    return dashboard
