"""The audit trail of writes: every write use case records itself here, in its own transaction.

`audited` opens the write's transaction and appends its ``ok`` record to it, so a change without
its record cannot be committed; a write refused on purpose (bad input, a conflict, outside the
scope) rolls back and leaves a ``refused`` record in a transaction of its own. The exception
is marked (`AUDITED`) so that the HTTP edge does not record it a second time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gis.db import identity as store
from gis.db.engine import Connection
from gis.errors import GridmapError
from gis.identity.records import Actor, AuditEntry

if TYPE_CHECKING:
    from gis.usecases.runtime import Runtime

AUDITED = "audited"
"""The attribute set on an exception whose refusal is already in the audit log."""


@dataclass
class Write:
    """An audited write in progress: its connection, and what its record will say.

    ``target`` may be set once the object exists (a new incident's id); ``detail`` is a
    before/after summary that never holds a password, a token or personal data.
    """

    conn: Connection
    target: str | None
    detail: dict[str, object] = field(default_factory=dict)


def _entry(
    actor: Actor, action: str, target: str | None, result: str, detail: dict[str, object]
) -> AuditEntry:
    if actor.token is not None:
        detail = {**detail, "token": actor.token}
    return AuditEntry(actor, action, target, result, detail)


def record_refusal(
    rt: Runtime, actor: Actor, action: str, target: str | None, exc: GridmapError
) -> None:
    """Record a refused action in a transaction of its own, and mark the exception recorded."""
    refusal: dict[str, object] = {"code": type(exc).__name__, "detail": exc.detail}
    with rt.write() as conn:
        store.insert_audit(conn, entry=_entry(actor, action, target, "refused", refusal))
    setattr(exc, AUDITED, True)


@contextmanager
def audited(rt: Runtime, actor: Actor, action: str, target: str | None) -> Iterator[Write]:
    """One audited write: ``ok`` with the write, or ``refused`` alone when it fails on purpose."""
    write: Write | None = None
    try:
        with rt.write() as conn:
            write = Write(conn, target)
            yield write
            entry = _entry(actor, action, write.target, "ok", write.detail)
            store.insert_audit(conn, entry=entry)
    except GridmapError as exc:
        if not getattr(exc, AUDITED, False):
            record_refusal(rt, actor, action, write.target if write else target, exc)
        raise


@contextmanager
def refusals(rt: Runtime, actor: Actor, action: str, target: str | None) -> Iterator[None]:
    """Record a refusal of the work done before an audited write (no transaction held).

    For a write that computes first (checks, comparisons) and then writes in `audited`: a
    refusal while computing is recorded here, and no transaction sits idle meanwhile.
    """
    try:
        yield
    except GridmapError as exc:
        if not getattr(exc, AUDITED, False):
            record_refusal(rt, actor, action, target, exc)
        raise
