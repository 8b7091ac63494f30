"""Issue 14: a plan's notes, submitting it for publishing and sending it back (real PostGIS)."""

from __future__ import annotations

from pathlib import Path

import pytest
from shapely import LineString

from gis.db import identity as identity_sql
from gis.db import plans as plan_sql
from gis.errors import Conflict, Forbidden, InvalidInput, NotFound, OutOfScope
from gis.identity.access import Acting
from gis.identity.records import Actor, AuditRecord
from gis.identity.roles import Grant
from gis.usecases import plan_edits, plan_review, planning
from gis.usecases.runtime import Runtime
from tests.principals import OWNER
from tests.stores import load_hierarchy

COMMUNITY, OTHER = "110108010019", "110108010021"
WEST = "110108010019001"
SECRET = "请复核第01网格与学院路18号的边界"


def acting(role: str, permission: str, scope: str = COMMUNITY) -> Acting:
    return Acting(Actor(f"{role}-{scope}", "test", role=role), permission, (Grant(role, scope),))


DRAFTER = acting("drafter", "plans:write")
PLANNER = acting("planner", "plans:publish")


@pytest.fixture
def store(rt: Runtime, tmp_path: Path) -> Runtime:
    return load_hierarchy(rt, tmp_path)


def draft(store: Runtime) -> int:
    return planning.create_plan(store, acting=OWNER, scope_code=COMMUNITY).id


def status(store: Runtime, plan_id: int) -> str:
    with store.read() as conn:
        return plan_sql.get_plan(conn, plan_id=plan_id).status


def audit_after(store: Runtime, first: int, action: str) -> list[AuditRecord]:
    with store.read() as conn:
        return identity_sql.audit_records(conn, after_id=first, action=action)


def last_audit(store: Runtime) -> int:
    with store.read() as conn:
        return identity_sql.last_audit_id(conn)


def test_issue14_a_note_is_stored_stripped_with_its_author_and_an_aware_time(
    store: Runtime,
) -> None:
    plan_id = draft(store)
    note = plan_review.add_note(store, acting=DRAFTER, plan_id=plan_id, text=f"  {SECRET}\n")
    assert (note.text, note.kind, note.author) == (SECRET, "note", "drafter-110108010019")
    assert note.created_at.utcoffset() is not None
    shown = note.to_json()["created_at"]
    assert shown.endswith("+08:00") and "T" in shown
    assert plan_review.notes(store, plan_id, acting=DRAFTER) == [note]


def test_issue14_the_review_leaves_its_steps_as_notes(store: Runtime) -> None:
    plan_id = draft(store)
    plan_review.add_note(store, acting=DRAFTER, plan_id=plan_id, text="第一稿")
    submitted = plan_review.submit(store, acting=DRAFTER, plan_id=plan_id, note="请审核")
    assert submitted.status == "submitted"
    plan_review.add_note(store, acting=PLANNER, plan_id=plan_id, text="东侧边界不对")
    back = plan_review.send_back(store, acting=PLANNER, plan_id=plan_id, note="请调整东侧边界")
    assert back.status == "draft"
    plan_review.submit(store, acting=DRAFTER, plan_id=plan_id)  # the note is optional
    published = planning.publish(store, acting=PLANNER, plan_id=plan_id)
    assert published.status == "published"
    found = plan_review.notes(store, plan_id, acting=PLANNER)
    assert [(n.kind, n.text, n.author.split("-")[0]) for n in found] == [
        ("note", "第一稿", "drafter"),
        ("submitted", "请审核", "drafter"),
        ("note", "东侧边界不对", "planner"),
        ("returned", "请调整东侧边界", "planner"),
        ("submitted", "", "drafter"),
        ("published", "", "planner"),
    ]
    times = [note.created_at for note in found]
    assert times == sorted(times) and all(t.utcoffset() is not None for t in times)
    with pytest.raises(Conflict, match="is published"):
        plan_review.add_note(store, acting=DRAFTER, plan_id=plan_id, text="太晚了")


def test_issue14_a_submitted_plan_cannot_change(store: Runtime) -> None:
    plan_id = draft(store)
    plan_edits.split(
        store,
        acting=DRAFTER,
        plan_id=plan_id,
        code=WEST,
        line=LineString([(116.33, 40.0), (116.351, 40.0)]),
    )
    plan_review.submit(store, acting=DRAFTER, plan_id=plan_id)
    with store.read() as conn:
        before = plan_sql.plan_areas(conn, plan_id=plan_id)
    message = f"plan {plan_id} is submitted for publishing; send it back to edit"
    for change in (
        lambda: plan_edits.merge(
            store, acting=DRAFTER, plan_id=plan_id, codes=[WEST, "110108010019003"]
        ),
        lambda: plan_edits.step_back(store, acting=DRAFTER, plan_id=plan_id),
        lambda: plan_edits.step_back(store, acting=DRAFTER, plan_id=plan_id, redo=True),
        lambda: planning.renumber(store, acting=DRAFTER, plan_id=plan_id, everything=True),
        lambda: planning.delete_plan(store, acting=DRAFTER, plan_id=plan_id),
        lambda: plan_review.submit(store, acting=DRAFTER, plan_id=plan_id),
    ):
        with pytest.raises(Conflict, match=message):
            change()
    with store.read() as conn:
        after = plan_sql.plan_areas(conn, plan_id=plan_id)
    assert status(store, plan_id) == "submitted"
    assert after.drop(columns="geometry").equals(before.drop(columns="geometry"))
    assert after.geometry.geom_equals(before.geometry).all()
    plan_review.send_back(store, acting=PLANNER, plan_id=plan_id, note="再改改")
    assert plan_edits.step_back(store, acting=DRAFTER, plan_id=plan_id) == "split"  # editable


