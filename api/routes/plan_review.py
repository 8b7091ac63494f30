"""A plan's review over HTTP: its notes, submitting it for publishing, sending it back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.access import requires
from api.deps import Id, Rt
from api.schemas import PlanView, answer
from gis.identity.access import Acting
from gis.plans import NOTE_KINDS, NOTE_LIMIT
from gis.usecases import plan_review

router = APIRouter(tags=["plans"])

_READ_AT_MOST = 4 * NOTE_LIMIT
"""What a body's note may hold before it is stripped (the note itself is checked after)."""
_SAID = f"1 to {NOTE_LIMIT} characters once stripped"


class NoteIn(BaseModel):
    """A note on a plan."""

    text: str = Field(max_length=_READ_AT_MOST, description=_SAID)


class SubmitIn(BaseModel):
    """Submitting a draft: an optional note for whoever publishes it."""

    note: str | None = Field(default=None, max_length=_READ_AT_MOST, description=_SAID)


class ReturnIn(BaseModel):
    """Sending a submitted plan back to draft: a note saying why is required."""

    note: str = Field(max_length=_READ_AT_MOST, description=_SAID)


class NoteView(BaseModel):
    """A plan note: who wrote it, when (ISO 8601 with offset), at which step of the review."""

    id: int
    plan_id: int
    author: str
    created_at: str
    text: str
    kind: str = Field(description=" | ".join(NOTE_KINDS))


@router.get("/plans/{plan_id}/notes", responses=answer(list[NoteView], "the notes, oldest first"))
def list_notes(rt: Rt, acting: Annotated[Acting, requires("plans:read")], plan_id: Id) -> Any:
    """The plan's notes and review steps, oldest first; outside the caller's areas, 404."""
    return [note.to_json() for note in plan_review.notes(rt, plan_id, acting=acting)]


@router.post("/plans/{plan_id}/notes", status_code=201, responses=answer(NoteView, "the note", 201))
def add_note(
    rt: Rt, acting: Annotated[Acting, requires("plans:write")], plan_id: Id, body: NoteIn
) -> Any:
    """Write a note on a draft or a submitted plan (409 on a published one)."""
    note = plan_review.add_note(rt, acting=acting, plan_id=plan_id, text=body.text)
    return JSONResponse(note.to_json(), status_code=201)


@router.post("/plans/{plan_id}/submit", responses=answer(PlanView, "the plan, submitted"))
def submit_plan(
    rt: Rt,
    acting: Annotated[Acting, requires("plans:write")],
    plan_id: Id,
    body: SubmitIn | None = None,
) -> Any:
    """Submit a draft for publishing; its edits are refused (409) until it is sent back."""
    note = (body or SubmitIn()).note
    return plan_review.submit(rt, acting=acting, plan_id=plan_id, note=note).to_json()


@router.post("/plans/{plan_id}/return", responses=answer(PlanView, "the plan, a draft again"))
def return_plan(
    rt: Rt, acting: Annotated[Acting, requires("plans:publish")], plan_id: Id, body: ReturnIn
) -> Any:
    """Send a submitted plan back to draft with a note saying why (409 unless submitted)."""
    return plan_review.send_back(rt, acting=acting, plan_id=plan_id, note=body.note).to_json()
