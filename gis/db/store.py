"""Which PostGIS to use, and getting it ready: the embedded default or ``DATABASE_URL``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from gis.db import cluster, engine
from gis.settings import StoreSettings


def local_cluster(settings: StoreSettings) -> cluster.Cluster:
    """The embedded cluster under the settings' data directory.

    When we are root and the ``postgres`` OS user cannot reach that directory (a checkout
    under a private home folder), the cluster lives in ``/var/lib/gridmap/<hash>`` instead.
    """
    return cluster.Cluster(cluster.reachable_data_dir(settings.data_dir))


def database_url(settings: StoreSettings) -> str:
    """The URL of the store: the external one if set, else the local cluster's."""
    if settings.database_url:
        return settings.database_url
    return local_cluster(settings).url(settings.database_name)


def prepare(settings: StoreSettings, echo: Callable[[str], None] = print) -> str:
    """Start (embedded) or reach (external) the store, create the database, migrate it.

    Idempotent: a running local server is reused and migrations already applied are skipped.
    Returns the database URL.
    """
    if not settings.database_url:
        cluster.up(local_cluster(settings), echo=echo)
    url = database_url(settings)
    engine.ensure_database(url)
    engine.migrate(url)
    return url


@contextmanager
def open_engine(settings: StoreSettings) -> Iterator[Engine]:
    """An engine on the store (with the settings' timeouts) for a command, disposed afterwards."""
    sql = engine.make_engine(database_url(settings), timeouts=settings)
    try:
        yield sql
    finally:
        sql.dispose()
