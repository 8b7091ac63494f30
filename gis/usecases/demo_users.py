"""Demo users: one per role on the 学院路 sample, each with a one-time password shown once.

`ensure_demo_users` is what ``gridmap demo`` runs after loading the sample: it adds the users
the first time and, when the demo starts again, gives each a new password (so the passwords
printed are always the ones that work); the client user gets a fresh token each time (its
earlier demo tokens revoked). Every write goes through `gis.usecases.identity`, so each is
audited under the caller's actor. Nothing here stores or logs a password or a token.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from gis.errors import InvalidInput
from gis.identity.passwords import check_password
from gis.identity.records import Actor
from gis.identity.roles import ROLES
from gis.usecases import boundaries, identity
from gis.usecases.runtime import Runtime

SUBDISTRICT = "110108010"
"""学院路街道, the sample's subdistrict."""
COMMUNITY = "110108010019"
"""中国农业大学东校区社区, the sample community with the most grids."""
GRID = "110108010019001"
"""That community's first grid."""

DEMO_GRANTS: tuple[tuple[str, str | None], ...] = (
    ("admin", None),
    ("auditor", None),
    ("planner", COMMUNITY),
    ("drafter", COMMUNITY),
    ("dispatcher", COMMUNITY),
    ("handler", SUBDISTRICT),
    ("grid_worker", GRID),
    ("viewer", SUBDISTRICT),
    ("client", SUBDISTRICT),
)
"""Each role of `gis.identity.roles.ROLES` once, on a scope of the sample (None: unscoped)."""

CLIENT_ROLE = "client"
"""The role whose demo user gets a token (Open311 ``api_key``, ``Authorization: Bearer``)."""
TOKEN_NAME = "demo"
"""The name of the client's demo token; earlier ones of that name are revoked."""
TOKEN_LIFETIME = "30d"
"""How long a demo token lives."""

_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "Il1O0o")


@dataclass(frozen=True)
class DemoLogin:
    """A demo user as shown when the demo starts (the password is in no store, only here).

    Attributes
    ----------
    login, role : str
        The user and its one role.
    scope : str or None
        The area code of its grant (None for admin and auditor), and ``scope_name`` its name.
    password : str
        Its new one-time password.
    token : str or None
        The client user's new token; None for the others.
    created : bool
        Whether the user was added now (False: it existed and its password was reset).
    """

    login: str
    role: str
    scope: str | None
    scope_name: str | None
    password: str
    token: str | None = None
    created: bool = True


def demo_login(role: str) -> str:
    """The demo user of a role.

    Examples
    --------
    >>> demo_login("planner"), demo_login("grid_worker")
    ('demo-planner', 'demo-grid-worker')
    """
    return "demo-" + role.replace("_", "-")


def one_time_password(login: str) -> str:
    """A random password that follows the rule of `gis.identity.passwords` (about 93 bits).

    Four groups of four letters and digits joined by ``-`` (no look-alike characters).

    Examples
    --------
    >>> password = one_time_password("demo-viewer")
    >>> len(password), password.count("-")
    (19, 3)
    >>> check_password(password, login="demo-viewer") == password
    True
    """
    while True:
        groups = ("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))
        password = "-".join(groups)
        try:
            return check_password(password, login=login)
        except InvalidInput:  # too few kinds of character (rare): draw again
            continue


def ensure_demo_users(rt: Runtime, actor: Actor) -> list[DemoLogin]:
    """Add (or, when they exist, re-password and enable) one demo user per role.

    The sample must be loaded (the scopes are its areas). Returns the users in the order of
    `DEMO_GRANTS` with their new passwords, the client's with a new token.
    """
    existing = {user.login.casefold(): user.enabled for user in identity.list_users(rt)}
    names = _area_names(rt, {scope for _, scope in DEMO_GRANTS if scope is not None})
    made = []
    for role, scope in DEMO_GRANTS:
        login = demo_login(role)
        password = one_time_password(login)
        enabled = existing.get(login.casefold())
        if enabled is None:
            _add(rt, actor, login, role, scope, password)
        else:
            identity.reset_password(rt, actor, login=login, password=password)
            if not enabled:
                identity.set_enabled(rt, actor, login=login, enabled=True)
        token = _fresh_token(rt, actor, login) if role == CLIENT_ROLE else None
        name = names.get(scope) if scope is not None else None
        made.append(DemoLogin(login, role, scope, name, password, token, enabled is None))
    return made


def _add(rt: Runtime, actor: Actor, login: str, role: str, scope: str | None, pw: str) -> None:
    identity.add_user(
        rt,
        actor,
        login=login,
        role=role,
        scopes=[scope] if scope is not None else [],
        password=pw,
        display_name=f"演示{ROLES[role].zh}",
    )


def _fresh_token(rt: Runtime, actor: Actor, login: str) -> str:
    """A new demo token of ``login``, its earlier live demo tokens revoked."""
    for token in identity.list_tokens(rt, login=login):
        if token.name == TOKEN_NAME and token.revoked_at is None:
            identity.revoke_token(rt, actor, token_id=token.id)
    made = identity.create_token(rt, actor, login=login, expires=TOKEN_LIFETIME, name=TOKEN_NAME)
    return made.text


def _area_names(rt: Runtime, codes: set[str]) -> dict[str, str]:
    names = {}
    for code in sorted(codes):
        found = boundaries.get_area(rt, code)
        names[code] = str(found["name"].iloc[0])
    return names


def table_lines(logins: list[DemoLogin]) -> list[str]:
    """The demo users as a table to print (login, role, password, scope), the token after it.

    The scope comes last: area names are of any width.

    Examples
    --------
    >>> rows = [DemoLogin("demo-admin", "admin", None, None, "Ab3d-efgh-2345-JKmn")]
    >>> for line in table_lines(rows):
    ...     print(line)
    demo users (the passwords are shown only now; each demo start gives new ones):
      login              role         password             scope
      demo-admin         admin        Ab3d-efgh-2345-JKmn  (every area)
    """
    lines = [
        "demo users (the passwords are shown only now; each demo start gives new ones):",
        f"  {'login':<18} {'role':<12} {'password':<20} scope",
    ]
    for user in logins:
        scope = f"{user.scope} {user.scope_name or ''}".strip() if user.scope else "(every area)"
        lines.append(f"  {user.login:<18} {user.role:<12} {user.password:<20} {scope}")
    for user in logins:
        if user.token is not None:
            lines.append(
                f"  token of {user.login} (Open311 api_key, or Authorization: Bearer): {user.token}"
            )
    return lines
