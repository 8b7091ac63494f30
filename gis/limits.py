"""The limits gridmap serves: a request over one is refused (413/400) naming the limit.

One home for every size limit, so that the README, the HTTP edge and the CLI quote one number.
"""

from __future__ import annotations

BODY_BYTES = 200 * 2**20
"""Largest request body: a boundary upload, a batch of points, an import file."""

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

HEALTH_SECONDS = 1.5
"""``GET /healthz`` answers within this (503 when the store has not answered by then)."""
