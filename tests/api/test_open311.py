"""Open311 GeoReport v2 over HTTP, driven with requests shaped like the spec's examples."""

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import Engine, text

from gis.crs import wgs84_to_gcj02
from gis.db import incidents as incident_sql
from gis.usecases.runtime import Runtime
from tests.principals import role_token

# inside grid 110108010018002 of the 学院路 sample
LON, LAT = 116.3553, 40.0073
# the GeoReport v2 example of POST requests.json, with our service code and a sample point
EXAMPLE = {
    "api_key": "xyz",  # a client's token in the tests (the fixture)
    "service_code": "hazard",
    "lat": str(LAT),
    "long": str(LON),
    "address_string": "1234 5th street",
    "email": "smit333@sfgov.edu",
    "device_id": "tt222111",
    "account_id": "123456",
    "first_name": "john",
    "last_name": "smith",
    "phone": "111111111",
    "description": "A large sinkhole is destroying the street",
    "media_url": "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg",
}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def client(sample_client: TestClient, rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    """The sample's client; the example's ``api_key`` is a real client token (issue 12)."""
    monkeypatch.setitem(EXAMPLE, "api_key", role_token(rt, "client", "110108"))
    return sample_client


def post(client: TestClient, **fields: str) -> dict:
    response = client.post("/open311/v2/requests.json", data={**EXAMPLE, **fields})
    assert response.status_code in (200, 201), response.text
    return response.json()[0]


def incident_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM incidents")).scalar_one())


def test_service_list_has_the_spec_fields(client: TestClient) -> None:
    services = client.get("/open311/v2/services.json").json()
    hazard = next(s for s in services if s["service_code"] == "hazard")
    assert hazard["service_name"] == "安全隐患"
    assert (hazard["metadata"], hazard["type"], hazard["group"]) == (False, "realtime", "safety")
    assert "隐患" in hazard["keywords"] and hazard["description"]


def test_service_list_in_english(client: TestClient) -> None:
    services = client.get("/open311/v2/services.json", params={"lang": "en"}).json()
    assert {s["service_code"]: s["service_name"] for s in services}["hazard"] == "Safety hazard"


def test_service_definition(client: TestClient) -> None:
    body = client.get("/open311/v2/services/dispute.json").json()
    assert body == {"service_code": "dispute", "attributes": []}


def test_unknown_service_definition_is_an_open311_404(client: TestClient) -> None:
    response = client.get("/open311/v2/services/001.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "service_code: no service '001'"}]


def test_spec_example_post_creates_a_located_request(client: TestClient, engine: Engine) -> None:
    response = client.post("/open311/v2/requests.json", data=EXAMPLE)
    assert response.status_code == 201
    [answer] = response.json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["account_id"] is None and "前处理" in answer["service_notice"]
    with engine.connect() as conn:
        row = incident_sql.get_incident(conn, incident_id=int(answer["service_request_id"]))
    assert (row.source, row.grid_code, row.status) == (
        "open311",
        "110108010018002",
        "reported",
    )
    assert row.reporter_name == "john smith" and row.reporter_phone == "111111111"
    assert row.attributes["device_id"] == "tt222111"


def test_post_accepts_json(client: TestClient) -> None:
    response = client.post(
        "/open311/v2/requests.json",
        json={"service_code": "sanitation", "lat": LAT, "long": LON, "description": "垃圾"},
    )
    assert response.status_code == 201
    request_id = response.json()[0]["service_request_id"]
    [request] = client.get(f"/open311/v2/requests/{request_id}.json").json()
    assert request["service_code"] == "sanitation"


def test_attributes_are_kept(client: TestClient, engine: Engine) -> None:
    answer = post(client, **{"attribute[WHISPERS]": "HEARD", "attribute[floor]": "3"})
    with engine.connect() as conn:
        row = incident_sql.get_incident(conn, incident_id=int(answer["service_request_id"]))
    assert row.attributes["attribute"] == {"WHISPERS": "HEARD", "floor": "3"}


def test_gcj02_extension(client: TestClient) -> None:
    gx, gy = (float(v) for v in wgs84_to_gcj02(LON, LAT))
    answer = post(client, lat=str(gy), long=str(gx), crs="gcj02")
    [request] = client.get(f"/open311/v2/requests/{answer['service_request_id']}.json").json()
    assert request["long"] == pytest.approx(LON, abs=1e-7)
    assert request["lat"] == pytest.approx(LAT, abs=1e-7)


def test_address_string_alone_is_resolved(client: TestClient) -> None:
    answer = post(client, lat="", long="", address_string="北京 学院路 18号 10号楼")
    [request] = client.get(f"/open311/v2/requests/{answer['service_request_id']}.json").json()
    assert request["long"] == pytest.approx(116.3492126) and request["status"] == "open"


def test_idempotency_key_answers_the_same_request(client: TestClient, engine: Engine) -> None:
    first = client.post(
        "/open311/v2/requests.json", data=EXAMPLE, headers={"Idempotency-Key": "k1"}
    )
    again = client.post(
        "/open311/v2/requests.json", data=EXAMPLE, headers={"Idempotency-Key": "k1"}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    assert incident_count(engine) == 1


def keyed(client: TestClient, key: str, **fields: str) -> Response:
    return client.post(
        "/open311/v2/requests.json", data={**EXAMPLE, **fields}, headers={"Idempotency-Key": key}
    )


def test_item3_the_same_key_with_another_request_is_422(client: TestClient, engine: Engine) -> None:
    assert keyed(client, "k1").status_code == 201
    again = keyed(client, "k1", description="another sinkhole")
    assert again.status_code == 422
    [error] = again.json()
    assert error["code"] == 422 and error["description"].startswith("Idempotency-Key: already")
    assert incident_count(engine) == 1


def test_item3_keys_are_scoped_per_api_key_which_is_not_stored(
    client: TestClient, rt: Runtime, engine: Engine
) -> None:
    """Issue 12: the ``api_key`` is a client's token; keys are scoped to its principal."""
    key_one, key_two = (role_token(rt, "client", "1", login=name) for name in ("one", "two"))
    one = keyed(client, "k1", api_key=key_one).json()[0]
    two = keyed(client, "k1", api_key=key_two).json()[0]
    again = keyed(client, "k1", api_key=key_one)
    assert one["service_request_id"] != two["service_request_id"]
    assert again.status_code == 200 and again.json()[0] == one
    with engine.connect() as conn:
        clients = conn.execute(text("SELECT scope, client FROM idempotency_keys")).all()
    assert sorted(clients) == [("open311", "one"), ("open311", "two")]
    assert not any(key_one in c or key_two in c for _, c in clients)


def test_issue12_an_api_key_that_is_no_token_is_refused(client: TestClient, engine: Engine) -> None:
    answer = keyed(client, "k1", api_key="not-a-token")
    assert answer.status_code == 401
    assert answer.json() == [{"code": 401, "description": answer.json()[0]["description"]}]
    assert incident_count(engine) == 0


def test_item3_open311_and_native_keys_do_not_meet(client: TestClient, engine: Engine) -> None:
    native = client.post(
        "/incidents",
        json={"category": "hazard", "lon": LON, "lat": LAT},
        headers={"Idempotency-Key": "k1"},
    )
    assert native.status_code == 201
    assert keyed(client, "k1", api_key="").status_code == 201
    assert incident_count(engine) == 2


def test_request_view_has_the_spec_fields_and_no_personal_data(client: TestClient) -> None:
    answer = post(client)
    response = client.get(f"/open311/v2/requests/{answer['service_request_id']}.json")
    [request] = response.json()
    assert set(request) == REQUEST_FIELDS
    assert request["status"] == "open" and request["service_name"] == "安全隐患"
    assert request["media_url"] == EXAMPLE["media_url"]
    assert request["requested_datetime"] < request["expected_datetime"]
    assert "smith" not in response.text and "111111111" not in response.text
    assert "smit333" not in response.text


@pytest.mark.parametrize(
    ("fields", "status", "fragment"),
    [
        ({"service_code": ""}, 400, "service_code: missing"),
        ({"service_code": "001"}, 400, "service_code: unknown category '001'"),
        ({"lat": "", "long": "", "address_string": ""}, 400, "location: give lat and long"),
        ({"lat": "abc"}, 400, "lat: 'abc' is not a number"),
        ({"long": ""}, 400, "long: give both lat and long"),
        ({"lat": str(LON), "long": str(LAT)}, 400, "lat/long:"),
        ({"crs": "mars2"}, 400, "mars2"),
        ({"description": "长" * 4001}, 400, "description: 4001 characters; at most 4000"),
    ],
)
def test_bad_requests_answer_in_open311_format(
    client: TestClient, engine: Engine, fields: dict, status: int, fragment: str
) -> None:
    response = client.post("/open311/v2/requests.json", data={**EXAMPLE, **fields})
    assert response.status_code == status, response.text
    [error] = response.json()
    assert error["code"] == status and fragment in error["description"]
    assert incident_count(engine) == 0


def test_json_body_that_is_not_an_object_is_refused(client: TestClient) -> None:
    response = client.post("/open311/v2/requests.json", json=[1, 2])
    assert response.status_code == 400
    assert response.json()[0]["description"].startswith("body:")


def test_unknown_request_is_an_open311_404(client: TestClient) -> None:
    response = client.get("/open311/v2/requests/99999.json")
    assert response.status_code == 404
    assert response.json() == [{"code": 404, "description": "incident: no incident 99999"}]


def test_list_by_ids(client: TestClient) -> None:
    ids = [post(client, description=f"#{i}")["service_request_id"] for i in range(3)]
    listed = client.get(
        "/open311/v2/requests.json", params={"service_request_id": f"{ids[0]},{ids[2]}"}
    ).json()
    assert [r["service_request_id"] for r in listed] == [ids[0], ids[2]]


def test_list_by_service_code(client: TestClient) -> None:
    post(client)
    dispute = post(client, service_code="dispute")
    listed = client.get("/open311/v2/requests.json", params={"service_code": "dispute"}).json()
    assert [r["service_request_id"] for r in listed] == [dispute["service_request_id"]]


def test_list_by_status(client: TestClient) -> None:
    open_one = post(client)
    closed = post(client, service_code="dispute")
    client.post(
        f"/incidents/{closed['service_request_id']}/transitions", json={"status": "rejected"}
    )
    by_status = {
        status: [
            r["service_request_id"]
            for r in client.get("/open311/v2/requests.json", params={"status": status}).json()
        ]
        for status in ("open", "closed")
    }
    assert by_status == {
        "open": [open_one["service_request_id"]],
        "closed": [closed["service_request_id"]],
    }


def test_list_by_period(client: TestClient) -> None:
    post(client)
    params = {"start_date": "2020-01-01T00:00:00Z", "end_date": "2020-02-01T00:00:00Z"}
    assert client.get("/open311/v2/requests.json", params=params).json() == []
    assert len(client.get("/open311/v2/requests.json").json()) == 1


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"status": "pending"}, "status: 'pending' is not open or closed"),
        ({"service_request_id": "a,b"}, "service_request_id: 'a,b' is not"),
        ({"start_date": "yesterday"}, "start_date: 'yesterday' is not an ISO 8601"),
        (
            {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-12-01T00:00:00Z"},
            "at most 90",
        ),
    ],
)
def test_bad_list_filters(client: TestClient, params: dict, fragment: str) -> None:
    response = client.get("/open311/v2/requests.json", params=params)
    assert response.status_code == 400
    assert fragment in response.json()[0]["description"]
