"""Issue 14: plan notes, submit for publishing, send back, and who may publish, over HTTP."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from gis.db import identity as identity_sql
from gis.usecases.runtime import Runtime
from tests.principals import bearer, role_token

COMMUNITY, OTHER = "110108010019", "110108010021"
WEST, EAST = "110108010019001", "110108010019002"
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$")


def draft(client: TestClient) -> int:
    made = client.post(f"/plans?scope={COMMUNITY}")
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def as_role(rt: Runtime, role: str, scope: str = COMMUNITY) -> dict[str, str]:
    return bearer(role_token(rt, role, scope))


def kinds(client: TestClient, plan: int) -> list[str]:
    return [note["kind"] for note in client.get(f"/plans/{plan}/notes").json()]


def audit(rt: Runtime, **filters: Any) -> list[Any]:
    with rt.read() as conn:
        return identity_sql.audit_records(conn, **filters)


def test_issue14_notes_are_written_and_listed_oldest_first(client: TestClient) -> None:
    plan = draft(client)
    assert client.get(f"/plans/{plan}/notes").json() == []
    first = client.post(f"/plans/{plan}/notes", json={"text": "  西侧网格户数偏多  "})
    assert first.status_code == 201, first.text
    note = first.json()
    assert (note["text"], note["kind"], note["plan_id"]) == ("西侧网格户数偏多", "note", plan)
    assert note["author"] == "operator" and ISO_WITH_OFFSET.match(note["created_at"])
    client.post(f"/plans/{plan}/notes", json={"text": "已与社区核对"})
    listed = client.get(f"/plans/{plan}/notes").json()
    assert [n["text"] for n in listed] == ["西侧网格户数偏多", "已与社区核对"]
    assert listed[0] == note


def test_issue14_a_submitted_plan_refuses_edits_until_it_is_sent_back(
    client: TestClient,
) -> None:
    plan = draft(client)
    submitted = client.post(f"/plans/{plan}/submit", json={"note": "请审核"})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    assert [p["id"] for p in client.get("/plans?status=submitted").json()] == [plan]
    before = client.get(f"/plans/{plan}").json()["areas"]
    for body in ({"op": "merge", "grids": [WEST, EAST]}, {"op": "undo"}, {"op": "redo"}):
        refused = client.post(f"/plans/{plan}/operations", json=body)
        assert refused.status_code == 409, refused.text
        assert refused.json()["detail"] == (
            f"plan: plan {plan} is submitted for publishing; send it back to edit"
        )
    assert client.get(f"/plans/{plan}").json()["areas"] == before
    assert client.post(f"/plans/{plan}/submit").status_code == 409  # submitted already
    noted = client.post(f"/plans/{plan}/notes", json={"text": "东侧要再看看"})
    assert noted.status_code == 201  # notes are still welcome
    back = client.post(f"/plans/{plan}/return", json={"note": "请合并两个网格"})
    assert back.status_code == 200 and back.json()["status"] == "draft"
    merged = client.post(f"/plans/{plan}/operations", json={"op": "merge", "grids": [WEST, EAST]})
    assert merged.status_code == 200, merged.text
    assert kinds(client, plan) == ["submitted", "note", "returned"]


def test_issue14_a_drafter_submits_and_cannot_publish(client: TestClient, rt: Runtime) -> None:
    drafter = as_role(rt, "drafter")
    plan = draft(client)
    assert client.post(f"/plans/{plan}/notes", json={"text": "初稿"}, headers=drafter).is_success
    submitted = client.post(f"/plans/{plan}/submit", json={}, headers=drafter)
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    with rt.read() as conn:
        first = identity_sql.last_audit_id(conn)
    for path, body in (("publish", {}), ("return", {"note": "我撤回"})):
        refused = client.post(f"/plans/{plan}/{path}", json=body, headers=drafter)
        assert refused.status_code == 403, refused.text
        assert refused.json() == {
            "detail": "permission: this needs plans:publish",
            "code": "Forbidden",
        }
    found = audit(rt, after_id=first, principal="drafter-110108010019", result="refused")
    assert {(r.action, r.object) for r in found} == {
        ("POST /plans/{plan_id}/publish", f"plan_id:{plan}"),
        ("POST /plans/{plan_id}/return", f"plan_id:{plan}"),
    }
    assert client.get(f"/plans/{plan}", headers=drafter).json()["status"] == "submitted"


def test_issue14_a_planner_publishes_a_submitted_plan(client: TestClient, rt: Runtime) -> None:
    drafter, planner = as_role(rt, "drafter"), as_role(rt, "planner")
    plan = draft(client)
    client.post(f"/plans/{plan}/submit", headers=drafter)
    published = client.post(f"/plans/{plan}/publish", json={}, headers=planner)
    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    notes = client.get(f"/plans/{plan}/notes", headers=drafter).json()
    assert [(n["kind"], n["author"]) for n in notes] == [
        ("submitted", "drafter-110108010019"),
        ("published", "planner-110108010019"),
    ]
    late = client.post(f"/plans/{plan}/notes", json={"text": "补充"}, headers=drafter)
    assert late.status_code == 409 and "is published" in late.json()["detail"]
    again = client.post(f"/plans/{plan}/return", json={"note": "退回"}, headers=planner)
    assert again.status_code == 409


def test_issue14_sending_back_needs_a_note(client: TestClient) -> None:
    plan = draft(client)
    not_yet = client.post(f"/plans/{plan}/return", json={"note": "退回"})
    assert not_yet.status_code == 409 and "only a submitted plan" in not_yet.json()["detail"]
    client.post(f"/plans/{plan}/submit")
    missing = client.post(f"/plans/{plan}/return", json={})
    assert missing.status_code == 422 and "note" in missing.json()["detail"]
    blank = client.post(f"/plans/{plan}/return", json={"note": "   "})
    assert blank.status_code == 400 and blank.json()["detail"].startswith("note: ")
    assert client.get(f"/plans/{plan}").json()["status"] == "submitted"


def test_issue14_a_note_too_long_is_refused_naming_text(client: TestClient) -> None:
    plan = draft(client)
    long = client.post(f"/plans/{plan}/notes", json={"text": "长" * 2001})
    assert long.status_code == 400
    assert long.json() == {"detail": "text: 2001 characters; at most 2000", "code": "InvalidInput"}
    huge = client.post(f"/plans/{plan}/notes", json={"text": "x" * 9000})
    assert huge.status_code == 422 and huge.json()["detail"].startswith("body.text:")
    empty = client.post(f"/plans/{plan}/notes", json={"text": " \n"})
    assert empty.status_code == 400 and empty.json()["detail"].startswith("text: ")
    padded = client.post(f"/plans/{plan}/notes", json={"text": "\n" + "字" * 2000 + " "})
    assert padded.status_code == 201 and len(padded.json()["text"]) == 2000
    too_long_submit = client.post(f"/plans/{plan}/submit", json={"note": "x" * 2001})
    assert too_long_submit.status_code == 400
    assert too_long_submit.json()["detail"].startswith("note: 2001 characters")
    assert kinds(client, plan) == ["note"]


def test_issue14_another_communitys_planner_sees_no_notes_and_cannot_submit(
    client: TestClient, rt: Runtime
) -> None:
    plan = draft(client)
    client.post(f"/plans/{plan}/notes", json={"text": "内部讨论"})
    outsider = as_role(rt, "planner", OTHER)
    hidden = client.get(f"/plans/{plan}/notes", headers=outsider)
    missing = client.get("/plans/999999/notes", headers=outsider)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["code"] == missing.json()["code"] == "NotFound"
    assert "内部讨论" not in hidden.text
    for path, body in (("submit", {}), ("notes", {"text": "外部"})):
        refused = client.post(f"/plans/{plan}/{path}", json=body, headers=outsider)
        assert refused.status_code == 403, (path, refused.text)
    client.post(f"/plans/{plan}/submit")
    for path, body in (("return", {"note": "外部退回"}), ("publish", {})):
        refused = client.post(f"/plans/{plan}/{path}", json=body, headers=outsider)
        assert refused.status_code == 403, (path, refused.text)
    assert client.get(f"/plans/{plan}").json()["status"] == "submitted"
    assert kinds(client, plan) == ["note", "submitted"]
