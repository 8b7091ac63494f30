"""``gridmap audit archive`` end to end on PostGIS; ``gridmap audit`` still lists.

The audit log is never emptied, so rows are told apart by id (an archive may also take old
rows an earlier test left: the file is compared with the ids the store held before it ran).
"""

import gzip
import hashlib
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text
from typer.testing import CliRunner, Result

import api.cli.users  # noqa: F401  (registers the commands)
from api.cli import app
from gis import clock
from gis.settings import StoreSettings

runner = CliRunner()
_OLD = text(
    "INSERT INTO audit_log (at, principal, source, action, result) "
    "VALUES (now() - make_interval(days => :days), 'test:old', 'test', 'test.old', 'ok') "
    "RETURNING id"
)


def gridmap(*args: object) -> Result:
    return runner.invoke(app, [str(a) for a in args], prog_name="gridmap")


def add_rows(engine: Engine, *days_ago: int) -> list[int]:
    with engine.begin() as conn:
        return [int(conn.execute(_OLD, {"days": d}).scalar_one()) for d in days_ago]


def ids(engine: Engine, where: str, **params: object) -> list[int]:
    with engine.connect() as conn:
        query = text(f"SELECT id FROM audit_log WHERE {where} ORDER BY id")
        return list(conn.execute(query, params).scalars())


def midnight(date: str) -> datetime:
    """A date as the CLI reads it: midnight in the configured zone."""
    return clock.local(datetime.fromisoformat(date))


def date_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).date().isoformat()


def test_issue12_audit_archive_writes_checks_and_deletes(
    cli_env: StoreSettings, empty_store: Engine, tmp_path: Path
) -> None:
    old = add_rows(empty_store, 420, 410)
    kept = add_rows(empty_store, 200)
    before = date_ago(300)
    expected = ids(empty_store, "at < :before", before=midnight(before))
    assert set(old) <= set(expected)
    out = tmp_path / "audit-2025.jsonl.gz"

    done = gridmap("audit", "archive", "--before", before, "--out", out)

    assert done.exit_code == 0, done.output
    summary, checksum = done.stdout.splitlines()
    assert summary.startswith(f"archived {len(expected)} audit records before {before}T00:00:00")
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert checksum == f"{digest}  {out.name}"
    checked = subprocess.run(
        ["sha256sum", "-c", f"{out.name}.sha256"], cwd=tmp_path, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    with gzip.open(out, "rt", encoding="utf-8") as lines:
        assert [json.loads(line)["id"] for line in lines] == expected
    assert ids(empty_store, "id = ANY(:ids)", ids=old + kept) == kept
    listed = gridmap("audit", "--action", "audit.archive", "--limit", "1")
    assert listed.exit_code == 0, listed.output
    assert "\taudit.archive\taudit_log\tok\t" in listed.stdout and digest in listed.stdout


def test_issue12_audit_archive_refuses_a_recent_before(
    cli_env: StoreSettings, empty_store: Engine, tmp_path: Path
) -> None:
    old = add_rows(empty_store, 400)
    out = tmp_path / "audit.jsonl.gz"
    refused = gridmap("audit", "archive", "--before", date_ago(30), "--out", out)
    assert refused.exit_code == 1 and refused.stdout == ""
    [line] = refused.stderr.splitlines()
    assert line.startswith("error: --before: ") and line.endswith("or earlier [InvalidInput]")
    assert date_ago(180) in line or date_ago(181) in line
    assert list(tmp_path.iterdir()) == []
    assert ids(empty_store, "id = ANY(:ids)", ids=old) == old


def test_issue12_audit_archive_dry_run(
    cli_env: StoreSettings, empty_store: Engine, tmp_path: Path
) -> None:
    old = add_rows(empty_store, 400)
    before = date_ago(300)
    expected = ids(empty_store, "at < :before", before=midnight(before))
    shown = gridmap("audit", "archive", "--before", before, "--dry-run")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith(f"would archive {len(expected)} audit records before ")
    assert shown.stdout.rstrip().endswith("nothing written")
    assert ids(empty_store, "id = ANY(:ids)", ids=old) == old
    assert list(tmp_path.iterdir()) == []


def test_issue12_audit_archive_needs_before_and_out(
    cli_env: StoreSettings, empty_store: Engine, tmp_path: Path
) -> None:
    missing = gridmap("audit", "archive", "--out", tmp_path / "a.jsonl.gz")
    assert missing.exit_code == 2 and "--before" in missing.stderr
    no_out = gridmap("audit", "archive", "--before", date_ago(300))
    assert no_out.exit_code == 1
    assert no_out.stderr.startswith("error: --out: give the file")


def test_issue12_audit_still_lists_without_a_subcommand(
    cli_env: StoreSettings, empty_store: Engine
) -> None:
    [row] = add_rows(empty_store, 0)
    listed = gridmap("audit", "--principal", "test:old", "--limit", "1")
    assert listed.exit_code == 0, listed.output
    [line] = listed.stdout.splitlines()
    assert line.split("\t")[1:7] == ["test:old", "-", "test", "test.old", "-", "ok"]
    assert row in ids(empty_store, "principal = 'test:old'")
    helped = gridmap("audit", "--help")
    assert helped.exit_code == 0 and "archive" in helped.stdout
