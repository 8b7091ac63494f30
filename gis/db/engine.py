"""Engines, the database behind a URL, and schema migrations (Alembic)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gis.errors import StoreRefused, StoreTimeout, StoreUnavailable
from gis.settings import StoreSettings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
EXTENSIONS = ("postgis", "btree_gist")


def make_engine(url: str, *, timeouts: StoreSettings | None = None, **kwargs: object) -> Engine:
    """A SQLAlchemy engine for ``url`` (``postgresql://`` is read as psycopg 3).

    With ``timeouts`` every connection of the engine has the settings' connect, statement, lock
    and idle-in-transaction timeouts, and waits for a free connection of the pool at most the
    lock timeout; without, PostgreSQL's own defaults (none) apply, as migrations want.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if timeouts is not None:
        kwargs = {"connect_args": timeout_args(timeouts), **kwargs}
        if timeouts.lock_timeout and kwargs.get("poolclass") is None:
            kwargs.setdefault("pool_timeout", timeouts.lock_timeout)
    # parameters carry reporters' names and phones: never in an exception text or a log
    return create_engine(parsed, pool_pre_ping=True, hide_parameters=True, **kwargs)


def timeout_args(settings: StoreSettings) -> dict[str, object]:
    """The libpq connection arguments that set the timeouts of ``settings``.

    PostgreSQL takes milliseconds (0 turns a timeout off); libpq waits at least 2 s to connect.

    Examples
    --------
    >>> timeout_args(StoreSettings(statement_timeout=1.5, lock_timeout=0))["options"]
    '-c statement_timeout=1500 -c lock_timeout=0 -c idle_in_transaction_session_timeout=10000'
    """
    limits = {
        "statement_timeout": settings.statement_timeout,
        "lock_timeout": settings.lock_timeout,
        "idle_in_transaction_session_timeout": settings.idle_in_transaction_timeout,
    }
    options = " ".join(f"-c {name}={round(seconds * 1000)}" for name, seconds in limits.items())
    return {"connect_timeout": max(2, math.ceil(settings.connect_timeout)), "options": options}


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` when missing, with PostGIS and btree_gist."""
    parsed = make_url(url)
    admin = make_engine(
        parsed.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    except OperationalError as exc:
        raise StoreUnavailable(
            f"cannot reach PostgreSQL at {parsed.host}:{parsed.port}: {exc.orig}"
        ) from exc
    finally:
        admin.dispose()
    create_extensions(url)


def create_extensions(url: str) -> None:
    """``CREATE EXTENSION IF NOT EXISTS`` postgis and btree_gist in the database of ``url``."""
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for name in EXTENSIONS:
                conn.execute(text(f"CREATE EXTENSION IF NOT EXISTS {name}"))
    except (OperationalError, ProgrammingError) as exc:
        statements = "; ".join(f"CREATE EXTENSION {name}" for name in EXTENSIONS)
        raise StoreUnavailable(
            f"database: cannot create the extensions ({_first_line(exc)}); "
            f"as a superuser of that database run: {statements}"
        ) from exc
    finally:
        engine.dispose()


def alembic_config(url: str) -> Config:
    """Alembic configuration for the packaged migrations, pointing at ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the schema of ``url`` to ``revision`` (the extensions first, where permitted)."""
    create_extensions(url)
    try:
        command.upgrade(alembic_config(url), revision)
    except DBAPIError as exc:
        reason = _first_line(exc)
        raise StoreUnavailable(f"migrate: the store refused the schema: {reason}") from exc


def server_versions(conn: Connection) -> dict[str, str]:
    """PostgreSQL and PostGIS versions seen through ``conn``."""
    pg = conn.execute(text("SHOW server_version")).scalar_one()
    postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar_one()
    return {"postgresql": str(pg), "postgis": str(postgis)}


def versions(url: str) -> dict[str, str]:
    """PostgreSQL and PostGIS versions of the database at ``url``."""
    engine = make_engine(url)
    try:
        with connect(engine) as conn:
            return server_versions(conn)
    finally:
        engine.dispose()


def display_url(url: str) -> str:
    """``url`` with any password masked, for printing."""
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def connect(engine: Engine, *, autocommit: bool = True) -> Iterator[Connection]:
    """A read connection; a store unreachable raises `StoreUnavailable`, too slow `StoreTimeout`.

    Too slow: a connection, a statement or a lock not had within its timeout. A read connection
    runs each statement on its own (``autocommit``): under PostgreSQL's READ COMMITTED each
    statement saw its own snapshot anyway, and so a read never holds a transaction open — idle —
    while Python computes between its statements (which the idle-in-transaction timeout would
    end). A read that needs one snapshot begins its own transaction (`gis.db.lookup`).
    """
    try:
        conn = engine.connect()
    except PoolTimeout as exc:
        raise StoreTimeout("database: no free connection in the pool in time") from exc
    except OperationalError as exc:
        raise _unavailable(exc, "cannot connect: ") from exc
    if autocommit:
        conn.execution_options(isolation_level="AUTOCOMMIT")  # reset when back in the pool
    try:
        yield conn
    except DBAPIError as exc:
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            raise _unavailable(exc) from exc
        raise
    finally:
        conn.close()


TIMED_OUT = {
    "57014": "a statement ran longer than the statement timeout",
    "55P03": "a lock was not granted within the lock timeout",
    "25P03": "a transaction sat idle longer than the idle-in-transaction timeout",
}
"""SQLSTATEs of PostgreSQL's timeouts, and what each means."""


def _unavailable(exc: DBAPIError, prefix: str = "") -> StoreUnavailable:
    """`StoreTimeout` for a timeout (its SQLSTATE, psycopg's connect timeout), else unavailable.

    The reason is for the server's log: the HTTP edge tells a caller only which of the two.
    """
    state = getattr(exc.orig, "sqlstate", None)
    reason = _first_line(exc)
    if state in TIMED_OUT:
        return StoreTimeout(f"database: {TIMED_OUT[state]} ({reason})")
    if "timeout expired" in reason:
        return StoreTimeout(f"database: {prefix}{reason}")
    return StoreUnavailable(f"database: {prefix}{reason}")


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig or exc).strip().splitlines()[0]


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction: committed on success, rolled back on any error."""
    with connect(engine, autocommit=False) as conn, conn.begin():
        yield conn


@contextmanager
def store_refused(what: str = "row") -> Iterator[None]:
    """Turn a value the database refuses into `StoreRefused` (a 4xx naming ``what``).

    Constraints, types and unstorable characters are the caller's input; a lost connection is
    re-raised as is.
    """
    try:
        yield
    except OperationalError:
        raise
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreRefused(f"{what}: the store refused it: {reason}") from exc
