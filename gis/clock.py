"""The configured time zone: naive times in input are read in it, times are shown in it.

Stored times stay timezone-aware (``timestamptz``) and every computation uses aware values;
only two things depend on the zone: reading a date or time written without an offset
(``from=2026-11-01`` is midnight in Beijing, not 08:00) and showing a time to a person or a
client (``2026-11-30T22:08:00+08:00``, "预计 2026-11-30 22:08 前处理").

The zone is a fact of the deployment, like the process's ``TZ``: the entry points (``Runtime.start``
for the service and every CLI command) set it once from ``LocaleSettings.time_zone``, and the
parsers and formatters read it here instead of having it threaded through every call.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gis.errors import InvalidInput

DEFAULT_ZONE = "Asia/Shanghai"
"""The zone used unless ``GRIDMAP_TIME_ZONE`` names another (IANA name)."""

_zone = ZoneInfo(DEFAULT_ZONE)


def parse_zone(name: str, field: str = "time_zone") -> ZoneInfo:
    """An IANA time zone by name.

    Examples
    --------
    >>> parse_zone("Asia/Urumqi").key
    'Asia/Urumqi'
    >>> parse_zone("Beijing")
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: time_zone: 'Beijing' is not an IANA time zone such as 'Asia/Shanghai'
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        expected = f"an IANA time zone such as {DEFAULT_ZONE!r}"
        raise InvalidInput(f"{field}: {name!r} is not {expected}") from None


def use_zone(name: str) -> ZoneInfo:
    """Make ``name`` the zone of this process; returns the zone it replaced."""
    global _zone
    previous, _zone = _zone, parse_zone(name)
    return previous


def zone() -> ZoneInfo:
    """The zone of this process."""
    return _zone


def local(value: datetime) -> datetime:
    """An aware time in the configured zone (a naive one is taken as already in it).

    Examples
    --------
    >>> from datetime import UTC
    >>> local(datetime(2026, 11, 30, 14, 8, tzinfo=UTC)).isoformat()
    '2026-11-30T22:08:00+08:00'
    """
    return value.replace(tzinfo=_zone) if value.tzinfo is None else value.astimezone(_zone)


def iso(value: datetime) -> str:
    """ISO 8601 in the configured zone, with its offset: how times leave the service."""
    return local(value).isoformat()


def shown(value: datetime, *, seconds: bool = False) -> str:
    """A time for people: ``2026-11-30 22:08`` in the configured zone.

    Examples
    --------
    >>> from datetime import UTC
    >>> shown(datetime(2026, 11, 30, 14, 8, 5, tzinfo=UTC)), shown(
    ...     datetime(2026, 11, 30, 14, 8, 5, tzinfo=UTC), seconds=True)
    ('2026-11-30 22:08', '2026-11-30 22:08:05')
    """
    return f"{local(value):%Y-%m-%d %H:%M:%S}" if seconds else f"{local(value):%Y-%m-%d %H:%M}"
