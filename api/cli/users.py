"""``gridmap users``, ``gridmap tokens`` and ``gridmap audit``: principals and the audit log.

The local CLI reaches the database directly, so it acts with the machine owner's authority;
every write is still audited, under the OS user (``os:<user>``, source ``cli``). Passwords
are read from stdin only (never an argument, which ``ps`` and shell history would show).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.base import app, machine, runtime, say
from gis import clock
from gis.identity.records import Actor

if TYPE_CHECKING:
    from gis.identity.records import AuditRecord, TokenView, UserView
    from gis.usecases.audit import Archive

users_app = typer.Typer(
    help="Users: add, list, disable, enable, reset passwords.", no_args_is_help=True
)
tokens_app = typer.Typer(help="API tokens for scripts and integrators.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")

LoginArgument = Annotated[str, typer.Argument(help="the user's login")]
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="read the password from one line of stdin")
]


def cli_actor() -> Actor:
    """The CLI's principal: the OS user, as ``os:<user>`` from source ``cli``."""
    return machine().actor


def _password(from_stdin: bool) -> str:
    if not from_stdin:
        raise typer.BadParameter("give the password on stdin", param_hint="--password-stdin")
    return sys.stdin.readline().rstrip("\r\n")


def _rows(lines: list[str]) -> None:
    """Print tab-separated rows as they are (``say`` would expand the tabs: scripts cut them)."""
    for line in lines:
        typer.echo(line)


def _when(value: datetime | None) -> str:
    return clock.shown(value, seconds=True) if value is not None else "-"


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    login: LoginArgument,
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="admin | auditor | planner | drafter | dispatcher | handler | grid_worker | "
            "viewer | client",
        ),
    ],
    password_stdin: PasswordStdin = False,
    scope: Annotated[
        list[str] | None, typer.Option("--scope", help="an area code (repeatable)")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="display name (姓名)")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="phone (shown masked)")] = None,
) -> None:
    """Add a user with one role on its area scopes."""
    from gis.usecases import identity

    password = _password(password_stdin)
    with runtime(ctx) as rt:
        identity.add_user(
            rt,
            cli_actor(),
            login=login,
            role=role,
            scopes=scope or [],
            password=password,
            display_name=name,
            phone=phone,
        )
    say(f"user {login} added")


def _user_line(user: UserView) -> str:
    grants = ",".join(f"{g.role}@{g.scope}" if g.scope else g.role for g in user.grants)
    state = "enabled" if user.enabled else "disabled"
    locked = f"locked until {_when(user.locked_until)}" if user.locked_until else ""
    fields = [user.login, user.display_name or "-", user.phone or "-", state, grants, locked]
    return "\t".join(fields).rstrip()


@users_app.command("list")
def users_list(ctx: typer.Context) -> None:
    """List users: login, name, masked phone, state, grants (role@scope), lock."""
    from gis.usecases import identity

    with runtime(ctx) as rt:
        found = identity.list_users(rt)
    _rows([_user_line(user) for user in found])


def _set_enabled(ctx: typer.Context, login: str, enabled: bool) -> None:
    from gis.usecases import identity

    with runtime(ctx) as rt:
        before = identity.set_enabled(rt, cli_actor(), login=login, enabled=enabled)
    state = "enabled" if enabled else "disabled"
    say(f"user {login} {state}" + ("" if before != enabled else " (already)"))


@users_app.command("disable")
def users_disable(ctx: typer.Context, login: LoginArgument) -> None:
    """Disable a user (its tokens and sessions stop working)."""
    _set_enabled(ctx, login, enabled=False)


@users_app.command("enable")
def users_enable(ctx: typer.Context, login: LoginArgument) -> None:
    """Enable a disabled user."""
    _set_enabled(ctx, login, enabled=True)


@users_app.command("reset-password")
def users_reset_password(
    ctx: typer.Context, login: LoginArgument, password_stdin: PasswordStdin = False
) -> None:
    """Give a user a new password (read from stdin) and lift any lock."""
    from gis.usecases import identity

    password = _password(password_stdin)
    with runtime(ctx) as rt:
        identity.reset_password(rt, cli_actor(), login=login, password=password)
    say(f"user {login}: password reset")


@tokens_app.command("create")
def tokens_create(
    ctx: typer.Context,
    login: LoginArgument,
    expires: Annotated[str, typer.Option("--expires", help="lifetime: 90d, 12h or 30m")] = "90d",
    name: Annotated[str | None, typer.Option("--name", help="what the token is for")] = None,
) -> None:
    """Create a token for a user; prints the token alone on stdout (it is shown only once)."""
    from gis.usecases import identity

    with runtime(ctx) as rt:
        made = identity.create_token(rt, cli_actor(), login=login, expires=expires, name=name)
    typer.echo(made.text)


