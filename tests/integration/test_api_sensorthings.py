"""SensorThings API 1.1 read subset, checked against the shapes of the spec's examples
(OGC 18-088: §8.2.1 Thing, §8.2.2 Location, §8.2.4 Datastream, §8.2.7 Observation,
§9.3.3.2 collection with @iot.count/@iot.nextLink) and its request examples
(§9.3.2.1 $expand, §9.3.3.1 $orderby, §9.3.3.2-4 $top/$skip/$count, §9.3.3.5 $filter)."""

from __future__ import annotations

from datetime import timedelta

import api_seed
import httpx
import pytest
from api_seed import Sync, make_app


@pytest.fixture(scope="module")
def seeded(stack) -> api_seed.Seeded:
    return api_seed.seed(stack)


BASE = "/sta/v1.1"
# The keys of the spec's example entities (§8.2), navigation links included.
THING_KEYS = {"@iot.id", "@iot.selfLink", "Locations@iot.navigationLink",
              "Datastreams@iot.navigationLink", "HistoricalLocations@iot.navigationLink",
              "name", "description", "properties"}  # fmt: skip
LOCATION_KEYS = {"@iot.id", "@iot.selfLink", "Things@iot.navigationLink",
                 "HistoricalLocations@iot.navigationLink", "name", "description",
                 "encodingType", "location"}  # fmt: skip
DATASTREAM_KEYS = {"@iot.id", "@iot.selfLink", "Thing@iot.navigationLink",
                   "Sensor@iot.navigationLink", "ObservedProperty@iot.navigationLink",
                   "Observations@iot.navigationLink", "name", "description",
                   "unitOfMeasurement", "observationType"}  # fmt: skip
OBSERVATION_KEYS = {"@iot.id", "@iot.selfLink", "FeatureOfInterest@iot.navigationLink",
                    "Datastream@iot.navigationLink", "phenomenonTime", "resultTime",
                    "result"}  # fmt: skip


@pytest.fixture(scope="module")
def sta(stack):
    app, store = make_app(stack)
    yield Sync(httpx.ASGITransport(app=app))
    store.close()


def _z(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def test_service_root_lists_the_entity_sets(sta, seeded):
    body = sta.get(BASE).json()
    names = {v["name"] for v in body["value"]}
    assert {"Things", "Locations", "Sensors", "ObservedProperties", "Datastreams",
            "Observations"} <= names  # fmt: skip


def test_things_collection_with_top_skip_count_and_next_link(sta, seeded):
    first = sta.get(f"{BASE}/Things?$top=2&$count=true").json()
    assert set(first) == {"@iot.count", "value", "@iot.nextLink"}
    assert first["@iot.count"] > 2 and len(first["value"]) == 2
    assert set(first["value"][0]) == THING_KEYS
    follow = sta.get(first["@iot.nextLink"].removeprefix("http://api.test")).json()
    skipped = sta.get(f"{BASE}/Things?$top=2&$skip=2").json()
    assert follow["value"] == skipped["value"]


def test_thing_by_id_with_expanded_locations_and_datastreams(sta, seeded):
    thing = sta.get(f"{BASE}/Things('{seeded.station}')?$expand=Locations,Datastreams").json()
    assert thing["@iot.id"] == seeded.station
    assert thing["@iot.selfLink"].endswith(f"/Things('{seeded.station}')")
    assert set(thing["Locations"][0]) == LOCATION_KEYS
    assert thing["Locations"][0]["location"]["type"] == "Point"
    streams = {d["@iot.id"]: d for d in thing["Datastreams"]}
    assert set(streams[f"{seeded.station}:pm25"]) == DATASTREAM_KEYS
    assert streams[f"{seeded.station}:pm25"]["unitOfMeasurement"]["symbol"] == "µg/m³"


def test_observations_filter_orderby_top_count(sta, seeded):
    start, end = seeded.readings_start, seeded.readings_start + timedelta(minutes=30)
    url = (
        f"{BASE}/Datastreams('{seeded.station}:pm25')/Observations"
        f"?$filter=phenomenonTime ge {_z(start)} and phenomenonTime lt {_z(end)} "
        f"and result gt 9.5&$orderby=phenomenonTime asc&$top=5&$count=true"
    )
    body = sta.get(url).json()
    assert body["@iot.count"] == 20  # results 10 … 29
    assert [o["result"] for o in body["value"]] == [10.0, 11.0, 12.0, 13.0, 14.0]
    assert set(body["value"][0]) == OBSERVATION_KEYS
    assert "@iot.nextLink" in body
    newest = sta.get(url.replace("phenomenonTime asc", "result desc")).json()["value"]
    assert newest[0]["result"] == 29.0
    one = sta.get(f"{BASE}/Observations('{body['value'][0]['@iot.id']}')?$expand=Datastream")
    assert one.status_code == 200
    assert one.json()["Datastream"]["@iot.id"] == f"{seeded.station}:pm25"


def test_navigation_to_single_entities(sta, seeded):
    ds = f"{BASE}/Datastreams('{seeded.station}:pm25')"
    assert sta.get(f"{ds}/Thing").json()["@iot.id"] == seeded.station
    assert sta.get(f"{ds}/ObservedProperty").json()["name"] == "pm25"
    streams = sta.get(f"{BASE}/ObservedProperties('pm25')/Datastreams?$top=1000").json()
    assert f"{seeded.station}:pm25" in {d["@iot.id"] for d in streams["value"]}


@pytest.mark.parametrize(
    "query",
    [
        "$filter=name eq 'x'",
        "$filter=result gt",
        "$filter=phenomenonTime gt 12",
        "$filter=result between 1",
        "$orderby=colour desc",
        "$expand=Thing/Locations",
        "$top=100000",
    ],
)
def test_bad_query_options_are_problems(sta, seeded, query):
    response = sta.get(f"{BASE}/Datastreams('{seeded.station}:pm25')/Observations?{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"


def test_unknown_entities_are_404(sta, seeded):
    assert sta.get(f"{BASE}/Things('nope-0000')").status_code == 404
    assert sta.get(f"{BASE}/Datastreams('{seeded.station}:fill_level')").status_code == 404
    assert sta.get(f"{BASE}/Observations('garbage')").status_code == 404
