"""What a bearer token costs GET /lookup: the same request without and with ``Authorization``.

Loads the 学院路 sample into the scratch database ``gridmap_bench`` (idempotent), makes a user
``bench-auth`` (viewer on the sample's subdistrict) and a token for it, serves the app with
uvicorn on a free loopback port (in a thread of this process, or ``--server process`` for
``gridmap serve`` in its own process), and times ``--requests`` sequential ``GET /lookup`` of a
point inside a sample grid without ``Authorization`` and as many with ``Authorization: Bearer
<token>``, interleaved in ``--rounds`` rounds (which goes first alternates) on one keep-alive
connection each. Prints the median and p95 of each, their ratio (the target is ≤ 1.10), and
whether the server checks a bearer token sent to a public route: a bogus one gets 401 when it
does ("auth checked: yes"); when it does not, both figures measure the same work.

    .venv/bin/python bench/auth_lookup.py [--requests 2000] [--rounds 20] [--server thread]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from sqlalchemy import make_url

from api.app import create_app
from gis.db import engine as db_engine
from gis.db import store
from gis.identity.records import Actor
from gis.settings import StoreSettings
from gis.usecases import identity
from gis.usecases.runtime import running
from gis.usecases.sample import load_sample

GRIDMAP = Path(sys.executable).with_name("gridmap")  # beside the interpreter running this
POINT = (116.3551, 40.0056)  # inside a 学院路 sample grid (the README's example)
LOGIN = "bench-auth"
PASSWORD = "Lookup-timing-2026"
SCOPE = "110108010"  # 学院路街道
ACTOR = Actor(principal="bench:auth_lookup", source="bench")
TARGET = 1.10


def bench_settings() -> StoreSettings:
    base = StoreSettings()
    if base.database_url:
        url = make_url(base.database_url).set(database="gridmap_bench")
        return StoreSettings(database_url=url.render_as_string(hide_password=False))
    return StoreSettings(database_name="gridmap_bench")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(url: str) -> str:
    """Load the sample, make the bench user when missing, and give it a new token."""
    with running(StoreSettings(database_url=url)) as rt:
        load_sample(rt)
        if all(user.login != LOGIN for user in identity.list_users(rt)):
            identity.add_user(
                rt, ACTOR, login=LOGIN, role="viewer", scopes=[SCOPE], password=PASSWORD
            )
        return identity.create_token(rt, ACTOR, login=LOGIN, expires="1h", name="bench").text


@contextmanager
def thread_server(url: str, port: int) -> Iterator[str]:
    """The app under uvicorn in a thread of this process (no access log)."""
    app = create_app(StoreSettings(database_url=url))
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            access_log=False, lifespan="on")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise SystemExit("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield "uvicorn in a thread of this process, 1 worker, no access log"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


@contextmanager
def process_server(url: str, port: int) -> Iterator[str]:
    """``gridmap serve --workers 1 --no-access-log`` in its own process."""
    env = {**os.environ, "GRIDMAP_DATABASE_URL": url}
    env.pop("DATABASE_URL", None)
    command = [str(GRIDMAP), "serve", "--workers", "1", "--no-access-log", "--port", str(port)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while not answers(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gridmap serve did not start (exit {server.poll()})")
            time.sleep(0.2)
        yield "gridmap serve --workers 1 --no-access-log, its own process"
    finally:
        server.terminate()
        server.wait(timeout=20)


def answers(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False


def get(connection: http.client.HTTPConnection, path: str, headers: dict[str, str]) -> int:
    connection.request("GET", path, headers=headers)
    answer = connection.getresponse()
    answer.read()
    return answer.status


def timed(
    connection: http.client.HTTPConnection, path: str, headers: dict[str, str], count: int
) -> list[float]:
    """Seconds of each of ``count`` sequential requests (each must answer 200)."""
    times = []
    for _ in range(count):
        start = time.perf_counter()
        status = get(connection, path, headers)
        times.append(time.perf_counter() - start)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def measure(port: int, path: str, token: str, requests: int, rounds: int) -> dict[str, list[float]]:
    """Interleaved rounds of plain and bearer requests, each kind on its own connection."""
    kinds: dict[str, dict[str, str]] = {"none": {}, "bearer": {"Authorization": f"Bearer {token}"}}
    connections = {k: http.client.HTTPConnection("127.0.0.1", port, timeout=30) for k in kinds}
    for kind, headers in kinds.items():  # warm: the index, the pool, the token's row
        timed(connections[kind], path, headers, 200)
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    per_round = requests // rounds
    for number in range(rounds):
        order = list(kinds) if number % 2 == 0 else list(reversed(kinds))
        for kind in order:
            times[kind] += timed(connections[kind], path, kinds[kind], per_round)
    return times


def auth_checked(port: int, path: str, token: str) -> tuple[bool, int, int]:
    """Whether a bogus bearer token is refused (401); the statuses of bogus and real tokens."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    bogus = get(connection, path, {"Authorization": "Bearer gm_" + "x" * 43})
    real = get(connection, "/auth/me", {"Authorization": f"Bearer {token}"})
    return bogus == 401, bogus, real


def located(port: int, path: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    grid = json.loads(connection.getresponse().read())["grid"]
    if grid is None:
        raise SystemExit(f"{path}: the point is in no grid")
    return str(grid["code"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="per kind")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--server", choices=["thread", "process"], default="thread")
    args = parser.parse_args()

    url = store.prepare(bench_settings(), echo=lambda line: None)
    token = prepare(url)
    port = free_port()
    path = f"/lookup?lon={POINT[0]}&lat={POINT[1]}"
    server = thread_server if args.server == "thread" else process_server
    with server(url, port) as described:
        grid = located(port, path)
        checked, bogus, real = auth_checked(port, path, token)
        times = measure(port, path, token, args.requests, args.rounds)
    report(url, described, path, grid, args, times)
    print(f"auth checked: {'yes' if checked else 'no'} (GET /lookup with a bogus bearer token: "
          f"{bogus}; GET /auth/me with the real one: {real})")  # fmt: skip


def report(
    url: str,
    described: str,
    path: str,
    grid: str,
    args: argparse.Namespace,
    times: dict[str, list[float]],
) -> None:
    count = len(times["none"])
    print(f"python {sys.version.split()[0]}, store {db_engine.display_url(url)}")
    print(f"server: {described}; load average {os.getloadavg()[0]:.2f}")
    print(f"GET {path} (grid {grid}): {count} requests of each kind, {args.rounds} interleaved "
          "rounds, sequential, one keep-alive connection per kind")  # fmt: skip
    labels = {"none": "no Authorization", "bearer": "Authorization: Bearer"}
    for kind, label in labels.items():
        ms = [t * 1000 for t in times[kind]]
        print(f"  {label:<22} median {statistics.median(ms):6.3f} ms   p95 {p95(ms):6.3f} ms")
    median = statistics.median(times["bearer"]) / statistics.median(times["none"])
    tail = p95(times["bearer"]) / p95(times["none"])
    verdict = "met" if median <= TARGET else "NOT met"
    print(
        f"  bearer / none: median {median:.3f}x, p95 {tail:.3f}x (target ≤ {TARGET:.2f}: {verdict})"
    )


if __name__ == "__main__":
    main()
