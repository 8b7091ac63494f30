"""``gridmap users | tokens | audit`` end to end on PostGIS: contract, refusals, audit rows."""

import getpass

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner, Result

import api.cli.users  # noqa: F401  (registers the commands)
from api.cli import app
from gis.identity.passwords import verify_password
from gis.identity.tokens import token_hash
from gis.settings import StoreSettings

runner = CliRunner()
PASSWORD = "Grid-map-2026"
OS_USER = f"os:{getpass.getuser()}"
BOX = "MULTIPOLYGON(((116.34 39.99, 116.36 39.99, 116.36 40.01, 116.34 40.01, 116.34 39.99)))"
CHAIN = [
    ("district", "110108", None),
    ("subdistrict", "110108010", "110108"),
    ("community", "110108010019", "110108010"),
]


def gridmap(*args: object, stdin: str | None = None) -> Result:
    return runner.invoke(app, [str(a) for a in args], input=stdin, prog_name="gridmap")


@pytest.fixture
def store(cli_env: StoreSettings, empty_store: Engine) -> Engine:
    insert = text(
        "INSERT INTO areas (level, code, name, parent_code, geom) "
        "VALUES (:level, :code, :name, :parent, ST_GeomFromText(:wkt, 4326))"
    )
    with empty_store.begin() as conn:
        for level, code, parent in CHAIN:
            params = {"level": level, "code": code, "name": code, "parent": parent, "wkt": BOX}
            conn.execute(insert, params)
    return empty_store


def last_id(store: Engine) -> int:
    with store.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one())


def audit_rows(store: Engine, after: int) -> list[dict[str, object]]:
    query = text("SELECT * FROM audit_log WHERE id > :after ORDER BY id")
    with store.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(query, {"after": after})]


def add_wang(role: str = "planner", *scope: str) -> Result:
    scopes = [a for code in (scope or ("110108010019",)) for a in ("--scope", code)]
    args = ["users", "add", "wang", "--role", role, *scopes, "--name", "王力"]
    return gridmap(*args, "--phone", "13812345678", "--password-stdin", stdin=PASSWORD + "\n")


def test_issue12_users_add_and_list(store: Engine) -> None:
    first = last_id(store)
    added = add_wang()
    assert added.exit_code == 0, added.output
    assert added.stdout == "user wang added\n"
    listed = gridmap("users", "list")
    assert listed.exit_code == 0
    assert listed.stdout == "wang\t王力\t138****5678\tenabled\tplanner@110108010019\n"
    [row] = audit_rows(store, first)
    assert (row["principal"], row["source"], row["action"], row["object"], row["result"]) == (
        OS_USER,
        "cli",
        "users.add",
        "user:wang",
        "ok",
    )
    for shown in (added.output, listed.output, str(row)):
        assert PASSWORD not in shown and "13812345678" not in shown
    with store.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert verify_password(PASSWORD, stored)


def test_issue12_unknown_role_refused_naming_the_valid_ones(store: Engine) -> None:
    refused = add_wang("mayor")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "error: --role: unknown role 'mayor'; one of admin, auditor, planner, drafter, "
        "dispatcher, handler, grid_worker, viewer, client [InvalidInput]"
    )
    assert refused.stdout == ""


def test_issue12_unknown_scope_refused_naming_valid_ones(store: Engine) -> None:
    first = last_id(store)
    refused = add_wang("planner", "110108010099")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: --scope: no current area '110108010099'")
    assert "valid codes include 110108010019" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert gridmap("users", "list").stdout == ""
    [row] = audit_rows(store, first)
    assert (row["principal"], row["result"]) == (OS_USER, "refused")


def test_issue12_weak_password_refused_and_never_shown(store: Engine) -> None:
    first = last_id(store)
    weak = "wang-weak"
    args = ("users", "add", "wang", "--role", "viewer", "--scope", "110108", "--password-stdin")
    refused = gridmap(*args, stdin=weak + "\n")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: password: at least 12 characters")
    [row] = audit_rows(store, first)
    assert weak not in refused.output and weak not in str(row)


