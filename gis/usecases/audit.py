"""The audit log's retention: records older than 180 days may leave it, for a file, and only so.

`archive` writes every record older than a time to a gzip JSON-lines file (fsynced, then read
back and checked), with its SHA-256 beside it, and only then deletes exactly those records in
one transaction that also records the archive (``audit.archive``). A ``before`` within the
retention period is refused before anything is read or written; the database's trigger
(migration 0009) refuses it again should a row younger than the period ever be reached.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

from gis import clock
from gis.db import audit as store
from gis.db.engine import store_refused
from gis.db.identity import insert_audit
from gis.errors import Conflict, GridmapError, InvalidInput
from gis.identity.records import Actor, AuditEntry, AuditRecord
from gis.usecases.runtime import Runtime

RETENTION_DAYS = 180
"""Audit records are kept at least this long (the cybersecurity law's six months)."""
ACTION = "audit.archive"
"""The action of the record an archive leaves in the log."""
BATCH = 5000
"""Records read per query while writing the file."""


@dataclass(frozen=True)
class Archive:
    """What an archive did, or (``dry_run``) would do.

    Attributes
    ----------
    before : datetime
        Records older than this were (would be) archived.
    rows, first_id, last_id, first_at, last_at
        How many records, and their id and time ranges (None when there are none).
    path, sha256
        The file written and its SHA-256 (None for a dry run or when there was nothing).
    """

    before: datetime
    rows: int
    first_id: int | None
    last_id: int | None
    first_at: datetime | None
    last_at: datetime | None
    path: Path | None = None
    sha256: str | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class _Written:
    rows: int
    last_id: int
    id_sum: int
    sha256: str


def sidecar(path: Path) -> Path:
    """Where the SHA-256 of an archive file is written (``sha256sum -c`` reads it)."""
    return path.with_name(path.name + ".sha256")


def archive(
    rt: Runtime, actor: Actor, *, before: datetime, out: Path | None, dry_run: bool = False
) -> Archive:
    """Move the audit records older than ``before`` to the gzip JSON-lines file ``out``.

    Raises InvalidInput naming ``before`` when it is within the retention period and ``out``
    when the file (or its ``.sha256``) exists or its folder does not; nothing is written then
    but a ``refused`` record. Conflict when the records deleted are not those written (the
    deletion is rolled back and the file removed).
    """
    if dry_run:
        _check_before(rt, before)
        if out is not None:
            _check_out(out)
        return _span(rt, before, dry_run=True)
    try:
        _check_before(rt, before)
        if out is None:
            raise InvalidInput("out: give the file to write the archive to")
        _check_out(out)
    except GridmapError as exc:
        _record(rt, actor, "refused", {"code": exc.code, "detail": exc.detail})
        raise
    found = _span(rt, before)
    if found.rows == 0:
        return found
    written = _write(rt, before, out)
    _delete(rt, actor, before, out, written)
    return replace(
        found, rows=written.rows, last_id=written.last_id, path=out, sha256=written.sha256
    )


def _check_before(rt: Runtime, before: datetime) -> None:
    with rt.read() as conn:
        cutoff = store.retention_cutoff(conn, days=RETENTION_DAYS)
    if before > cutoff:
        latest = clock.local(cutoff).date().isoformat()
        raise InvalidInput(
            f"before: {clock.iso(before)} is within the last {RETENTION_DAYS} days, which are "
            f"kept; give {latest} or earlier"
        )


def _check_out(out: Path) -> None:
    if not out.parent.is_dir():
        raise InvalidInput(f"out: folder {str(out.parent)!r} does not exist")
    for path in (out, sidecar(out)):
        if path.exists():
            raise InvalidInput(f"out: {str(path)!r} exists; an archive is never overwritten")


def _span(rt: Runtime, before: datetime, *, dry_run: bool = False) -> Archive:
    with rt.read() as conn:
        found = store.span_before(conn, before=before)
    return Archive(before, **asdict(found), dry_run=dry_run)


def _batches(rt: Runtime, before: datetime) -> Iterator[list[AuditRecord]]:
    """The records older than ``before`` in id order, a batch at a time (keyset paging)."""
    with rt.read() as conn:
        after = 0
        while batch := store.records_before(conn, before=before, after_id=after, limit=BATCH):
            yield batch
            after = batch[-1].id


def record_line(record: AuditRecord) -> bytes:
    """One record as a line of JSON, its time in ISO 8601 with the configured zone's offset."""
    fields = {**asdict(record), "at": clock.iso(record.at)}
    return (json.dumps(fields, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _write(rt: Runtime, before: datetime, out: Path) -> _Written:
    """Write the file (under a ``.partial`` name until fsynced), check it, then its SHA-256."""
    partial = out.with_name(out.name + ".partial")
    rows = id_sum = last_id = 0
    try:
        with partial.open("xb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
                for batch in _batches(rt, before):
                    packed.write(b"".join(record_line(record) for record in batch))
                    rows += len(batch)
                    id_sum += sum(record.id for record in batch)
                    last_id = batch[-1].id
            raw.flush()
            os.fsync(raw.fileno())
        digest = _verified(partial, rows)
        os.replace(partial, out)
        _write_synced(sidecar(out), f"{digest}  {out.name}\n".encode())
        _fsync_folder(out.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return _Written(rows, last_id, id_sum, digest)


def _verified(path: Path, rows: int) -> str:
    """The SHA-256 of the file as stored, once it reads back as ``rows`` lines of JSON."""
    with gzip.open(path, "rb") as packed:
        lines = sum(1 for line in packed if json.loads(line))
    if lines != rows:
        raise Conflict(f"out: {path.name} reads back {lines} records, not {rows}")
    digest = hashlib.sha256()
    with path.open("rb") as stored:
        while chunk := stored.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _write_synced(path: Path, content: bytes) -> None:
    with path.open("xb") as target:
        target.write(content)
        target.flush()
        os.fsync(target.fileno())


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _delete(rt: Runtime, actor: Actor, before: datetime, out: Path, written: _Written) -> None:
    """Delete what was written and record it, in one transaction; undo the file if that fails."""
    detail = {
        "rows": written.rows,
        "before": clock.iso(before),
        "file": out.name,
        "sha256": written.sha256,
        "last_id": written.last_id,
    }
    try:
        with rt.write() as conn, store_refused("audit_log"):
            gone = store.delete_archived(conn, before=before, last_id=written.last_id)
            if gone != (written.rows, written.id_sum):
                raise Conflict(
                    f"audit_log: {written.rows} records were written to {out.name} but the "
                    f"deletion met {gone[0]}; nothing deleted, the file removed"
                )
            insert_audit(conn, entry=AuditEntry(actor, ACTION, "audit_log", "ok", detail))
    except GridmapError as exc:
        for path in (out, sidecar(out)):
            path.unlink(missing_ok=True)
        _record(rt, actor, "failed", {**detail, "code": exc.code, "detail": exc.detail})
        raise


def _record(rt: Runtime, actor: Actor, result: str, detail: dict[str, object]) -> None:
    with rt.write() as conn:
        insert_audit(conn, entry=AuditEntry(actor, ACTION, "audit_log", result, detail))
