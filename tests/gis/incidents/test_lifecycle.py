"""The closed loop 收集—梳理—分流—处理—反馈 as a state machine."""

from __future__ import annotations

import pytest

from gis.errors import Conflict
from gis.incidents.lifecycle import (
    DONE,
    LABELS_ZH,
    LOCATED_OPEN,
    NOT_COUNTED,
    OPEN,
    TRANSITIONS,
    IllegalTransition,
    check_transition,
    open311_status,
)

ALLOWED = [(current, target) for current, targets in TRANSITIONS.items() for target in targets]
ILLEGAL = [
    ("reported", "closed"),  # skips the whole loop
    ("reported", "resolved"),
    ("needs_location", "triaged"),  # must be placed first
    ("triaged", "in_progress"),  # not dispatched yet
    ("in_progress", "closed"),  # closing needs the resolution first
    ("closed", "triaged"),  # a closed incident is reopened, not re-triaged
    ("rejected", "triaged"),
    ("resolved", "in_progress"),
    ("reported", "reported"),
]


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_every_listed_move_is_allowed(current: str, target: str) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_unlisted_move_is_refused(current: str, target: str) -> None:
    with pytest.raises(IllegalTransition):
        check_transition(current, target)


def test_refusal_names_the_move_and_lists_the_allowed_ones() -> None:
    with pytest.raises(IllegalTransition) as caught:
        check_transition("in_progress", "closed")
    detail = caught.value.detail
    assert detail.startswith("status: in_progress → closed")
    assert detail.endswith("from in_progress: resolved, transferred")


def test_unknown_target_is_refused_with_the_known_statuses() -> None:
    with pytest.raises(IllegalTransition, match=r"unknown status 'pending'") as caught:
        check_transition("reported", "pending")
    assert all(status in caught.value.detail for status in LABELS_ZH)


def test_unknown_current_status_allows_nothing() -> None:
    with pytest.raises(IllegalTransition, match="from pending: nothing"):
        check_transition("pending", "triaged")


def test_illegal_transition_is_a_conflict_with_its_own_code() -> None:
    assert issubclass(IllegalTransition, Conflict)
    assert IllegalTransition.code == "IllegalTransition"


def test_every_status_with_transitions_has_a_chinese_label() -> None:
    assert set(TRANSITIONS) <= set(LABELS_ZH)
    assert all(LABELS_ZH[status].strip() for status in TRANSITIONS)


def test_every_target_is_a_known_status() -> None:
    targets = {target for targets in TRANSITIONS.values() for target in targets}
    assert targets <= set(LABELS_ZH)


def test_every_labelled_status_has_a_way_out() -> None:
    assert set(LABELS_ZH) == set(TRANSITIONS)
    assert all(TRANSITIONS[status] for status in LABELS_ZH)


def test_no_status_moves_to_itself() -> None:
    assert all(status not in targets for status, targets in TRANSITIONS.items())


def test_open_done_and_not_counted_partition_the_statuses() -> None:
    assert OPEN.isdisjoint(DONE)
    assert OPEN.isdisjoint(NOT_COUNTED)
    assert DONE.isdisjoint(NOT_COUNTED)
    assert set(LABELS_ZH) == OPEN | DONE | NOT_COUNTED


def test_located_open_is_open_without_needs_location() -> None:
    assert LOCATED_OPEN < OPEN
    assert {"needs_location"} == OPEN - LOCATED_OPEN


@pytest.mark.parametrize("status", sorted(DONE | NOT_COUNTED))
def test_finished_statuses_only_leave_by_reopening(status: str) -> None:
    assert "reopened" in TRANSITIONS[status]
    assert set(TRANSITIONS[status]) <= {"reopened", "closed"}


def test_every_status_is_reachable_from_a_new_report() -> None:
    seen: set[str] = set()
    frontier = ["reported", "needs_location"]
    while frontier:
        status = frontier.pop()
        if status not in seen:
            seen.add(status)
            frontier.extend(TRANSITIONS[status])
    assert seen == set(LABELS_ZH)


@pytest.mark.parametrize("status", sorted(OPEN))
def test_open_statuses_are_open_in_open311(status: str) -> None:
    assert open311_status(status) == "open"


@pytest.mark.parametrize("status", sorted(DONE | NOT_COUNTED))
def test_finished_statuses_are_closed_in_open311(status: str) -> None:
    assert open311_status(status) == "closed"