def test_issue12_password_only_from_stdin(store: Engine) -> None:
    refused = gridmap("users", "add", "wang", "--role", "viewer", "--scope", "110108")
    assert refused.exit_code == 2 and "--password-stdin" in refused.stderr


def test_issue12_disable_enable_reset(store: Engine) -> None:
    assert add_wang().exit_code == 0
    first = last_id(store)
    assert gridmap("users", "disable", "wang").stdout == "user wang disabled\n"
    assert "disabled" in gridmap("users", "list").stdout
    assert gridmap("users", "enable", "wang").stdout == "user wang enabled\n"
    new = "Another-pass-77"
    reset = gridmap("users", "reset-password", "wang", "--password-stdin", stdin=new + "\n")
    assert reset.exit_code == 0 and reset.stdout == "user wang: password reset\n"
    rows = audit_rows(store, first)
    assert [r["action"] for r in rows] == ["users.disable", "users.enable", "users.reset_password"]
    assert {r["principal"] for r in rows} == {OS_USER}
    assert all(new not in str(r) for r in rows) and new not in reset.output
    missing = gridmap("users", "disable", "zhao")
    assert missing.exit_code == 1 and missing.stderr.startswith("error: login: no user 'zhao'")


def test_issue12_token_printed_alone_verifies_against_its_hash(store: Engine) -> None:
    assert add_wang().exit_code == 0
    first = last_id(store)
    made = gridmap("tokens", "create", "wang", "--expires", "30m", "--name", "nightly")
    assert made.exit_code == 0, made.output
    token = made.stdout.removesuffix("\n")
    assert "\n" not in token and token.startswith("gm_") and made.stderr == ""
    with store.connect() as conn:
        stored = conn.execute(text("SELECT token_hash, name FROM api_tokens")).one()
    assert tuple(stored) == (token_hash(token), "nightly")
    [row] = audit_rows(store, first)
    assert (row["principal"], row["action"], row["result"]) == (OS_USER, "tokens.create", "ok")
    assert token not in str(row) and stored.token_hash not in str(row)
    listed = gridmap("tokens", "list", "wang")
    assert listed.exit_code == 0 and "\twang\tnightly\texpires " in listed.stdout
    assert token not in listed.stdout and stored.token_hash not in listed.stdout


def test_issue12_bad_expiry_refused_naming_the_option(store: Engine) -> None:
    assert add_wang().exit_code == 0
    refused = gridmap("tokens", "create", "wang", "--expires", "1y")
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr.startswith("error: --expires: '1y' is not a positive lifetime")


def test_issue12_tokens_revoke(store: Engine) -> None:
    assert add_wang().exit_code == 0
    assert gridmap("tokens", "create", "wang").exit_code == 0
    [token_id] = [line.split("\t")[0] for line in gridmap("tokens", "list").stdout.splitlines()]
    first = last_id(store)
    revoked = gridmap("tokens", "revoke", token_id)
    assert revoked.exit_code == 0 and revoked.stdout == f"token {token_id} revoked\n"
    assert "\trevoked " in gridmap("tokens", "list").stdout
    again = gridmap("tokens", "revoke", token_id)
    assert again.exit_code == 1 and "already revoked" in again.stderr
    rows = audit_rows(store, first)
    assert [(r["action"], r["result"]) for r in rows] == [
        ("tokens.revoke", "ok"),
        ("tokens.revoke", "refused"),
    ]
    assert all(r["principal"] == OS_USER for r in rows)


def test_issue12_audit_command_prints_rows(store: Engine) -> None:
    assert add_wang().exit_code == 0
    shown = gridmap("audit", "--principal", OS_USER, "--action", "users.add", "--limit", "1")
    assert shown.exit_code == 0, shown.output
    [line] = shown.stdout.splitlines()
    fields = line.split("\t")
    assert fields[1:7] == [OS_USER, "-", "cli", "users.add", "user:wang", "ok"]
    assert PASSWORD not in shown.stdout
    assert gridmap("audit", "--since", "2099-01-01").stdout == ""
    bad = gridmap("audit", "--since", "yesterday")
    assert bad.exit_code == 1 and bad.stderr.startswith("error: --since: 'yesterday'")
