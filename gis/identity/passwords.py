"""Passwords: a complexity rule, argon2 hashes (pwdlib), and when a hash needs renewing.

Only hashes are stored; the plain text never leaves the function that hashes or verifies it
(no log line, no error message carries it).
"""

from __future__ import annotations

from functools import cache

from pwdlib import PasswordHash
from pwdlib.exceptions import UnknownHashError

from gis.errors import InvalidInput

MIN_CHARS = 12
"""The shortest password accepted."""
MIN_CLASSES = 3
"""How many of lower case, upper case, digit and other characters a password mixes."""


@cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


def _classes(password: str) -> int:
    kinds = (str.islower, str.isupper, str.isdigit)
    found = {i for ch in password for i, kind in enumerate(kinds) if kind(ch)}
    other = any(not (ch.islower() or ch.isupper() or ch.isdigit()) for ch in password)
    return len(found) + other


def check_password(password: str, *, login: str, field: str = "password") -> str:
    """The password, if it follows the rule; InvalidInput naming ``field`` if not.

    The rule: at least 12 characters, at least 3 of lower case, upper case, digits and other
    characters, and not containing the login (in any case).

    Examples
    --------
    >>> check_password("Grid-map-2026", login="wang")
    'Grid-map-2026'
    >>> check_password("short1A!", login="wang")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: password: at least 12 characters
    >>> check_password("alllowercaseletters", login="wang")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: password: mix at least 3 of lower case, upper case, digits, ...
    >>> check_password("Wang-2026-grid", login="wang")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: password: must not contain the login
    """
    if len(password) < MIN_CHARS:
        raise InvalidInput(f"{field}: at least {MIN_CHARS} characters")
    if _classes(password) < MIN_CLASSES:
        raise InvalidInput(
            f"{field}: mix at least {MIN_CLASSES} of lower case, upper case, digits, "
            "other characters"
        )
    if login and login.casefold() in password.casefold():
        raise InvalidInput(f"{field}: must not contain the login")
    return password


def hash_password(password: str) -> str:
    """The argon2id hash of a password (PHC string, salted).

    Examples
    --------
    >>> hash_password("Grid-map-2026").startswith("$argon2id$")
    True
    """
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (False for a malformed hash).

    Examples
    --------
    >>> stored = hash_password("Grid-map-2026")
    >>> verify_password("Grid-map-2026", stored), verify_password("grid-map-2026", stored)
    (True, False)
    >>> verify_password("Grid-map-2026", "not a hash")
    False
    """
    try:
        return _hasher().verify(password, password_hash)
    except UnknownHashError:
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than the current ones.

    Examples
    --------
    >>> needs_rehash(hash_password("Grid-map-2026"))
    False
    >>> needs_rehash("$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo")
    True
    """
    return _hasher().current_hasher.check_needs_rehash(password_hash)
