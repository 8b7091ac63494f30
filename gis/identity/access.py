"""What one caller may do, where: the acting principal that every use case is handed.

An `Acting` is made once per request from the route's declared permission (`api.access`) or
once per command (the CLI acts with the machine owner's authority: `Acting.machine`). The use
cases ask it about the objects they touch: `see` for reads (an object outside the scope is
`OutOfScope`, a 404 that tells nothing about other areas) and `act` for writes (`Forbidden`,
403). Refusals carry the audit entry the use case records.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from gis.errors import Forbidden, OutOfScope
from gis.identity.records import Actor
from gis.identity.roles import Grant, covers, scopes_for


def role_names(grants: tuple[Grant, ...]) -> str | None:
    """The roles of a set of grants, as one audit field (``None`` when there are none).

    Examples
    --------
    >>> role_names((Grant("viewer", "1101"), Grant("planner", "1101"), Grant("viewer", "1102")))
    'planner,viewer'
    """
    return ",".join(sorted({g.role for g in grants})) or None


@dataclass(frozen=True)
class Acting:
    """A principal acting under one permission.

    Attributes
    ----------
    actor : Actor
        Who, as the audit log and the incident events record it.
    permission : str | None
        The permission the route declared (None: a public route or the machine owner).
    grants : tuple[Grant, ...] | None
        The principal's grants; None for the machine owner, who may do everything.
    assigned_only : bool
        Whether incidents are seen only when assigned to the principal (a department, whose
        permission is ``incidents:assigned``).
    """

    actor: Actor
    permission: str | None = None
    grants: tuple[Grant, ...] | None = None
    assigned_only: bool = False

    @classmethod
    def machine(cls, actor: Actor) -> Acting:
        """The local CLI: the machine owner's authority, everywhere (still audited)."""
        return cls(actor=actor)

    @property
    def login(self) -> str:
        """The principal's name (a login, ``os:<user>``, or ``anonymous``)."""
        return self.actor.principal

    @property
    def scopes(self) -> tuple[str, ...] | None:
        """Area codes the permission is held on: None everywhere, () nowhere.

        Examples
        --------
        >>> viewer = Acting(Actor("li", "test"), "maps:read", (Grant("viewer", "1101"),))
        >>> viewer.scopes, Acting.machine(Actor("os:root", "cli")).scopes
        (('1101',), None)
        """
        if self.grants is None or self.permission is None:
            return None
        return scopes_for(self.grants, self.permission)

    def covers(self, code: str | None) -> bool:
        """Whether the area ``code`` is within scope.

        An object with no area (an incident not located yet, a station outside every grid)
        is no area's and so within the scope of whoever holds the permission somewhere, as
        the needs-location queue is everyone's who handles incidents.

        Examples
        --------
        >>> worker = Acting(Actor("li", "t"), "incidents:read", (Grant("grid_worker", "110"),))
        >>> worker.covers("1101"), worker.covers("1201"), worker.covers(None)
        (True, False, True)
        """
        scopes = self.scopes
        if scopes is None or code is None:
            return scopes is None or bool(scopes)
        return any(covers(scope, code) for scope in scopes)

    def may(self, permission: str, code: str | None) -> bool:
        """Whether the principal holds another ``permission`` on the area ``code``.

        An object with no area needs the permission somewhere, as `covers` reads it.
        """
        if self.grants is None:
            return True
        return replace(self, permission=permission).covers(code)

    def see(self, code: str | None, missing: str) -> None:
        """Refuse to read an object outside the scope exactly as if it did not exist.

        ``missing`` is the store's own not-found detail for the object, so that the answer is
        the same, word for word, as for an object that was never there.

        Examples
        --------
        >>> worker = Acting(Actor("li", "t"), "incidents:read", (Grant("grid_worker", "110"),))
        >>> worker.see("1209", "incident: no incident 7")
        Traceback (most recent call last):
        ...
        gis.errors.OutOfScope: incident: no incident 7
        """
        if not self.covers(code):
            raise OutOfScope(missing)

    def act(self, code: str | None, what: str) -> None:
        """Refuse a write on an object outside the scope (403, naming the permission)."""
        if not self.covers(code):
            raise Forbidden(f"{what}: outside your area for {self.permission}")
