"""API tokens: random text handed out once, stored only as its SHA-256, with an expiry.

A token is ``gm_`` followed by 32 random bytes in URL-safe base64; it has 256 bits of entropy,
so a plain (unsalted) SHA-256 is enough to store it and lets a request's token be found by
its hash in one indexed lookup.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from gis.errors import InvalidInput

PREFIX = "gm_"
"""What every gridmap token starts with (so scanners and people recognise one)."""

_EXPIRY = re.compile(r"(\d{1,5})([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def token_hash(text: str) -> str:
    """The stored form of a token: its SHA-256, in hex.

    Examples
    --------
    >>> token_hash("gm_abc")[:16]
    '39ca29b781811e83'
    """
    return hashlib.sha256(text.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A new token: (its plain text, shown once; its hash, stored).

    Examples
    --------
    >>> plain, stored = new_token()
    >>> plain.startswith("gm_"), len(plain) > 40, stored == token_hash(plain)
    (True, True, True)
    """
    plain = PREFIX + secrets.token_urlsafe(32)
    return plain, token_hash(plain)


def parse_expiry(text: str, field: str = "expires") -> timedelta:
    """A lifetime written ``90d``, ``12h`` or ``30m``; anything else is refused naming ``field``.

    Examples
    --------
    >>> parse_expiry("90d"), parse_expiry("12h")
    (datetime.timedelta(days=90), datetime.timedelta(seconds=43200))
    >>> parse_expiry(" 30m ")
    datetime.timedelta(seconds=1800)
    >>> parse_expiry("0d")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: expires: '0d' is not a positive lifetime like 90d, 12h or 30m
    >>> parse_expiry("1y")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: expires: '1y' is not a positive lifetime like 90d, 12h or 30m
    """
    found = _EXPIRY.fullmatch(text.strip())
    if found is None or int(found[1]) == 0:
        raise InvalidInput(f"{field}: {text!r} is not a positive lifetime like 90d, 12h or 30m")
    return timedelta(**{_UNITS[found[2]]: int(found[1])})
