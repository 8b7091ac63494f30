"""A throwaway PostgreSQL of one's own, and freezing it (SIGSTOP) — never the shared cluster."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gis.db import cluster
from gis.db.engine import ensure_database


@contextmanager
def throwaway_cluster(database: str = "frozen") -> Iterator[tuple[cluster.Cluster, str]]:
    """A cluster in a temporary folder with a PostGIS ``database``; stopped and removed after."""
    folder = Path(tempfile.mkdtemp(prefix="gridmap-frozen-"))
    folder.chmod(0o755)  # the postgres OS user must reach it when we are root
    local = cluster.Cluster(folder / "data")
    try:
        cluster.up(local, echo=lambda line: None)
        url = local.url(database)
        ensure_database(url)
        yield local, url
    finally:
        cluster.stop(local)
        shutil.rmtree(folder, ignore_errors=True)


def server_pids(local: cluster.Cluster) -> list[int]:
    """The postmaster and its children (the backends and the auxiliary processes)."""
    postmaster = int((local.pgdata / "postmaster.pid").read_text().splitlines()[0])
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == postmaster:
            children.append(int(stat.parent.name))
    return [postmaster, *children]


@contextmanager
def frozen(local: cluster.Cluster) -> Iterator[None]:
    """Every process of the cluster stopped (SIGSTOP) for the block, continued afterwards."""
    pids = server_pids(local)
    try:
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        yield
    finally:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)
