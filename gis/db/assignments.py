"""SQL for dispatch: who is on duty for an area, and a person's current duties.

Reads the roster's current rows (``people`` and ``duties`` with ``valid_to IS NULL``).
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from gis.dispatch.records import OnDuty

_ORDER = "array_position(CAST(:duties AS text[]), d.duty)"  # the duties' order is the caller's
_COLUMNS = "p.person_key, p.name, p.login, d.duty, d.area_code, d.department, d.id AS duty_id"
_CURRENT = (
    f"SELECT {_COLUMNS} FROM duties d JOIN people p "
    "ON p.person_key = d.person_key AND p.valid_to IS NULL WHERE d.valid_to IS NULL "
)


def _rows(conn: Connection, where: str, params: dict[str, object], order: str) -> list[OnDuty]:
    query = text(f"{_CURRENT} AND {where} ORDER BY {order}")
    return [OnDuty(**row._mapping) for row in conn.execute(query, params)]


def on_duty(conn: Connection, *, area_code: str, duties: tuple[str, ...]) -> list[OnDuty]:
    """The current people holding one of ``duties`` on exactly ``area_code``.

    In the order of ``duties``, then by person.
    """
    params: dict[str, object] = {"area": area_code, "duties": list(duties)}
    where = "d.area_code = :area AND d.duty = ANY(CAST(:duties AS text[]))"
    return _rows(conn, where, params, f"{_ORDER}, p.person_key")


def person_by_login(conn: Connection, login: str) -> list[OnDuty]:
    """The current duties of the person whose login this is (any case; [] when none)."""
    where = "lower(p.login) = lower(:login)"
    return _rows(conn, where, {"login": login}, "d.id")


def person_by_key(conn: Connection, person_key: int) -> list[OnDuty]:
    """The current duties of a person ([] when it has none or does not exist)."""
    return _rows(conn, "p.person_key = :key", {"key": person_key}, "d.id")
