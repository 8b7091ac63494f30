"""Who is on duty: a roster person in one of its current posts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OnDuty:
    """A current duty of a roster person: who (``person_key``, name, login) and where."""

    person_key: int
    name: str
    login: str | None
    duty: str
    area_code: str
    department: str | None
    duty_id: int
