"""Domain errors of gridmap.

Every error carries a stable ``code`` — its class name, set once here for every subclass (the
``code`` field of HTTP error bodies, printed by the CLI) — and a human message naming the
offending field or feature. The HTTP layer
maps classes to status codes in one table (``api/errors.py``); nothing below the routes knows
about HTTP.
"""

from __future__ import annotations

from typing import ClassVar


class GridmapError(Exception):
    """Base class of every error gridmap raises on purpose."""

    code: ClassVar[str] = "GridmapError"

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.code = cls.__name__

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(GridmapError):
    """A value given by the caller is malformed (wrong type, range or format)."""


class CRSError(InvalidInput):
    """An unknown coordinate system, a missing one, or coordinates outside its valid range."""


class InvalidGeometry(InvalidInput):
    """A geometry is empty, invalid, or of the wrong type."""


class CodeError(InvalidInput):
    """An area code has the wrong format for its level, or is duplicated."""


class UnreadableFile(InvalidInput):
    """An input file cannot be opened or has an unsupported format."""


class NotFound(GridmapError):
    """A requested object does not exist."""


class UnknownParent(GridmapError):
    """An area's parent code does not name a current area one level up."""


class Conflict(GridmapError):
    """The request conflicts with the current state of the store."""


class StoreUnavailable(GridmapError):
    """The PostGIS store cannot be reached or set up."""


class PayloadTooLarge(GridmapError):
    """An input (a batch of points, an upload) is over the size the service accepts."""


class StoreTimeout(StoreUnavailable):
    """The store did not answer in time: a connection, a statement or a lock timed out."""


class TimeLimitExceeded(PayloadTooLarge):
    """Work on one input passed its time limit, or was stopped because its client left."""


class IdempotencyKeyReused(InvalidInput):
    """An idempotency key sent again with a different report (the first one keeps the key)."""


class StoreRefused(InvalidInput):
    """The store refused a value that passed validation (a constraint, an unstorable character)."""


class Forbidden(GridmapError):
    """The principal is known but may not do this (its roles lack the permission or the area)."""


class OutOfScope(NotFound):
    """An object outside the principal's area scope.

    Answered as not found, word for word and code for code, so that it leaks nothing about
    what exists elsewhere.
    """


OutOfScope.code = NotFound.code  # after __init_subclass__: the code a caller sees


class Unauthenticated(GridmapError):
    """No valid credentials: a token unknown, expired or revoked, or its user disabled.

    One message for every case, so that an answer never tells which tokens or logins exist.
    """


class Locked(GridmapError):
    """An account is locked after too many failed logins; the detail says until when."""


class CsrfFailed(GridmapError):
    """A state-changing request on a session cookie without the session's CSRF token."""
