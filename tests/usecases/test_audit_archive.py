"""Issue 12 item 6: audit records older than 180 days leave the log for a file, and only so.

The audit log is never emptied between tests, so each test reads the rows it made by id, and
an archive may also take old rows an earlier test left: the file is compared with the ids the
store held before the archive ran.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gis import clock
from gis.errors import Conflict, InvalidInput
from gis.identity.records import Actor
from gis.usecases import audit
from gis.usecases.runtime import Runtime

REFUSED = "rows are never changed or removed"
ACTOR = Actor(principal="test:archive", source="test")
_OLD = text(
    "INSERT INTO audit_log (at, principal, source, action, object, result, detail) "
    "VALUES (now() - make_interval(days => :days), 'test:old', 'test', 'test.old', :object, "
    "'ok', CAST(:detail AS jsonb)) RETURNING id"
)


def add_rows(rt: Runtime, *days_ago: int) -> list[int]:
    """Audit rows dated ``days_ago`` days back (an explicit ``at``; the id is the store's)."""
    with rt.write() as conn:
        return [
            int(
                conn.execute(_OLD, {"days": d, "object": f"row:{d}", "detail": '{"n": 1}'}).one()[0]
            )
            for d in days_ago
        ]


def ids_before(rt: Runtime, before: datetime) -> list[int]:
    with rt.read() as conn:
        query = text("SELECT id FROM audit_log WHERE at < :before ORDER BY id")
        return list(conn.execute(query, {"before": before}).scalars())


def stored(rt: Runtime, ids: list[int]) -> list[int]:
    with rt.read() as conn:
        query = text("SELECT id FROM audit_log WHERE id = ANY(:ids) ORDER BY id")
        return list(conn.execute(query, {"ids": ids}).scalars())


def records_after(rt: Runtime, after: int) -> list[dict[str, object]]:
    with rt.read() as conn:
        query = text("SELECT * FROM audit_log WHERE id > :after ORDER BY id")
        return [dict(row._mapping) for row in conn.execute(query, {"after": after})]


def last_id(rt: Runtime) -> int:
    with rt.read() as conn:
        return int(conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one())


def days_ago(days: int) -> datetime:
    return datetime.now(UTC) - timedelta(days=days)


def read_archive(path: Path) -> list[dict[str, object]]:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def test_issue12_archive_moves_exactly_the_old_rows(rt: Runtime, tmp_path: Path) -> None:
    old = add_rows(rt, 400, 350)
    kept = add_rows(rt, 250, 0)
    before = days_ago(300)
    expected = ids_before(rt, before)
    assert set(old) <= set(expected) and not set(kept) & set(expected)
    out = tmp_path / "audit-old.jsonl.gz"
    mark = last_id(rt)

    done = audit.archive(rt, ACTOR, before=before, out=out)

    archived = read_archive(out)
    assert [row["id"] for row in archived] == expected
    assert (done.rows, done.path, done.last_id) == (len(expected), out, expected[-1])
    mine = [row for row in archived if row["id"] in old]
    assert [row["object"] for row in mine] == ["row:400", "row:350"]
    assert all(datetime.fromisoformat(str(row["at"])).utcoffset() is not None for row in archived)
    assert mine[0]["detail"] == {"n": 1} and mine[0]["principal"] == "test:old"
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert done.sha256 == digest
    assert audit.sidecar(out).read_text() == f"{digest}  {out.name}\n"
    assert stored(rt, old + kept) == kept
    assert not (tmp_path / "audit-old.jsonl.gz.partial").exists()
    [record] = records_after(rt, mark)
    assert (record["principal"], record["action"], record["result"]) == (
        "test:archive",
        "audit.archive",
        "ok",
    )
    detail = record["detail"]
    assert isinstance(detail, dict)
    assert (detail["rows"], detail["file"], detail["sha256"]) == (len(expected), out.name, digest)
    assert datetime.fromisoformat(detail["before"]) == before


def test_issue12_too_recent_before_refused_nothing_written(rt: Runtime, tmp_path: Path) -> None:
    old = add_rows(rt, 400)
    out = tmp_path / "audit.jsonl.gz"
    mark = last_id(rt)
    with pytest.raises(InvalidInput) as refused:
        audit.archive(rt, ACTOR, before=days_ago(179), out=out)
    latest = (datetime.now(UTC) - timedelta(days=180)).astimezone(clock.zone()).date()
    assert refused.value.detail.startswith("before: ")
    assert f"give {latest.isoformat()} or earlier" in refused.value.detail
    assert list(tmp_path.iterdir()) == []
    assert stored(rt, old) == old
    [record] = records_after(rt, mark)
    assert (record["action"], record["result"]) == ("audit.archive", "refused")


def test_issue12_dry_run_deletes_nothing(rt: Runtime, tmp_path: Path) -> None:
    old = add_rows(rt, 500, 450)
    before = days_ago(300)
    expected = ids_before(rt, before)
    mark = last_id(rt)
    out = tmp_path / "audit.jsonl.gz"
    done = audit.archive(rt, ACTOR, before=before, out=out, dry_run=True)
    assert (done.dry_run, done.rows, done.path, done.sha256) == (True, len(expected), None, None)
    assert (done.first_id, done.last_id) == (expected[0], expected[-1])
    assert list(tmp_path.iterdir()) == []
    assert stored(rt, old) == old
    assert records_after(rt, mark) == []


def test_issue12_existing_file_never_overwritten(rt: Runtime, tmp_path: Path) -> None:
    old = add_rows(rt, 400)
    out = tmp_path / "audit.jsonl.gz"
    out.write_bytes(b"earlier archive")
    with pytest.raises(InvalidInput) as refused:
        audit.archive(rt, ACTOR, before=days_ago(300), out=out)
    assert refused.value.detail.startswith("out: ") and "never overwritten" in refused.value.detail
    assert out.read_bytes() == b"earlier archive"
    assert stored(rt, old) == old


def test_issue12_deletion_not_matching_the_file_rolls_back(
    rt: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = add_rows(rt, 400)
    real = audit.store.delete_archived

    def one_short(conn: object, **kwargs: object) -> tuple[int, int]:
        count, id_sum = real(conn, **kwargs)  # type: ignore[arg-type]
        return count - 1, id_sum

    monkeypatch.setattr(audit.store, "delete_archived", one_short)
    out = tmp_path / "audit.jsonl.gz"
    mark = last_id(rt)
    with pytest.raises(Conflict, match="nothing deleted"):
        audit.archive(rt, ACTOR, before=days_ago(300), out=out)
    assert stored(rt, old) == old
    assert list(tmp_path.iterdir()) == []
    [record] = records_after(rt, mark)
    assert (record["action"], record["result"]) == ("audit.archive", "failed")


def test_issue12_nothing_old_writes_nothing(rt: Runtime, tmp_path: Path) -> None:
    before = datetime(1990, 1, 1, tzinfo=UTC)
    out = tmp_path / "audit.jsonl.gz"
    done = audit.archive(rt, ACTOR, before=before, out=out)
    assert (done.rows, done.path) == (0, None)
    assert list(tmp_path.iterdir()) == []


def test_issue12_delete_without_the_setting_still_refused(rt: Runtime) -> None:
    [old] = add_rows(rt, 400)
    with pytest.raises(DBAPIError, match=REFUSED), rt.write() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": old})
    assert stored(rt, [old]) == [old]


def test_issue12_delete_of_a_recent_row_refused_even_with_the_setting(rt: Runtime) -> None:
    [recent] = add_rows(rt, 179)
    with pytest.raises(DBAPIError, match=REFUSED), rt.write() as conn:
        conn.execute(text("SET LOCAL gridmap.audit_archive = 'on'"))
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": recent})
    assert stored(rt, [recent]) == [recent]


def test_issue12_update_and_truncate_still_refused_with_the_setting(rt: Runtime) -> None:
    [old] = add_rows(rt, 400)
    for statement in (
        "UPDATE audit_log SET result = 'changed' WHERE id = :id",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(DBAPIError, match=REFUSED), rt.write() as conn:
            conn.execute(text("SET LOCAL gridmap.audit_archive = 'on'"))
            conn.execute(text(statement), {"id": old})
    assert stored(rt, [old]) == [old]


def test_issue12_the_setting_ends_with_the_archive_transaction(rt: Runtime, tmp_path: Path) -> None:
    add_rows(rt, 400)
    audit.archive(rt, ACTOR, before=days_ago(300), out=tmp_path / "a.jsonl.gz")
    [later] = add_rows(rt, 400)
    with pytest.raises(DBAPIError, match=REFUSED), rt.write() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": later})
