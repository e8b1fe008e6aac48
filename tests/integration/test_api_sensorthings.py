"""SensorThings API 1.1 read subset, checked against OGC 18-088 (SensorThings API Part 1:
Sensing 1.1, https://docs.ogc.org/is/18-088/18-088.html): the member sets of its example
entities (anchors #thing, #location, #datastream, #observation, #featureofinterest), its
example requests for $expand (§9.3.2.1), $orderby (§9.3.3.1), $top (§9.3.3.2), $skip
(§9.3.3.3), $count (§9.3.3.4), $filter (§9.3.3.5), the nextLink (server-driven paging) and
the status codes of §9.3 (Req request-data/status-code, request-data/query-status-code)."""

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
# The keys of the spec's example entities, navigation links included (18-088 #thing:
# "Locations@iot.navigationLink", "Datastreams@iot.navigationLink",
# "HistoricalLocations@iot.navigationLink", name, description, properties).
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
# 18-088 #observation example: FeatureOfInterest and Datastream navigation links,
# phenomenonTime, resultTime, result.
OBSERVATION_KEYS = {"@iot.id", "@iot.selfLink", "FeatureOfInterest@iot.navigationLink",
                    "Datastream@iot.navigationLink", "phenomenonTime", "resultTime",
                    "result"}  # fmt: skip


# 18-088 #featureofinterest: name, description, encodingType, feature; Observations link.
FEATURE_KEYS = {"@iot.id", "@iot.selfLink", "Observations@iot.navigationLink", "name",
                "description", "encodingType", "feature"}  # fmt: skip


@pytest.fixture(scope="module")
def sta(stack):
    app, store = make_app(stack)
    yield Sync(httpx.ASGITransport(app=app))
    store.close()


def _z(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _path(url: str) -> str:
    return url.removeprefix("http://api.test")


def test_service_root_lists_the_entity_sets_and_every_url_answers(sta, seeded):
    body = sta.get(BASE).json()
    # 18-088 §9.2 Usage 1: {"value": [{"name": …, "url": …}, …]}, one per entity set
    names = {v["name"] for v in body["value"]}
    assert {"Things", "Locations", "HistoricalLocations", "Sensors", "ObservedProperties",
            "Datastreams", "Observations", "FeaturesOfInterest"} == names  # fmt: skip
    # §9.3 Req request-data/status-code: an advertised URL is served (else 410/404)
    for entry in body["value"]:
        if entry["name"] != "Observations":  # unbounded scan; per Datastream below
            assert sta.get(_path(entry["url"]) + "?$top=1").status_code == 200, entry


def test_things_collection_with_top_skip_count_and_next_link(sta, seeded):
    # §9.3.3.4 example response {"@iot.count": 2, "value": […]}; nextLink when partial
    first = sta.get(f"{BASE}/Things?$top=2&$count=true").json()
    assert set(first) == {"@iot.count", "value", "@iot.nextLink"}
    assert next(iter(first)) == "@iot.count"  # "If present, it comes before value"
    assert first["@iot.count"] > 2 and len(first["value"]) == 2
    assert set(first["value"][0]) == THING_KEYS
    # §9.3.3.3: $skip=2&$top=2 returns items from position 3; the nextLink is that page
    assert first["@iot.nextLink"].endswith("/Things?$count=true&$top=2&$skip=2")
    follow = sta.get(_path(first["@iot.nextLink"])).json()
    skipped = sta.get(f"{BASE}/Things?$top=2&$skip=2").json()
    assert follow["value"] == skipped["value"]


def test_thing_by_id_with_expanded_locations_and_datastreams(sta, seeded):
    thing = sta.get(f"{BASE}/Things('{seeded.station}')?$expand=Locations,Datastreams").json()
    assert thing["@iot.id"] == seeded.station
    assert thing["@iot.selfLink"].endswith(f"/Things('{seeded.station}')")
    assert set(thing["Locations"][0]) == LOCATION_KEYS
    # 18-088 #location: GeoJSON encodingType, location {"type": "Point", "coordinates"}
    assert thing["Locations"][0]["encodingType"] == "application/geo+json"
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
    # §9.3.3.4: the count ignores $top and counts what matches $filter
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


def test_spec_filter_example_result_lt_10(sta, seeded):
    # §9.3.3.5 Example Request 1: Observations?$filter=result lt 10.00
    url = f"{BASE}/Datastreams('{seeded.station}:pm25')/Observations?$filter=result lt 10.00"
    results = [o["result"] for o in sta.get(url + "&$top=1000").json()["value"]]
    seeded_part = [r for r in results if r in {float(i) for i in range(10)}]
    assert seeded_part and all(r < 10 for r in results)


def test_top_over_the_server_page_is_cut_not_refused(sta, seeded):
    # §9.3.3.2: over the service-driven page limit "the $top query option SHALL be
    # discarded and the server-side pagination limitation SHALL be imposed"
    response = sta.get(f"{BASE}/Datastreams?$top=100000&$count=true")
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["value"]) == min(1000, body["@iot.count"])
    if body["@iot.count"] > 1000:
        assert "$top=1000" in body["@iot.nextLink"]


def test_observation_links_to_its_feature_of_interest(sta, seeded):
    url = f"{BASE}/Datastreams('{seeded.station}:pm25')/Observations?$top=1"
    observation = sta.get(url).json()["value"][0]
    # 18-088 #observation: an Observation has one-and-only-one FeatureOfInterest
    feature = sta.get(_path(observation["FeatureOfInterest@iot.navigationLink"]))
    assert feature.status_code == 200
    assert set(feature.json()) == FEATURE_KEYS
    assert feature.json()["feature"]["type"] == "Point"
    back = sta.get(_path(feature.json()["Observations@iot.navigationLink"]) + "?$top=1000")
    assert observation["@iot.id"] in {o["@iot.id"] for o in back.json()["value"]}


@pytest.mark.parametrize(
    "query",
    [
        "$filter=name eq 'x'",
        "$filter=result gt",
        "$filter=phenomenonTime gt 12",
        "$filter=result between 1",
        "$orderby=colour desc",
        "$expand=Things",
        "$count=yes",  # §9.3.3.4: "400 Bad Request if a value other than true or false"
        "$count=1",
        "$top=-1",  # §9.3.3.2: "a non-negative integer"
    ],
)
def test_bad_query_options_are_problems(sta, seeded, query):
    response = sta.get(f"{BASE}/Datastreams('{seeded.station}:pm25')/Observations?{query}")
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "query",
    ["$select=result,resultTime", "$resultFormat=dataArray", "$expand=Thing/Locations",
     "$expand=Datastream($select=name)"],
)  # fmt: skip
def test_unsupported_query_options_are_501_not_ignored(sta, seeded, query):
    # §9.3 Req request-data/query-status-code: "If a service does not support a system
    # query option, it SHALL fail any request that contains the unsupported option and
    # SHALL return 501 Not Implemented."
    url = f"{BASE}/Datastreams('{seeded.station}:pm25')/Observations?{query}"
    response = sta.get(url)
    assert response.status_code == 501, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert sta.get(f"{BASE}/Things('{seeded.station}')?{query}").status_code == 501


def test_unknown_entities_are_404(sta, seeded):
    assert sta.get(f"{BASE}/Things('nope-0000')").status_code == 404
    assert sta.get(f"{BASE}/Datastreams('{seeded.station}:fill_level')").status_code == 404
    assert sta.get(f"{BASE}/Observations('garbage')").status_code == 404
