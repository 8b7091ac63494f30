"""Typed records of identity: who acts, users and tokens as listed, audit entries.

None of them carries a password or a token's plain text; a user's phone is kept whole only
in `UserIn` (on its way to the store) and is masked in `UserView`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gis.errors import InvalidInput
from gis.identity.roles import Grant

_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def parse_login(text: str, field_name: str = "login") -> str:
    """A login: 1–64 letters, digits, ``.``, ``_`` or ``-``, starting with a letter or digit.

    Examples
    --------
    >>> parse_login(" wang.li ")
    'wang.li'
    >>> parse_login("王力")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: login: '王力' is not 1-64 letters, digits, '.', '_' or '-'
    """
    login = text.strip()
    if _LOGIN.fullmatch(login) is None:
        shown = text[:70]
        raise InvalidInput(f"{field_name}: {shown!r} is not 1-64 letters, digits, '.', '_' or '-'")
    return login


@dataclass(frozen=True)
class Actor:
    """Who acts: the principal (a login, ``os:<user>`` for the CLI), its role, where from.

    ``token`` is the id of the token the principal came with (None: a session or the CLI).
    """

    principal: str
    source: str
    role: str | None = None
    token: int | None = None


@dataclass(frozen=True)
class UserIn:
    """A new user on its way to the store (the password already hashed)."""

    login: str
    password_hash: str
    grants: tuple[Grant, ...]
    display_name: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class UserView:
    """A user as listed: the phone masked, no password hash."""

    login: str
    display_name: str | None
    phone: str | None
    enabled: bool
    grants: tuple[Grant, ...]
    locked_until: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class TokenView:
    """A token as listed: never its plain text nor its hash."""

    id: int
    login: str
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


@dataclass(frozen=True)
class NewToken:
    """A token just created: its plain text, shown once, and how it is listed."""

    text: str
    token: TokenView


@dataclass(frozen=True)
class AuditEntry:
    """One audit record (``result`` is ``ok``, ``refused`` or ``failed``)."""

    actor: Actor
    action: str
    object: str | None
    result: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditRecord:
    """An audit record as stored: its id and time, and what `AuditEntry` said."""

    id: int
    at: datetime
    principal: str
    role: str | None
    source: str
    action: str
    object: str | None
    result: str
    detail: dict[str, Any]


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a login and its grants (``token_id`` when a token said so)."""

    login: str
    grants: tuple[Grant, ...]
    token_id: int | None = None
