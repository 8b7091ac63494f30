"""The limits gridmap serves: a request over one is refused (413/400) naming the limit.

One home for every size limit, so that the README, the HTTP edge and the CLI quote one number,
and the `Deadline` that limits how long one piece of work may take.
"""

from __future__ import annotations

import time

from gis.errors import TimeLimitExceeded

BODY_BYTES = 200 * 2**20
"""Largest request body: a batch of points (``POST /lookup``)."""

BOUNDARY_UPLOAD_BYTES = 64 * 2**20
"""A boundary file sent to ``POST /checks`` or ``POST /plans`` (its feature count and unzipped
size are limited too: `gis.settings.UploadSettings`)."""

STATION_IMPORT_BYTES = 16 * 2**20
"""A file of stations sent to ``POST /stations/import``."""

REQUEST_BYTES = 2 * 2**20
"""Any other request body (an incident, a transition, a station, an Open311 request)."""

LOOKUP_ROWS = 2_000_000
"""Most points in one ``POST /lookup`` batch."""

LOOKUP_CHUNK_ROWS = 100_000
"""Points answered (and streamed back) at a time."""

IMPORT_BATCH_ROWS = 5000
"""Rows of an incident import written per transaction (``--batch-size``)."""

NAME_CHARS = 200
"""A name, an address line, an assignee, opening hours: at most this many characters."""

NOTE_CHARS = 2000
"""A note on a status change."""

DESCRIPTION_CHARS = 4000
"""An incident's description."""

ATTRIBUTES_BYTES = 16 * 1024
"""The free ``attributes`` of an incident or a station, as JSON."""

HEALTH_SECONDS = 1.0
"""``GET /healthz`` answers within this (503 when the store has not answered by then)."""

ID_MAX = 2**63 - 1
"""The largest id or offset (PostgreSQL ``bigint``); a larger one is refused, not sent on."""


class Deadline:
    """A time limit on one piece of work, which whoever started it may also call off.

    The work calls `check` between its stages (and in its long loops); the first call after the
    limit passed, or after `stop` (say, the client disconnected), raises `TimeLimitExceeded`
    naming ``what``. `stop` may be called from another thread.

    Examples
    --------
    >>> deadline = Deadline(60, what="check")
    >>> deadline.check()
    >>> deadline.stop("the client disconnected")
    >>> deadline.check()
    Traceback (most recent call last):
    ...
    gis.errors.TimeLimitExceeded: check: stopped: the client disconnected
    >>> Deadline(0, what="check").check()
    Traceback (most recent call last):
    ...
    gis.errors.TimeLimitExceeded: check: took longer than its limit of 0 s; split the file
    """

    def __init__(self, seconds: float, *, what: str) -> None:
        self.seconds = seconds
        self.what = what
        self._ends = time.monotonic() + seconds
        self._reason: str | None = None

    def stop(self, reason: str) -> None:
        """Call the work off: its next `check` raises, giving ``reason``."""
        self._reason = reason

    @property
    def stopped(self) -> bool:
        """Whether the work was called off or its time is up."""
        return self._reason is not None or time.monotonic() >= self._ends

    def check(self) -> None:
        """Raise `TimeLimitExceeded` when the work was called off or its time is up."""
        if self._reason is not None:
            raise TimeLimitExceeded(f"{self.what}: stopped: {self._reason}")
        if time.monotonic() >= self._ends:
            raise TimeLimitExceeded(
                f"{self.what}: took longer than its limit of {self.seconds:g} s; split the file"
            )
