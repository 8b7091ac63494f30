"""Idempotency keys: a retried request, or a row imported again, makes no second incident.

A key is unique per **scope** (where the report came in: ``import``, ``native``, ``open311``),
**client** (who sent it) and the **key** itself, so no client can take another's keys and no
HTTP client can pre-empt a row of an import. The edges decide the client, one function per
protocol (the identity issue replaces them with the authenticated principal): the native API's
``X-Client-Id`` header, Open311's ``api_key`` (stored only as a hash), `CLI` for imports;
`ANONYMOUS` without one.

A key is stored with the `fingerprint` of the report it first came with. The same key with the
same report is a retry and answers the first incident; with another report it is refused
(`gis.errors.IdempotencyKeyReused`) and nothing is written. HTTP keys expire (a setting,
24 hours by default) and then make a new incident; import keys are `import_key` — the file's
sha256 and the row number — and never expire: the same file imports once, another file of the
same name imports too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from gis.values import parse_text

if TYPE_CHECKING:
    from gis.incidents.report import IncidentReport

Scope = Literal["import", "native", "open311"]
SCOPES: tuple[Scope, ...] = ("import", "native", "open311")
EXPIRING: tuple[Scope, ...] = ("native", "open311")
"""The scopes whose keys expire; an import key lasts as long as its incident."""
ANONYMOUS = "anonymous"
"""The client of a request that names none."""
CLI = "cli"
"""The client of an import from the command line."""


@dataclass(frozen=True)
class IdempotencyKey:
    """A client's key for one report, in the scope the report came in."""

    scope: Scope
    client: str
    key: str


def request_key(
    key: object, *, scope: Scope, client: str | None, field: str = "Idempotency-Key"
) -> IdempotencyKey | None:
    """The key of an HTTP request (None when it gives none); ``client`` is the edge's.

    Examples
    --------
    >>> request_key(" k1 ", scope="native", client=None)
    IdempotencyKey(scope='native', client='anonymous', key='k1')
    >>> request_key("", scope="native", client="app-7") is None
    True
    >>> request_key("k" * 201, scope="open311", client=None)
    Traceback (most recent call last):
    ...
    gis.errors.InvalidInput: Idempotency-Key: 201 characters; at most 200
    """
    parsed = parse_text(key, field)
    if parsed is None:
        return None
    return IdempotencyKey(scope, client or ANONYMOUS, parsed)


def client_of(value: object, field: str, *, secret: bool = False) -> str | None:
    """A client named by the caller (None when blank); a ``secret`` is kept only as a hash.

    Examples
    --------
    >>> client_of(" app-7 ", "X-Client-Id"), client_of(" ", "X-Client-Id")
    ('app-7', None)
    >>> client_of("s3cret", "api_key", secret=True)
    'api_key:1ec1c26b50d5d3c5'
    """
    name = parse_text(value, field)
    if name is None or not secret:
        return name
    return f"{field}:{hashlib.sha256(name.encode()).hexdigest()[:16]}"


def import_key(digest: str, row: int, client: str = CLI) -> IdempotencyKey:
    """The key of row ``row`` (1-based) of an import file whose sha256 is ``digest``.

    Examples
    --------
    >>> import_key("ab12", 7)
    IdempotencyKey(scope='import', client='cli', key='ab12:7')
    """
    return IdempotencyKey("import", client, f"{digest}:{row}")


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()  # one instant, whatever zone it came in
    raise TypeError(type(value).__name__)


def fingerprint(report: IncidentReport) -> str:
    """The sha256 of a parsed report in a canonical form: equal for equal reports.

    Computed from what was understood (category code, WGS84 point, parsed time …), so a
    retry that spells a field differently — a category's name for its code, another key order
    — is still the same report.

    Examples
    --------
    >>> from gis.incidents.report import IncidentReport
    >>> one = IncidentReport("hazard", lon=116.35, lat=40.0, attributes={"a": 1, "b": 2})
    >>> fingerprint(one) == fingerprint(IncidentReport("hazard", lon=116.35, lat=40.0,
    ...                                                attributes={"b": 2, "a": 1}))
    True
    >>> fingerprint(one) == fingerprint(IncidentReport("hazard", lon=116.35, lat=40.01))
    False
    """
    values = [getattr(report, f.name) for f in fields(report)]  # asdict would deep-copy
    canonical = json.dumps(
        values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain
    )
    return hashlib.sha256(canonical.encode()).hexdigest()
