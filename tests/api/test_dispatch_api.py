"""Issue 13 over HTTP: a report reaches the grid worker's task list by itself; dispatch by hand
names the roster; listings by assignee and overdue."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from gis.usecases import dispatch
from gis.usecases.runtime import Runtime
from tests.principals import bearer, role_token
from tests.usecases.test_dispatch import person

GRID = "110108010018002"  # the sample grid INSIDE lies in
INSIDE = {"lon": 116.3553, "lat": 40.0073}


def test_issue13_a_report_lands_on_the_grid_workers_task_list(
    sample_client: TestClient, rt: Runtime
) -> None:
    person(rt, 1, "王专职", "wang.ft", ("full_time", GRID))
    worker = bearer(role_token(rt, "grid_worker", GRID, login="wang.ft"))
    made = sample_client.post("/incidents", json={"category": "hazard", **INSIDE}).json()
    assert (made["status"], made["assignee"]) == ("dispatched", "王专职（wang.ft）")
    tasks = sample_client.get("/me/tasks", headers=worker)
    assert tasks.status_code == 200
    [task] = tasks.json()
    assert (task["id"], task["overdue"]) == (made["id"], False) and task["due_at"]
    mine = sample_client.get("/incidents?assignee=wang.ft&overdue=false").json()
    assert [row["id"] for row in mine] == [made["id"]]
    assert sample_client.get("/incidents?assignee=wang.ft&overdue=true").json() == []


def test_issue13_dispatch_by_hand_refuses_free_text(sample_client: TestClient) -> None:
    made = sample_client.post("/incidents", json={"category": "dispute", **INSIDE}).json()
    path = f"/incidents/{made['id']}/transitions"
    assert sample_client.post(path, json={"status": "triaged"}).status_code == 200
    refused = sample_client.post(path, json={"status": "dispatched", "assignee": "不存在的人"})
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("assignee: '不存在的人' is no roster person")
    done = sample_client.post(path, json={"status": "dispatched", "assignee": "police"})
    assert done.status_code == 200 and done.json()["assignee"] == "公安派出所"


def test_issue13_tasks_need_a_roster_person(sample_client: TestClient, rt: Runtime) -> None:
    nobody = bearer(role_token(rt, "viewer", GRID, login="nobody"))
    answer = sample_client.get("/me/tasks", headers=nobody)
    assert answer.status_code == 404 and "on no roster" in answer.json()["detail"]


def test_issue13_stats_per_grid_and_per_person(sample_client: TestClient, rt: Runtime) -> None:
    person(rt, 1, "王专职", "wang.ft", ("full_time", GRID))
    late = {"category": "hazard", **INSIDE, "reported_at": "2026-01-01T08:00"}
    made = [sample_client.post("/incidents", json=body).json() for body in (late, late)]
    path = f"/incidents/{made[0]['id']}/transitions"
    for status in ("in_progress", "resolved"):
        assert sample_client.post(path, json={"status": status}).status_code == 200
    steps = dispatch.supervise(rt, now=datetime.now(UTC))  # as the server's loop runs it
    assert [(s.incident_id, s.level) for s in steps] == [(made[1]["id"], 1), (made[1]["id"], 2)]
    [row] = sample_client.get("/stats/people").json()
    assert (row["login"], row["received"], row["resolved_or_closed"]) == ("wang.ft", 2, 1)
    assert (row["closed_on_time"], row["overdue"], row["escalated"]) == (0, 1, 1)
    grid = next(a for a in sample_client.get("/stats").json()["areas"] if a["code"] == GRID)
    assert (grid["overdue"], grid["escalated"], grid["closed_on_time"]) == (1, 1, 0)


def test_issue13_the_departments_directory(sample_client: TestClient) -> None:
    listed = {d["code"]: d for d in sample_client.get("/departments").json()}
    assert (
        listed["chengguan"]["zh"] == "城管执法"
        and "sanitation" in listed["chengguan"]["categories"]
    )
    assert sample_client.get("/departments", headers={"Authorization": ""}).status_code == 401
