"""Engines, the database behind a URL, and schema migrations (Alembic)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError, ProgrammingError

from gis.errors import StoreRefused, StoreUnavailable

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
EXTENSIONS = ("postgis", "btree_gist")


def make_engine(url: str, **kwargs: object) -> Engine:
    """A SQLAlchemy engine for ``url`` (``postgresql://`` is read as psycopg 3)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    # parameters carry reporters' names and phones: never in an exception text or a log
    return create_engine(parsed, pool_pre_ping=True, hide_parameters=True, **kwargs)


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
def connect(engine: Engine) -> Iterator[Connection]:
    """A read connection; an unreachable store raises `StoreUnavailable`."""
    try:
        conn = engine.connect()
    except OperationalError as exc:
        raise StoreUnavailable(
            f"database: cannot connect: {str(exc.orig).strip().splitlines()[0]}"
        ) from exc
    try:
        yield conn
    except DBAPIError as exc:
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            raise StoreUnavailable(f"database: {_first_line(exc)}") from exc
        raise
    finally:
        conn.close()


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig or exc).strip().splitlines()[0]


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in one transaction: committed on success, rolled back on any error."""
    with connect(engine) as conn, conn.begin():
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
