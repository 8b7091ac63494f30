"""The embedded default: a private cluster that starts once and is reused (real PostgreSQL)."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from gis.db import cluster, engine
from gis.errors import StoreUnavailable


@pytest.fixture
def private(monkeypatch: pytest.MonkeyPatch) -> Iterator[cluster.Cluster]:
    folder = Path(tempfile.mkdtemp(prefix="gridmap-cluster-"))
    folder.chmod(0o755)  # the postgres OS user must reach it when we are root
    local = cluster.Cluster(folder / "data")
    yield local
    cluster.stop(local)
    shutil.rmtree(folder, ignore_errors=True)


def postmaster_pid(local: cluster.Cluster) -> int:
    return int((local.pgdata / "postmaster.pid").read_text().splitlines()[0])


def test_up_creates_starts_and_is_idempotent(private: cluster.Cluster) -> None:
    cluster.up(private)
    assert cluster.is_running(private)
    port, pid = private.port(), postmaster_pid(private)
    url = private.url("demo")
    engine.ensure_database(url)
    assert engine.versions(url)["postgis"].startswith("3.")
    cluster.up(private)  # a second up reuses the running server
    assert (private.port(), postmaster_pid(private)) == (port, pid)
    assert cluster.stop(private) is True
    assert not cluster.is_running(private) and cluster.stop(private) is False


def test_restart_moves_off_a_taken_port(private: cluster.Cluster) -> None:
    cluster.up(private)
    cluster.stop(private)
    taken = private.port()
    assert taken is not None
    import socket

    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", taken))
        squatter.listen()
        cluster.start(private)
        assert private.port() != taken and cluster.is_running(private)


def test_server_runs_as_postgres_when_root(private: cluster.Cluster) -> None:
    cluster.up(private)
    owner = Path(f"/proc/{postmaster_pid(private)}/status").read_text()
    uid = next(line.split()[1] for line in owner.splitlines() if line.startswith("Uid:"))
    if os.geteuid() == 0:
        import pwd

        assert int(uid) == pwd.getpwnam("postgres").pw_uid
    else:
        assert int(uid) == os.geteuid()


def test_url_before_initdb_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match="run `gridmap db up`"):
        cluster.Cluster(tmp_path).url("gridmap")


def test_non_root_without_postgis_prints_the_apt_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster, "postgis_installed", lambda: False)
    monkeypatch.setattr(cluster.os, "geteuid", lambda: 1000)
    with pytest.raises(StoreUnavailable, match="apt-get install -y postgresql-15-postgis-3"):
        cluster.ensure_packages()


def test_unreachable_folder_falls_back_under_var_lib(tmp_path: Path) -> None:
    private_home = tmp_path / "home"
    private_home.mkdir(mode=0o700)
    chosen = cluster.reachable_data_dir(private_home / "checkout" / ".gridmap")
    if os.geteuid() == 0:
        assert chosen.parent == cluster.FALLBACK_ROOT
        assert chosen == cluster.reachable_data_dir(private_home / "checkout" / ".gridmap")
    else:
        assert chosen == private_home / "checkout" / ".gridmap"


def test_reachable_folder_is_kept() -> None:
    folder = Path(tempfile.mkdtemp(prefix="gridmap-reach-"))
    folder.chmod(0o755)
    assert cluster.reachable_data_dir(folder / ".gridmap") == folder / ".gridmap"
    shutil.rmtree(folder)
