"""The closed loop 收集—梳理—分流—处理—反馈 as a state machine.

reported (收集) → triaged (梳理) → dispatched (分流) → in_progress (处理) → resolved → closed
(反馈, with the resident's feedback); side exits: rejected, duplicate, transferred; a resolved or
closed incident can be reopened. ``needs_location`` holds reports whose place is not known yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gis.errors import Conflict, InvalidInput
from gis.limits import NOTE_CHARS
from gis.values import parse_text

LABELS_ZH = {
    "needs_location": "待定位",
    "reported": "已收集",
    "triaged": "已梳理",
    "dispatched": "已分流",
    "in_progress": "处理中",
    "resolved": "已处理",
    "closed": "已反馈办结",
    "rejected": "不予受理",
    "duplicate": "重复",
    "transferred": "已转办",
    "reopened": "重新打开",
}
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "needs_location": ("reported", "rejected", "duplicate"),
    "reported": ("triaged", "rejected", "duplicate", "transferred"),
    "triaged": ("dispatched", "rejected", "duplicate", "transferred"),
    "dispatched": ("in_progress", "transferred", "triaged"),
    "in_progress": ("resolved", "transferred"),
    "resolved": ("closed", "reopened"),
    "closed": ("reopened",),
    "reopened": ("triaged", "dispatched", "in_progress"),
    "rejected": ("reopened",),
    "duplicate": ("reopened",),
    "transferred": ("reopened",),
}
OPEN = frozenset({"needs_location", "reported", "triaged", "dispatched", "in_progress", "reopened"})
DONE = frozenset({"resolved", "closed"})
NOT_COUNTED = frozenset({"rejected", "duplicate", "transferred"})  # left out of closure rates
LOCATED_OPEN = OPEN - {"needs_location"}  # open and placed: candidates for duplicates


def sql_list(statuses: frozenset[str]) -> str:
    """A SQL ``IN`` list of statuses (fixed names, never user input).

    Examples
    --------
    >>> sql_list(DONE)
    "('closed', 'resolved')"
    """
    return "(" + ", ".join(f"'{s}'" for s in sorted(statuses)) + ")"


def parse_statuses(text: str | None, field: str = "status") -> list[str] | None:
    """Comma-separated statuses (None when none are given); an unknown one is refused.

    Examples
    --------
    >>> parse_statuses("reported, triaged"), parse_statuses("")
    (['reported', 'triaged'], None)
    >>> parse_statuses("bogus")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: status: unknown bogus; known: needs_location, reported, ...
    """
    statuses = [part.strip() for part in (text or "").split(",") if part.strip()]
    unknown = [s for s in statuses if s not in LABELS_ZH]
    if unknown:
        raise InvalidInput(f"{field}: unknown {', '.join(unknown)}; known: {', '.join(LABELS_ZH)}")
    return statuses or None


class IllegalTransition(Conflict):
    """A status change the closed loop does not allow."""


def check_transition(current: str, target: str) -> None:
    """Raise `IllegalTransition` (listing the allowed moves) unless current → target is allowed.

    Examples
    --------
    >>> check_transition("reported", "triaged")
    >>> check_transition("reported", "closed")
    Traceback (most recent call last):
    ...
    gis.incidents.lifecycle.IllegalTransition: status: reported → closed is not allowed; \
from reported: triaged, rejected, duplicate, transferred
    """
    if target not in LABELS_ZH:
        raise IllegalTransition(f"status: unknown status {target!r}; known: {', '.join(LABELS_ZH)}")
    allowed = TRANSITIONS.get(current, ())
    if target not in allowed:
        raise IllegalTransition(
            f"status: {current} → {target} is not allowed; "
            f"from {current}: {', '.join(allowed) or 'nothing'}"
        )


def open311_status(status: str) -> str:
    """Open311 knows only open and closed."""
    return "open" if status in OPEN else "closed"


@dataclass(frozen=True)
class Transition:
    """A requested status change, with what some steps need (assignee, resident feedback)."""

    status: str
    actor: str = "system"
    note: str = ""
    assignee: str | None = None
    satisfied: bool | None = None
    score: int | None = None


def transition_values(change: Transition, now: datetime) -> dict[str, Any]:
    """The columns a status change sets: dispatch needs an assignee, closing needs feedback.

    Examples
    --------
    >>> from datetime import UTC
    >>> now = datetime(2026, 1, 1, tzinfo=UTC)
    >>> transition_values(Transition("closed", score=5), now)["feedback_satisfied"]
    True
    >>> transition_values(Transition("dispatched"), now)
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: assignee: dispatching needs a grid worker or department
    """
    parse_text(change.actor, "actor", 100)
    parse_text(change.note, "note", NOTE_CHARS)
    parse_text(change.assignee, "assignee")
    values: dict[str, Any] = {"status": change.status}
    if change.status == "dispatched" and not change.assignee:
        raise InvalidInput("assignee: dispatching needs a grid worker or department")
    if change.assignee:
        values["assignee"] = change.assignee
    if change.status == "resolved":
        values["resolved_at"] = now
    if change.status == "closed":
        values.update(_feedback(change), closed_at=now)
    if change.status == "reopened":  # the feedback was on a closure that no longer stands
        values.update(
            resolved_at=None, closed_at=None, feedback_satisfied=None, feedback_score=None
        )
    return values


def _feedback(change: Transition) -> dict[str, Any]:
    if change.satisfied is None and change.score is None:
        raise InvalidInput(
            "feedback: closing needs the resident's feedback (satisfied yes/no or a score 1–5)"
        )
    if change.score is not None and not 1 <= change.score <= 5:
        raise InvalidInput(f"feedback.score: {change.score} is not 1–5")
    satisfied = change.satisfied if change.satisfied is not None else (change.score or 0) >= 4
    return {"feedback_satisfied": satisfied, "feedback_score": change.score}