def test_issue14_submitted_plans_are_listed_by_status(store: Runtime) -> None:
    waiting, other = draft(store), draft(store)
    plan_review.submit(store, acting=DRAFTER, plan_id=waiting)
    found = planning.list_plans(store, acting=PLANNER, status="submitted")
    assert [plan.id for plan in found] == [waiting]
    assert [p.id for p in planning.list_plans(store, acting=OWNER, status="draft")] == [other]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("  \n ", "text: a note needs some text"),
        ("x" * 2001, "text: 2001 characters; at most 2000"),
        (None, "text: a note needs some text"),
    ],
)
def test_issue14_a_note_needs_1_to_2000_characters(
    store: Runtime, text: str | None, message: str
) -> None:
    plan_id = draft(store)
    first = last_audit(store)
    with pytest.raises(InvalidInput, match=message):
        plan_review.add_note(store, acting=DRAFTER, plan_id=plan_id, text=text)
    [refused] = audit_after(store, first, "plans.note")
    assert refused.result == "refused" and "xxx" not in str(refused.detail)
    assert plan_review.notes(store, plan_id, acting=DRAFTER) == []
    kept = plan_review.add_note(store, acting=DRAFTER, plan_id=plan_id, text=" " + "y" * 2000)
    assert len(kept.text) == 2000


def test_issue14_the_audit_log_holds_a_notes_length_never_its_text(store: Runtime) -> None:
    plan_id = draft(store)
    first = last_audit(store)
    plan_review.add_note(store, acting=DRAFTER, plan_id=plan_id, text=SECRET)
    plan_review.submit(store, acting=DRAFTER, plan_id=plan_id, note=SECRET)
    plan_review.send_back(store, acting=PLANNER, plan_id=plan_id, note=SECRET)
    found = audit_after(store, first, "plans.")
    assert [(r.action, r.result, r.object) for r in reversed(found)] == [
        ("plans.note", "ok", f"plan:{plan_id}"),
        ("plans.submit", "ok", f"plan:{plan_id}"),
        ("plans.return", "ok", f"plan:{plan_id}"),
    ]
    assert found[-1].detail["length"] == len(SECRET)
    assert found[0].detail["note_length"] == len(SECRET)
    assert not any(SECRET in str(record.detail) for record in found)
    assert not any("请复核" in str(record.detail) for record in found)


def test_issue14_sending_back_needs_a_note_a_submitted_plan_and_plans_publish(
    store: Runtime,
) -> None:
    plan_id = draft(store)
    with pytest.raises(Conflict, match=f"plan {plan_id} is a draft; only a submitted plan"):
        plan_review.send_back(store, acting=PLANNER, plan_id=plan_id, note="退回")
    plan_review.submit(store, acting=DRAFTER, plan_id=plan_id)
    with pytest.raises(InvalidInput, match="note: a note needs some text"):
        plan_review.send_back(store, acting=PLANNER, plan_id=plan_id, note=" ")
    first = last_audit(store)
    with pytest.raises(Forbidden, match="this needs plans:publish"):
        plan_review.send_back(store, acting=DRAFTER, plan_id=plan_id, note="我自己撤回")
    [refused] = audit_after(store, first, "plans.return")
    assert (refused.result, refused.principal) == ("refused", "drafter-110108010019")
    assert status(store, plan_id) == "submitted"
    assert [n.kind for n in plan_review.notes(store, plan_id, acting=OWNER)] == ["submitted"]


def test_issue14_outside_the_scope_notes_are_not_found_and_writes_forbidden(
    store: Runtime,
) -> None:
    plan_id = draft(store)
    plan_review.add_note(store, acting=DRAFTER, plan_id=plan_id, text="内部备注")
    elsewhere = acting("planner", "plans:read", OTHER)
    with pytest.raises(OutOfScope) as hidden:
        plan_review.notes(store, plan_id, acting=elsewhere)
    with pytest.raises(NotFound) as missing:
        plan_review.notes(store, 999_999, acting=elsewhere)
    assert str(hidden.value) == str(missing.value).replace("999999", str(plan_id))
    writer = acting("planner", "plans:write", OTHER)
    with pytest.raises(Forbidden):
        plan_review.add_note(store, acting=writer, plan_id=plan_id, text="外部备注")
    with pytest.raises(Forbidden):
        plan_review.submit(store, acting=writer, plan_id=plan_id)
    publisher = acting("planner", "plans:publish", OTHER)
    plan_review.submit(store, acting=DRAFTER, plan_id=plan_id)
    with pytest.raises(Forbidden):
        plan_review.send_back(store, acting=publisher, plan_id=plan_id, note="外部退回")
    with pytest.raises(Forbidden):
        planning.publish(store, acting=publisher, plan_id=plan_id)
    assert status(store, plan_id) == "submitted"
    assert [n.text for n in plan_review.notes(store, plan_id, acting=OWNER)] == ["内部备注", ""]


def test_issue14_notes_go_with_their_plan(store: Runtime) -> None:
    plan_id = draft(store)
    plan_review.add_note(store, acting=DRAFTER, plan_id=plan_id, text="作废")
    planning.delete_plan(store, acting=DRAFTER, plan_id=plan_id)
    with store.read() as conn:
        assert plan_sql.plan_notes(conn, plan_id=plan_id) == []
    with pytest.raises(NotFound):
        plan_review.notes(store, plan_id, acting=OWNER)
