"""API tokens: random text handed out once, stored only as its SHA-256, with an expiry.

A token is ``gm_`` followed by 32 random bytes in URL-safe base64; it has 256 bits of entropy,
so a plain (unsalted) SHA-256 is enough to store it and lets a request's token be found by
its hash in one indexed lookup.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from datetime import timedelta
from typing import Any

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


class TokenCache:
    """The principals of recently checked tokens, for ``ttl`` seconds (per process).

    A bearer token is looked up in the store once per ``ttl`` instead of on every request
    (which cost a transaction, about 2 ms, on every lookup). So a token revoked, expired or
    whose user is disabled keeps working at most ``ttl`` seconds longer in a process that had
    just checked it (the same holds for its expiry). Only valid tokens are kept, at most
    ``size`` of them (the cache empties when full).

    Examples
    --------
    >>> cache = TokenCache(ttl=10.0)
    >>> cache.put("h1", "principal", now=100.0)
    >>> cache.get("h1", now=105.0), cache.get("h1", now=111.0), cache.get("h2", now=100.0)
    ('principal', None, None)
    """

    def __init__(self, ttl: float = 10.0, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._found: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, *, now: float | None = None) -> Any:
        """The principal kept for a token hash (None when none, or when it is too old)."""
        now = time.monotonic() if now is None else now
        kept = self._found.get(key)
        if kept is None or kept[0] <= now:
            return None
        return kept[1]

    def put(self, key: str, principal: object, *, now: float | None = None) -> None:
        """Keep a principal for ``ttl`` seconds."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if len(self._found) >= self.size:
                self._found.clear()
            self._found[key] = (now + self.ttl, principal)

    def clear(self) -> None:
        """Forget every token (after a revocation in this process)."""
        with self._lock:
            self._found.clear()
