"""A plan's review: notes on it, submitting it for publishing, and sending it back.

A drafter (``plans:write``) edits a draft, writes notes on it and submits it; a submitted plan
can no longer change (its edits, undo and redo are refused) until someone who may publish
(``plans:publish``) publishes it (`gis.usecases.planning.publish`) or sends it back to draft
with a note saying why. Every step leaves a note of its kind (``submitted``, ``returned``,
``published``), so the notes are the plan's review history.

Notes are read with ``plans:read`` (a plan outside the caller's areas is the same 404 as a
missing one) and written with ``plans:write`` on drafts and submitted plans. Each write is
audited; the audit detail holds a note's length, never its text.
"""

from __future__ import annotations

from gis.db import plans as plan_sql
from gis.db.engine import Connection
from gis.errors import Conflict, Forbidden
from gis.identity.access import Acting
from gis.plans import PlanNote, PlanRecord, note_text
from gis.usecases.planning import PUBLISHABLE, readable, writable
from gis.usecases.runtime import Runtime
from gis.usecases.trail import audited

PUBLISH = "plans:publish"
"""The permission to publish a plan and to send a submitted one back."""


def notes(rt: Runtime, plan_id: int, *, acting: Acting) -> list[PlanNote]:
    """The notes of a plan the caller may see, oldest first."""
    with rt.read() as conn:
        readable(conn, plan_id, acting)
        return plan_sql.plan_notes(conn, plan_id=plan_id)


def add_note(rt: Runtime, *, acting: Acting, plan_id: int, text: str | None) -> PlanNote:
    """Write a note on a draft or a submitted plan; the note as stored.

    ``text`` is stripped and must keep 1 to 2000 characters (`InvalidInput` naming ``text``).
    """
    with audited(rt, acting.actor, "plans.note", f"plan:{plan_id}") as trail:
        said = note_text(text, field="text")
        writable(trail.conn, plan_id, acting, PUBLISHABLE)
        trail.detail.update(kind="note", length=len(said))
        return _note(trail.conn, acting, plan_id, "note", said)


def submit(rt: Runtime, *, acting: Acting, plan_id: int, note: str | None = None) -> PlanRecord:
    """Submit a draft for publishing (with an optional ``note``); the plan, now ``submitted``.

    `Conflict` unless the plan is a draft. From now on its areas cannot change until it is
    published or sent back (`send_back`).
    """
    with audited(rt, acting.actor, "plans.submit", f"plan:{plan_id}") as trail:
        said = note_text(note, field="note", required=False)
        plan = writable(trail.conn, plan_id, acting)
        return _step(trail.conn, acting, plan, "submitted", said, trail.detail)


def send_back(rt: Runtime, *, acting: Acting, plan_id: int, note: str | None) -> PlanRecord:
    """Send a submitted plan back to draft, with a ``note`` saying why; the plan, a draft again.

    Needs ``plans:publish`` on the plan's scope (`Forbidden` otherwise); `Conflict` unless the
    plan is submitted.
    """
    with audited(rt, acting.actor, "plans.return", f"plan:{plan_id}") as trail:
        said = note_text(note, field="note")
        plan = writable(trail.conn, plan_id, acting, PUBLISHABLE)
        if not acting.may(PUBLISH, plan.scope_code):
            raise Forbidden(f"plan {plan_id} (scope {plan.scope_code}): this needs {PUBLISH}")
        if plan.status != "submitted":  # a draft (`writable` refused the others)
            raise Conflict(f"plan: plan {plan_id} is a draft; only a submitted plan goes back")
        return _step(trail.conn, acting, plan, "draft", said, trail.detail)


def _step(
    conn: Connection,
    acting: Acting,
    plan: PlanRecord,
    status: str,
    said: str,
    detail: dict[str, object],
) -> PlanRecord:
    """Move a locked plan to ``status`` with its note (``submitted`` or ``returned``)."""
    kind = "submitted" if status == "submitted" else "returned"
    plan_sql.set_status(conn, plan_id=plan.id, status=status)
    _note(conn, acting, plan.id, kind, said)
    detail.update(scope=plan.scope_code, status=status, note_length=len(said))
    return plan_sql.get_plan(conn, plan_id=plan.id)


def _note(conn: Connection, acting: Acting, plan_id: int, kind: str, said: str) -> PlanNote:
    return plan_sql.insert_note(conn, plan_id=plan_id, author=acting.login, kind=kind, text=said)
