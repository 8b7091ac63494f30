"""Domain errors of gridmap.

Every error carries a stable ``code`` (used as the ``code`` field of HTTP error bodies and
printed by the CLI) and a human message naming the offending field or feature. The HTTP layer
maps classes to status codes in one table (``api/errors.py``); nothing below the routes knows
about HTTP.
"""

from __future__ import annotations


class GridmapError(Exception):
    """Base class of every error gridmap raises on purpose."""

    code = "GridmapError"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidInput(GridmapError):
    """A value given by the caller is malformed (wrong type, range or format)."""

    code = "InvalidInput"


class CRSError(InvalidInput):
    """An unknown coordinate system, a missing one, or coordinates outside its valid range."""

    code = "CRSError"


class InvalidGeometry(InvalidInput):
    """A geometry is empty, invalid, or of the wrong type."""

    code = "InvalidGeometry"


class CodeError(InvalidInput):
    """An area code has the wrong format for its level, or is duplicated."""

    code = "CodeError"


class UnreadableFile(InvalidInput):
    """An input file cannot be opened or has an unsupported format."""

    code = "UnreadableFile"


class NotFound(GridmapError):
    """A requested object does not exist."""

    code = "NotFound"


class UnknownParent(GridmapError):
    """An area's parent code does not name a current area one level up."""

    code = "UnknownParent"


class Conflict(GridmapError):
    """The request conflicts with the current state of the store."""

    code = "Conflict"


class StoreUnavailable(GridmapError):
    """The PostGIS store cannot be reached or set up."""

    code = "StoreUnavailable"


class PayloadTooLarge(GridmapError):
    """An input (a batch of points, an upload) is over the size the service accepts."""

    code = "PayloadTooLarge"


class StoreRefused(InvalidInput):
    """The store refused a value that passed validation (a constraint, an unstorable character)."""

    code = "StoreRefused"
