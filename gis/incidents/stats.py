"""Incident statistics per area: the record of one area, and how incidents are attributed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gis.errors import InvalidInput
from gis.incidents.lifecycle import OPEN

Attribution = Literal["recorded", "current"]
ATTRIBUTIONS: tuple[Attribution, ...] = ("recorded", "current")


def parse_attribution(value: str, field: str = "by") -> Attribution:
    """``recorded`` (the grid at intake) or ``current`` (today's boundaries), else `InvalidInput`.

    Examples
    --------
    >>> parse_attribution("current")
    'current'
    >>> parse_attribution("latest")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: by: 'latest' is not recorded or current
    """
    for attribution in ATTRIBUTIONS:
        if value == attribution:
            return attribution
    raise InvalidInput(f"{field}: {value!r} is not recorded or current")


@dataclass(frozen=True)
class PersonStats:
    """One roster person's incidents (those assigned to the person now) in a period."""

    person_key: int
    name: str | None
    login: str | None
    received: int
    resolved_or_closed: int
    closed_on_time: int
    overdue: int
    escalated: int
    with_feedback: int
    satisfaction_rate: float | None


@dataclass(frozen=True)
class AreaStats:
    """One area's incidents in a period (``code`` None: incidents in no area).

    Rates are None when undefined: ``closure_rate`` is (resolved + closed) / (all − rejected −
    duplicate − transferred), ``satisfaction_rate`` satisfied / with feedback;
    ``median_hours_to_close`` is reported → closed (else resolved).
    """

    code: str | None
    name: str | None
    total: int
    by_category: dict[str, int]
    by_status: dict[str, int]
    resolved_or_closed: int
    closure_rate: float | None
    median_hours_to_close: float | None
    overdue: int
    with_feedback: int
    satisfaction_rate: float | None
    escalated: int = 0
    closed_on_time: int = 0

    @property
    def open(self) -> int:
        """How many are still open."""
        return sum(n for status, n in self.by_status.items() if status in OPEN)
