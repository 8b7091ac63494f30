"""Who may call what (issue 12): the route × role × scope matrix, built from the route table.

Every route must declare its requirement (`api.access`); the matrix then asks every route as
anonymous and as a user of each role scoped on one community (a grid worker on one grid), and
expects exactly what the role table says: 401 anonymous, 403 without the permission, neither
with it. The scoped tests then look at objects of another community: reads 404, writes 403,
listings and pages only the caller's areas; and the auditor sees it all in ``GET /audit``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from api.access import api_routes, requirement_of
from api.app import create_app
from api.errors import is_page
from gis.db import identity as identity_sql
from gis.identity.roles import ROLES
from gis.identity.settings import AuthSettings
from gis.incidents.report import parse_report
from gis.settings import StoreSettings
from gis.stations.records import parse_station
from gis.usecases import incidents, planning, stations
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample
from tests.conftest import truncate
from tests.principals import OWNER, bearer, role_token

A, B = "110108010019", "110108010021"  # two communities of the 学院路 sample
GRID_A = "110108010019001"
IN_A = (116.34838931209362, 40.00788455)  # in GRID_A
IN_B = (116.34822298920474, 39.99867375)  # in 110108010021001
SCOPES = {role: (GRID_A if role == "grid_worker" else A) for role in ROLES}

PUBLIC = {
    ("GET", "/docs"),
    ("GET", "/healthz"),
    ("GET", "/areas"),
    ("GET", "/areas/{code}"),
    ("GET", "/areas/{code}/history"),
    ("GET", "/areas.{file_format}"),
    ("GET", "/lookup"),
    ("GET", "/static/{path:path}"),
    ("GET", "/favicon.ico"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/auth/token"),
    ("GET", "/open311/v2/services.json"),
    ("GET", "/open311/v2/services/{service_code}.json"),
    ("GET", "/open311/v2/requests.json"),
    ("GET", "/open311/v2/requests/{service_request_id}.json"),
    ("GET", "/stations"),
    ("GET", "/stations/types"),
    ("GET", "/stations/{station_id:int}"),
    ("GET", "/stations/{station_id:int}/circles"),
    ("GET", "/ogc"),
    ("GET", "/ogc/conformance"),
    ("GET", "/ogc/collections"),
    ("GET", "/ogc/collections/{collection_id}"),
    ("GET", "/ogc/collections/{collection_id}/items"),
    ("GET", "/ogc/collections/{collection_id}/items/{feature_id}"),
    ("GET", "/ogc/collections/{collection_id}/tiles"),
    ("GET", "/ogc/collections/{collection_id}/tiles/{tile_matrix_set_id}"),
    (
        "GET",
        "/ogc/collections/{collection_id}/tiles/{tile_matrix_set_id}/{tile_matrix}/{tile_row}/{tile_col}",
    ),
    ("GET", "/ogc/tileMatrixSets"),
    ("GET", "/ogc/tileMatrixSets/{tile_matrix_set_id}"),
}
"""Routes anyone may call; a new public route must be added here on purpose."""

SIGNING = {("POST", "/login"), ("POST", "/logout"), ("POST", "/auth/token")}
"""The only public routes that change anything: signing in and out."""


@dataclass
class World:
    """The sample with an incident, a plan and a station in each of the two communities."""

    client: TestClient
    rt: Runtime
    tokens: dict[str, str]
    incident: dict[str, int]
    plan: dict[str, int]
    station: dict[str, int]
    audit_from: int
    """The newest audit record before the world was made (the log is never emptied)."""


def _report(rt: Runtime, where: tuple[float, float], phone: str) -> int:
    data = {
        "category": "hazard",
        "description": "井盖缺失",
        "lon": where[0],
        "lat": where[1],
        "reporter_name": "张三",
        "reporter_phone": phone,
    }
    found, _ = incidents.report(rt, parse_report(data, rt.catalogue), acting=OWNER)
    return found.incident.id


def _station(rt: Runtime, where: tuple[float, float], name: str) -> int:
    code = next(iter(rt.station_types)).code
    data = {"type": code, "name": name, "lon": where[0], "lat": where[1]}
    saved, _ = stations.save_station(rt, parse_station(data, rt.station_types), acting=OWNER)
    return saved.id


def make_world(rt: Runtime, store_settings: StoreSettings) -> Iterator[World]:
    """Load the sample, the objects, one user per role; a client on the app."""
    with rt.read() as conn:
        audit_from = identity_sql.last_audit_id(conn)
    load_sample(rt)
    tokens = {
        role: role_token(rt, role, SCOPES[role] if ROLES[role].scoped else None) for role in ROLES
    }
    world = World(
        client=TestClient(create_app(store_settings)),
        rt=rt,
        tokens=tokens,
        incident={"A": _report(rt, IN_A, "13912345678"), "B": _report(rt, IN_B, "13987654321")},
        plan={
            name: planning.create_plan(rt, acting=OWNER, scope_code=code).id
            for name, code in (("A", A), ("B", B))
        },
        station={"A": _station(rt, IN_A, "驿站甲"), "B": _station(rt, IN_B, "驿站乙")},
        audit_from=audit_from,
    )
    with world.client:
        yield world


@pytest.fixture(scope="module")
def world(engine: Engine, store_settings: StoreSettings) -> Iterator[World]:
    truncate(engine)
    rt = Runtime.start(store_settings)
    try:
        yield from make_world(rt, store_settings)
    finally:
        rt.close()


def _path(template: str, world: World, where: str = "A") -> str:
    values = {
        "{incident_id}": world.incident[where],
        "{service_request_id}": world.incident[where],
        "{plan_id}": world.plan[where],
        "{plan_id:int}.{file_format}": f"{world.plan[where]}.gpkg",
        "{file_format}": "csv",  # areas, incidents and statistics as files
        "{station_id:int}": world.station[where],
        "{code}": GRID_A,
        "{service_code}": "hazard",
        "{station_type}": next(iter(world.rt.station_types)).code,
        "{path:path}": "none.js",
        "{collection_id}": "grids",  # OGC API Features: a public collection
        "{feature_id}": GRID_A,
        "{duty_id}": 999_999,  # no such duty: a writer gets 404, the others 401/403
    }
    for name, value in values.items():
        template = template.replace(name, str(value))
    return template


def test_issue12_every_route_declares_who_may_call_it() -> None:
    app = create_app()
    declared = {}
    for method, route in api_routes(app):
        requirement = requirement_of(route)
        assert requirement is not None, f"{method} {route.path} declares no requirement"
        declared[(method, route.path)] = requirement
    public = {key for key, requirement in declared.items() if requirement.public}
    assert public == PUBLIC
    assert {key for key in public if key[0] != "GET"} == SIGNING
    # the issue's defaults
    assert declared[("POST", "/lookup")].permissions == ("lookup:batch",)
    assert declared[("GET", "/audit")].permissions == ("audit:read",)
    assert declared[("POST", "/open311/v2/requests.json")].api_key
    # issue 14: drafting and publishing are separate permissions
    for method, path, permission in (
        ("GET", "/plans/{plan_id}/notes", "plans:read"),
        ("POST", "/plans/{plan_id}/notes", "plans:write"),
        ("POST", "/plans/{plan_id}/submit", "plans:write"),
        ("POST", "/plans/{plan_id}/return", "plans:publish"),
        ("POST", "/plans/{plan_id}/publish", "plans:publish"),
    ):
        assert declared[(method, path)].permissions == (permission,), (method, path)


def test_issue14_a_drafter_drafts_and_only_a_planner_publishes() -> None:
    drafting = {"plans:read", "plans:write", "lookup:batch", "maps:read", "stats:read"}
    assert ROLES["drafter"].permissions == drafting | {"roster:read"}
    assert ROLES["drafter"].scoped and ROLES["drafter"].zh == "网格方案编制员"
    assert ROLES["planner"].permissions - ROLES["drafter"].permissions == {
        "plans:publish",
        "boundaries:write",
    }
    assert {name for name, role in ROLES.items() if "plans:publish" in role.permissions} == {
        "planner"
    }


def _expected(role: str | None, method: str, route: APIRoute) -> str:
    requirement = requirement_of(route)
    assert requirement is not None
    if requirement.public:
        return "allowed"
    if role is None:
        return "login" if is_page(route.path) else "401"  # the pages' data answer 401
    held = ROLES[role].permissions
    if requirement.permissions and not set(requirement.permissions) & held:
        return "403"
    return "allowed"


def _outcome(status: int, location: str | None) -> str:
    if status == 303 and (location or "").startswith("/login"):
        return "login"
    if status in (401, 403):
        return str(status)
    return "allowed"


def test_issue12_route_role_matrix(world: World) -> None:
    """Every route as anonymous and as each role: 401 / 403 / allowed exactly as declared."""
    wrong = []
    for role in (None, *ROLES):
        headers = bearer(world.tokens[role]) if role else {"Accept": "text/html"}
        for method, route in api_routes(world.client.app):
            if (method, route.path) in SIGNING:
                continue
            answer = world.client.request(
                method, _path(route.path, world), headers=headers, follow_redirects=False
            )
            got = _outcome(answer.status_code, answer.headers.get("location"))
            expected = _expected(role, method, route)
            if got != expected:
                wrong.append(f"{role} {method} {route.path}: {answer.status_code}, not {expected}")
    assert not wrong, "\n".join(wrong)


def _as(world: World, role: str) -> dict[str, str]:
    return bearer(world.tokens[role])


def test_issue12_a_grid_worker_sees_only_its_grid(world: World) -> None:
    client, worker = world.client, _as(world, "grid_worker")
    listed = client.get("/incidents", headers=worker).json()
    assert listed and {row["grid_code"] for row in listed} == {GRID_A}
    assert client.get(f"/incidents/{world.incident['A']}", headers=worker).status_code == 200
    other = client.get(f"/incidents/{world.incident['B']}", headers=worker)
    missing = client.get("/incidents/999999", headers=worker)
    # out of scope looks exactly like not there: nothing tells that it exists
    assert other.status_code == missing.status_code == 404
    assert other.json()["code"] == missing.json()["code"] == "NotFound"
    moved = client.post(
        f"/incidents/{world.incident['B']}/transitions",
        json={"status": "triaged"},
        headers=worker,
    )
    assert moved.status_code == 403 and moved.json()["code"] == "Forbidden"


def test_issue12_a_planner_cannot_open_or_publish_another_communitys_plan(
    world: World,
) -> None:
    client, planner = world.client, _as(world, "planner")
    plan_b = world.plan["B"]
    for path in (f"/plans/{plan_b}", f"/plans/{plan_b}/check", f"/plans/{plan_b}/diff"):
        assert client.get(path, headers=planner).status_code == 404, path
    assert client.get(f"/maps/plans/{plan_b}.html", headers=planner).status_code == 404
    published = client.post(f"/plans/{plan_b}/publish", json={}, headers=planner)
    assert published.status_code == 403
    made = client.post(f"/plans?scope={B}", headers=planner)
    assert made.status_code == 403
    planning.create_plan(world.rt, acting=OWNER, scope_code=A)  # the matrix may have deleted A's
    assert {p["scope_code"] for p in client.get("/plans", headers=planner).json()} == {A}
    [plan] = planning.list_plans(world.rt, acting=OWNER, scope=B)
    assert plan.status == "draft"  # nothing was published on B


def test_issue12_station_writes_outside_the_scope_are_forbidden(world: World) -> None:
    client, dispatcher = world.client, _as(world, "dispatcher")
    station_b = world.station["B"]
    assert client.delete(f"/stations/{station_b}", headers=dispatcher).status_code == 403
    body = {"type": next(iter(world.rt.station_types)).code, "name": "新驿站"}
    moved_in = client.post(
        "/stations", json={**body, "lon": IN_B[0], "lat": IN_B[1]}, headers=dispatcher
    )
    assert moved_in.status_code == 403
    assert client.get(f"/stations/{station_b}").status_code == 200  # still there
    made = client.post(
        "/stations", json={**body, "lon": IN_A[0], "lat": IN_A[1]}, headers=dispatcher
    )
    assert made.status_code == 201


def test_issue12_contacts_are_revealed_only_with_pii_read_and_audited(world: World) -> None:
    client, incident = world.client, world.incident["A"]
    path = f"/incidents/{incident}"
    masked = client.get(path, headers=_as(world, "dispatcher")).json()
    assert "13912345678" not in str(masked)
    shown = client.get(f"{path}?reveal=contact", headers=_as(world, "dispatcher")).json()
    assert shown["reporter_phone"] == "13912345678" and shown["reporter_name"] == "张三"
    refused = client.get(f"{path}?reveal=contact", headers=_as(world, "grid_worker"))
    assert refused.status_code == 403 and "13912345678" not in refused.text
    log = client.get(
        f"/audit?object=incident:{incident}&action=incidents.reveal_contact",
        headers=_as(world, "auditor"),
    ).json()
    assert [(r["principal"], r["result"]) for r in log if r["id"] > world.audit_from] == [
        ("grid_worker-110108010019001", "refused"),
        ("dispatcher-110108010019", "ok"),
    ]


def test_issue12_the_event_actor_is_the_principal_not_the_body(world: World) -> None:
    client, dispatcher = world.client, _as(world, "dispatcher")
    incident = _report(world.rt, IN_A, "13800000000")
    answer = client.post(
        f"/incidents/{incident}/transitions",
        json={"status": "triaged", "actor": "区委书记"},
        headers=dispatcher,
    )
    assert answer.status_code == 200
    assert answer.json()["events"][-1]["actor"] == "dispatcher-110108010019"


def test_issue12_statistics_and_maps_show_only_the_scope(world: World) -> None:
    client, viewer = world.client, _as(world, "viewer")
    rows = client.get("/stats?level=grid", headers=viewer).json()["areas"]
    assert rows and all(row["code"].startswith(A) for row in rows)
    page = client.get("/maps/grids.html", headers=viewer)
    assert page.status_code == 200
    assert GRID_A in page.text and f"{B}001" not in page.text
    assert client.get(f"/maps/grids.html?scope={B}", headers=viewer).status_code == 404


def test_issue12_the_auditor_sees_writes_and_refusals(world: World) -> None:
    client = world.client
    planner = _as(world, "planner")
    client.post(f"/plans/{world.plan['B']}/publish", json={}, headers=planner)  # refused
    fresh = planning.create_plan(world.rt, acting=OWNER, scope_code=A).id
    renumbered = client.post(f"/plans/{fresh}/renumber", json={}, headers=planner)
    assert renumbered.status_code == 200
    client.get("/incidents")  # anonymous: refused
    log = client.get("/audit?principal=planner-110108010019", headers=_as(world, "auditor"))
    assert log.status_code == 200
    seen = {(r["action"], r["object"], r["result"]) for r in log.json()}
    assert ("plans.publish", f"plan:{world.plan['B']}", "refused") in seen
    assert ("plans.renumber", f"plan:{fresh}", "ok") in seen
    anonymous = client.get(
        "/audit?principal=anonymous&result=refused", headers=_as(world, "auditor")
    )
    assert any(r["action"] == "GET /incidents" for r in anonymous.json())
    # administration and audit are separated: the admin cannot read the log
    assert client.get("/audit", headers=_as(world, "admin")).status_code == 403


def test_issue12_settings_close_the_public_reads_and_open_the_grid_map(
    world: World, store_settings: StoreSettings
) -> None:
    closed = AuthSettings(public_reads=False, public_grid_map=True)
    with TestClient(create_app(store_settings, auth_settings=closed)) as client:
        for path in ("/areas?level=grid", "/lookup?lon=116.3484&lat=40.0079", "/stations"):
            assert client.get(path).status_code == 401, path
            assert client.get(path, headers=_as(world, "viewer")).status_code == 200, path
        assert client.get("/healthz").status_code == 200  # health never closes
        page = client.get("/maps/grids.html")  # opened: every area, to anyone
        assert page.status_code == 200 and f"{B}001" in page.text
        assert client.get("/maps/hazards.html").status_code == 401  # the others stay closed
