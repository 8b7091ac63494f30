"""The embedded default store: a private PostgreSQL + PostGIS cluster under the data directory.

``up`` installs Debian's ``postgresql-15-postgis-3`` when missing (root only), runs ``initdb``
once, starts the server on 127.0.0.1 on a free port (as the ``postgres`` OS user when invoked
as root, since PostgreSQL refuses to run as root), creates the database with the PostGIS
extension, and is idempotent: a second ``up`` reuses the running server.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gis.errors import StoreUnavailable

APT_PACKAGE = "postgresql-15-postgis-3"
APT_COMMAND = f"apt-get update && apt-get install -y {APT_PACKAGE}"
SUPERUSER = "postgres"
FALLBACK_ROOT = Path("/var/lib/gridmap")


@dataclass(frozen=True)
class Cluster:
    """A local cluster rooted at ``data_dir`` (``pgdata/``, ``port``, ``server.log`` inside)."""

    data_dir: Path

    @property
    def pgdata(self) -> Path:
        """The PostgreSQL data directory."""
        return self.data_dir / "pgdata"

    @property
    def log_file(self) -> Path:
        """The server log."""
        return self.data_dir / "server.log"

    @property
    def port_file(self) -> Path:
        """Where the chosen port is remembered."""
        return self.data_dir / "port"

    def port(self) -> int | None:
        """The port the cluster was set up with, or None before ``initdb``."""
        try:
            return int(self.port_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    def url(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` in this cluster."""
        port = self.port()
        if port is None:
            raise StoreUnavailable(f"no local cluster under {self.data_dir}: run `gridmap db up`")
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/{database}"


def bindir() -> Path:
    """Directory of ``initdb``/``pg_ctl``: ``pg_config --bindir``, else Debian's default."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        candidate = Path(out.stdout.strip())
        if (candidate / "initdb").exists():
            return candidate
    for version in ("15", "16", "17"):
        candidate = Path(f"/usr/lib/postgresql/{version}/bin")
        if (candidate / "initdb").exists():
            return candidate
    raise StoreUnavailable(f"PostgreSQL server binaries not found; install them: {APT_COMMAND}")


def postgis_installed() -> bool:
    """True when a PostGIS extension control file is present for an installed server."""
    return any(Path("/usr/share/postgresql").glob("*/extension/postgis.control"))


def ensure_packages(echo: Callable[[str], None] = print) -> None:
    """Install PostgreSQL + PostGIS with apt when missing (root only)."""
    if postgis_installed() and _has_server():
        return
    if os.geteuid() != 0:
        raise StoreUnavailable(f"PostGIS is not installed; as root run: {APT_COMMAND}")
    echo(f"installing {APT_PACKAGE} with apt-get …")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", APT_PACKAGE]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:]
            raise StoreUnavailable(f"`{' '.join(cmd)}` failed: {' '.join(tail)}")


def _has_server() -> bool:
    try:
        bindir()
    except StoreUnavailable:
        return False
    return True


def _as_server_user(cmd: list[str]) -> list[str]:
    """Run as ``postgres`` when we are root (PostgreSQL refuses to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", SUPERUSER, "--", *cmd]
    return cmd


def _run(cmd: list[str], what: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().replace("\n", " ")
        raise StoreUnavailable(f"{what} failed: {message}")
    return done


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """True when nothing listens on 127.0.0.1:``port``."""
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def reachable_data_dir(wanted: Path) -> Path:
    """``wanted``, or a fallback under /var/lib/gridmap when postgres cannot reach it (root)."""
    if os.geteuid() != 0 or _postgres_can_write(wanted):
        return wanted
    digest = hashlib.sha1(str(wanted.resolve()).encode()).hexdigest()[:12]
    return FALLBACK_ROOT / digest


def _postgres_can_write(folder: Path) -> bool:
    """Whether postgres can enter the nearest existing ancestor (root creates the rest)."""
    ancestor = folder.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    cmd = ["runuser", "-u", SUPERUSER, "--", "test", "-x", str(ancestor)]
    return subprocess.run(cmd, check=False, capture_output=True).returncode == 0


def _prepare_dirs(cluster: Cluster) -> None:
    cluster.data_dir.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(cluster.data_dir, user=SUPERUSER, group=SUPERUSER)
        probe = subprocess.run(
            ["runuser", "-u", SUPERUSER, "--", "test", "-w", str(cluster.data_dir)],
            check=False,
        )
        if probe.returncode != 0:
            raise StoreUnavailable(
                f"the postgres user cannot write {cluster.data_dir}: make its parent folders "
                "traversable (chmod o+x) or set GRIDMAP_DATA_DIR to another folder"
            )


def initdb(cluster: Cluster) -> None:
    """Create the cluster once, listening only on 127.0.0.1, trusting local connections."""
    if (cluster.pgdata / "PG_VERSION").exists():
        return
    _prepare_dirs(cluster)
    _run(
        [
            str(bindir() / "initdb"),
            "-D",
            str(cluster.pgdata),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        "initdb",
    )
    _write_port(cluster, free_port())


def _write_port(cluster: Cluster, port: int) -> None:
    cluster.port_file.write_text(f"{port}\n")


def is_running(cluster: Cluster) -> bool:
    """True when the cluster's postmaster is running."""
    if not (cluster.pgdata / "PG_VERSION").exists():
        return False
    cmd = [str(bindir() / "pg_ctl"), "status", "-D", str(cluster.pgdata)]
    done = subprocess.run(_as_server_user(cmd), capture_output=True, text=True, check=False)
    return done.returncode == 0


def start(cluster: Cluster, timeout: float = 60.0) -> None:
    """Start the server if it is not running, moving to a free port if ours was taken."""
    if is_running(cluster):
        return
    port = cluster.port()
    if port is None or not port_is_free(port):
        _write_port(cluster, free_port())
    options = f"-h 127.0.0.1 -p {cluster.port()} -k {shlex.quote(str(cluster.pgdata))}"
    cmd = [str(bindir() / "pg_ctl"), "start", "-w", "-t", str(int(timeout)), "-o", options]
    _run([*cmd, "-D", str(cluster.pgdata), "-l", str(cluster.log_file)], "pg_ctl start")
    _wait_ready(cluster, timeout)


def _wait_ready(cluster: Cluster, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    isready = [str(bindir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(cluster.port())]
    while time.monotonic() < deadline:
        if subprocess.run(isready, capture_output=True, check=False).returncode == 0:
            return
        time.sleep(0.2)
    raise StoreUnavailable(
        f"server did not accept connections in {timeout:.0f} s; see {cluster.log_file}"
    )


def stop(cluster: Cluster) -> bool:
    """Stop the server; False when it was not running."""
    if not is_running(cluster):
        return False
    cmd = [str(bindir() / "pg_ctl"), "stop", "-m", "fast", "-w", "-D", str(cluster.pgdata)]
    _run(cmd, "pg_ctl stop")
    return True


def up(cluster: Cluster, echo: Callable[[str], None] = print) -> None:
    """Install (when missing), initialise (once) and start the cluster."""
    ensure_packages(echo)
    initdb(cluster)
    start(cluster)