def _token_line(token: TokenView) -> str:
    state = f"revoked {_when(token.revoked_at)}" if token.revoked_at else "active"
    fields = [str(token.id), token.login, token.name, f"expires {_when(token.expires_at)}"]
    return "\t".join([*fields, f"last used {_when(token.last_used_at)}", state])


@tokens_app.command("list")
def tokens_list(
    ctx: typer.Context,
    login: Annotated[str | None, typer.Argument(help="only this user's tokens")] = None,
) -> None:
    """List tokens (id, login, name, expiry, last use, state); never the tokens themselves."""
    from gis.usecases import identity

    with runtime(ctx) as rt:
        found = identity.list_tokens(rt, login=login)
    _rows([_token_line(token) for token in found])


@tokens_app.command("revoke")
def tokens_revoke(
    ctx: typer.Context, token_id: Annotated[int, typer.Argument(metavar="ID", help="token id")]
) -> None:
    """Revoke a token."""
    from gis.usecases import identity

    with runtime(ctx) as rt:
        identity.revoke_token(rt, cli_actor(), token_id=token_id)
    say(f"token {token_id} revoked")


def _audit_line(record: AuditRecord) -> str:
    detail = json.dumps(record.detail, ensure_ascii=False) if record.detail else ""
    fields = [_when(record.at), record.principal, record.role or "-", record.source]
    return "\t".join([*fields, record.action, record.object or "-", record.result, detail])


audit_app = typer.Typer(help="The audit log: print records (no subcommand), archive old ones.")
app.add_typer(audit_app, name="audit")


@audit_app.callback(invoke_without_command=True)
def audit(
    ctx: typer.Context,
    principal: Annotated[str | None, typer.Option(help="only this principal")] = None,
    action: Annotated[str | None, typer.Option(help="only this action, e.g. users.add")] = None,
    since: Annotated[str | None, typer.Option(help="from this ISO 8601 time on")] = None,
    limit: Annotated[int, typer.Option(help="at most this many rows")] = 100,
) -> None:
    """Print audit records, newest first: time, principal, role, source, action, object, result."""
    if ctx.invoked_subcommand is not None:
        return
    from gis.usecases import identity
    from gis.values import optional_time

    start = optional_time(since, "since")
    with runtime(ctx) as rt:
        found = identity.audit_records(
            rt, principal=principal, action=action, since=start, limit=limit
        )
    _rows([_audit_line(record) for record in found])


@audit_app.command("archive")
def audit_archive(
    ctx: typer.Context,
    before: Annotated[
        str, typer.Option(help="archive the records older than this (at least 180 days ago)")
    ],
    out: Annotated[
        Path | None, typer.Option(help="the gzip JSON-lines file to write (FILE.jsonl.gz)")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="say what would be archived; write nothing")
    ] = False,
) -> None:
    """Move audit records older than --before to a file (+ FILE.sha256), then delete them."""
    from gis.usecases import audit as audit_log
    from gis.values import parse_time

    cutoff = parse_time(before, "before")
    with runtime(ctx) as rt:
        done = audit_log.archive(rt, cli_actor(), before=cutoff, out=out, dry_run=dry_run)
    say(_archive_summary(done))
    if done.sha256 is not None and done.path is not None:
        typer.echo(f"{done.sha256}  {done.path.name}")


def _archive_summary(done: Archive) -> str:
    before = clock.iso(done.before)
    if done.rows == 0:
        return f"no audit records before {before}; nothing archived"
    ids = f"ids {done.first_id}-{done.last_id}, {_when(done.first_at)} to {_when(done.last_at)}"
    if done.dry_run:
        return f"would archive {done.rows} audit records before {before} ({ids}); nothing written"
    assert done.path is not None
    return (
        f"archived {done.rows} audit records before {before} ({ids}) to {done.path}, "
        f"sha256 in {done.path.name}.sha256"
    )


@users_app.command("totp")
def users_totp(ctx: typer.Context, login: LoginArgument) -> None:
    """Give a user a new TOTP secret (动态口令); prints its otpauth:// URI for an authenticator.

    The URI holds the secret: hand it to the user alone (as text or a QR code). From now on
    the user's password logins need the current code; running this again replaces the secret.
    """
    from gis.usecases import identity

    with runtime(ctx) as rt:
        uri = identity.set_totp(rt, cli_actor(), login=login)
    typer.echo(uri)
