"""Roles, their permissions, and area scopes: the one table every route's permission is read from.

A principal holds grants: a role, on a scope (an area code; a grant with no scope covers every
area). A scope covers its own area and everything below it, because codes nest: a community's
12-digit code is the prefix of its grids' 15-digit codes (GB/T 2260 + 9 digits).

Administration and audit are separated (GB/T 22239-2019 level 3): ``admin`` manages users and
tokens but reads neither incidents nor the audit log; ``auditor`` reads the audit log only.
"""

from __future__ import annotations

from dataclasses import dataclass

from gis.errors import InvalidInput


@dataclass(frozen=True)
class Role:
    """A role: what it may do, and whether its grants need a scope."""

    name: str
    zh: str
    permissions: frozenset[str]
    scoped: bool = True


PERMISSIONS = {
    "users:manage": "add, disable and reset users; create and revoke tokens",
    "audit:read": "read the audit log",
    "plans:read": "see plans and their checks and diffs",
    "plans:write": "create, edit and check plans, write notes on them, submit them",
    "plans:publish": "publish a plan, send a submitted one back",
    "boundaries:write": "load boundaries",
    "incidents:read": "list and open incidents",
    "incidents:report": "report incidents",
    "incidents:handle": "move incidents along their lifecycle (dispatch, handle, resolve, close)",
    "incidents:assigned": "see and handle only the incidents assigned to one",
    "pii:read": "reveal a reporter's name and phone on one incident (audited)",
    "stations:write": "add, change and delete stations",
    "stats:read": "statistics",
    "maps:read": "the map pages",
    "lookup:batch": "batch lookups and uploaded checks (they cost CPU)",
    "roster:read": "see the roster: who answers for which area (phones masked)",
    "roster:write": "import and change the roster",
}
"""Every permission, with what it allows."""

_VIEW = frozenset({"maps:read", "stats:read"})
_ROSTER = frozenset({"roster:read"})
_DRAFTING = frozenset({"plans:read", "plans:write", "lookup:batch"})
ROLES: dict[str, Role] = {
    role.name: role
    for role in (
        Role("admin", "系统管理员", frozenset({"users:manage"}), scoped=False),
        Role("auditor", "安全审计员", frozenset({"audit:read"}), scoped=False),
        Role(
            "planner",
            "网格规划员",
            _VIEW | _ROSTER | _DRAFTING | {"plans:publish", "boundaries:write"},
        ),
        Role("drafter", "网格方案编制员", _VIEW | _ROSTER | _DRAFTING),
        Role(
            "dispatcher",
            "街道/社区调度员",
            _VIEW
            | {"incidents:read", "incidents:report", "incidents:handle", "pii:read"}
            | {"stations:write", "roster:read", "roster:write"},
        ),
        Role(
            "handler",
            "职能部门",
            _VIEW | _ROSTER | {"incidents:assigned", "incidents:handle", "pii:read"},
        ),
        Role(
            "grid_worker",
            "网格员",
            _VIEW | _ROSTER | {"incidents:read", "incidents:report", "incidents:handle"},
        ),
        Role("viewer", "查看者", _VIEW | _ROSTER),
        Role("client", "接入系统", frozenset({"incidents:report", "lookup:batch"})),
    )
}
"""The roles: administration, audit, and the people and systems of the grid."""


def parse_role(name: str, field: str = "role") -> Role:
    """A role by name; an unknown one is refused naming the valid ones.

    Examples
    --------
    >>> parse_role("planner").scoped
    True
    >>> parse_role("mayor")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: role: unknown role 'mayor'; one of admin, auditor, planner, ...
    """
    found = ROLES.get(name.strip())
    if found is None:
        raise InvalidInput(f"{field}: unknown role {name!r}; one of {', '.join(ROLES)}")
    return found


def covers(scope: str | None, code: str) -> bool:
    """Whether a grant on ``scope`` (None: everywhere) covers the area ``code``.

    Examples
    --------
    >>> covers("110108010019", "110108010019003"), covers("110108010019", "110108010020001")
    (True, False)
    >>> covers(None, "110108010019003"), covers("110108010019003", "110108010019")
    (True, False)
    """
    return scope is None or code.startswith(scope)


@dataclass(frozen=True)
class Grant:
    """A role held on a scope (None: every area; only unscoped roles have none)."""

    role: str
    scope: str | None = None


def allows(grants: tuple[Grant, ...], permission: str, code: str | None = None) -> bool:
    """Whether any grant gives ``permission`` on the area ``code`` (None: on some area).

    Examples
    --------
    >>> grants = (Grant("grid_worker", "110108010019003"),)
    >>> allows(grants, "incidents:read", "110108010019003")
    True
    >>> allows(grants, "incidents:read", "110108010019004"), allows(grants, "plans:write")
    (False, False)
    """
    for grant in grants:
        if permission not in ROLES[grant.role].permissions:
            continue
        if code is None or covers(grant.scope, code):
            return True
    return False


def scopes_for(grants: tuple[Grant, ...], permission: str) -> tuple[str, ...] | None:
    """The scopes where ``permission`` is held: None means everywhere, () nowhere.

    Examples
    --------
    >>> scopes_for((Grant("viewer", "1101"), Grant("viewer", "1102")), "maps:read")
    ('1101', '1102')
    >>> scopes_for((Grant("viewer", "1101"),), "plans:write")
    ()
    """
    found: list[str] = []
    for grant in grants:
        if permission in ROLES[grant.role].permissions:
            if grant.scope is None:
                return None
            found.append(grant.scope)
    return tuple(found)
