"""POST /lookup with a 1,000,000-point GeoJSON batch while another client does single GETs.

Issue 11, item 5: a documented limit must be served without blocking other clients. Starts
``gridmap serve`` (2 workers, no access log, as the README's production line; ``--workers 1``
puts the peer on the batch's worker, the worst case) on the demo database, writes a
FeatureCollection of ``--points`` random points over the 学院路 grids (113 MB for a million),
then:

1. the peer alone: ``wrk --latency`` of single ``GET /lookup`` for ``--seconds``;
2. the peer again while the batch is posted and its answer read to the end (wrk is stopped with
   SIGINT when the answer is complete).

It prints the peer's requests/s, p50 and p99 in both runs, the batch's time to the first byte
and in all, the rows answered, and the workers' resident memory before and at its peak
(``VmRSS`` sampled every 50 ms, and ``VmHWM``, from ``/proc``).

    .venv/bin/python bench/lookup_batch.py [--points 1000000] [--workers 2] [--seconds 10]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import geopandas as gpd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_lookup import (  # the sibling bench (this folder is on the path)
    GRIDMAP,
    GRIDS,
    ensure_wrk,
    free_port,
    lua_script,
    parse,
    sample_points,
    wait_ready,
    warm,
)


def write_batch(path: Path, count: int) -> int:
    """A FeatureCollection of ``count`` points in the grids' bounds; its size in bytes."""
    west, south, east, north = gpd.read_file(GRIDS).total_bounds
    rng = random.Random(11)
    with path.open("w") as out:
        out.write('{"type":"FeatureCollection","features":[\n')
        for i in range(count):
            x, y = rng.uniform(west, east), rng.uniform(south, north)
            out.write(
                ("," if i else "") + f'{{"type":"Feature","id":{i},"geometry":{{"type":"Point",'
                f'"coordinates":[{x:.6f},{y:.6f}]}},"properties":{{}}}}\n'
            )
        out.write("]}\n")
    return path.stat().st_size


def workers_of(server: int) -> list[int]:
    """The worker processes of the server (its children that run the app)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if parent == server and b"resource_tracker" not in cmdline:
            found.append(int(entry.name))
    return found


def memory_mb(pid: int, field: str) -> float:
    """``VmRSS`` or ``VmHWM`` of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


class RssSampler(threading.Thread):
    """The largest ``VmRSS`` of each worker, sampled every 50 ms until stopped."""

    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = dict.fromkeys(pids, 0.0)
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], memory_mb(pid, "VmRSS"))
            time.sleep(0.05)


def post_batch(port: int, path: Path) -> dict[str, float]:
    """Send the batch, read the answer to the end: seconds to the first byte, in all, rows."""
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    with path.open("rb") as body:
        conn.request(
            "POST",
            "/lookup",
            body=body,
            headers={
                "content-type": "application/geo+json",
                "content-length": str(path.stat().st_size),
            },
        )
        response = conn.getresponse()
        first = response.read(1)
        first_byte = time.monotonic() - start
        lines = first.count(b"\n")
        while part := response.read(1 << 20):
            lines += part.count(b"\n")
    conn.close()
    return {
        "status": response.status,
        "first_byte_s": first_byte,
        "total_s": time.monotonic() - start,
        "rows": lines - 1,  # the CSV header
    }


def wrk_command(wrk: str, lua: str, base: str, seconds: int) -> list[str]:
    return [wrk, "-t1", "-c2", f"-d{seconds}s", "--latency", "-s", lua, f"{base}/lookup"]


def peer_with_batch(
    command: list[str], port: int, path: Path, pids: list[int]
) -> tuple[dict[str, str], dict[str, float], RssSampler]:
    """Run the peer while the batch is answered; stop it when the answer is complete."""
    sampler = RssSampler(pids)
    sampler.start()
    peer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)  # the peer is running before the batch starts
    batch = post_batch(port, path)
    peer.send_signal(signal.SIGINT)  # wrk prints its figures on SIGINT
    output, _ = peer.communicate(timeout=30)
    sampler.done.set()
    sampler.join()
    return parse(output), batch, sampler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    wrk = ensure_wrk()
    subprocess.run([str(GRIDMAP), "demo", "--no-serve"], check=True, capture_output=True)
    folder = Path(tempfile.mkdtemp(prefix="gridmap-bench-"))
    batch_file = folder / "batch.geojson"
    size = write_batch(batch_file, args.points)
    print(f"batch: {args.points:,} GeoJSON points, {size / 1e6:.1f} MB")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve = [str(GRIDMAP), "serve", "--workers", str(args.workers), "--no-access-log"]
    print("server:", " ".join(["gridmap", *serve[1:], "--port", str(port)]))
    server = subprocess.Popen(
        [*serve, "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_ready(base, server)
        points = sample_points()
        for _ in range(4 * args.workers):  # every worker builds its index before measuring
            warm(base, points)
        lua = folder / "peer.lua"
        lua.write_text(lua_script(points))
        pids = workers_of(server.pid) or [server.pid]  # one worker: uvicorn runs it in-process
        before = {pid: memory_mb(pid, "VmRSS") for pid in pids}
        alone = subprocess.run(
            wrk_command(wrk, str(lua), base, args.seconds), capture_output=True, text=True
        )
        peer = parse(alone.stdout)
        loaded, batch, sampler = peer_with_batch(
            wrk_command(wrk, str(lua), base, 600), port, batch_file, pids
        )
        hwm = {pid: memory_mb(pid, "VmHWM") for pid in pids}
        alive = server.poll() is None and (workers_of(server.pid) or [server.pid]) == pids
    finally:
        server.terminate()
        server.wait(timeout=30)
        for leftover in folder.iterdir():
            leftover.unlink()
        os.rmdir(folder)
    report(peer, loaded, batch, before, sampler.peak, hwm, alive=alive)


def report(
    alone: dict[str, str],
    loaded: dict[str, str],
    batch: dict[str, float],
    before: dict[int, float],
    peak: dict[int, float],
    hwm: dict[int, float],
    *,
    alive: bool,
) -> None:
    print(
        f"peer GET /lookup alone:      {alone['requests/s']} requests/s, "
        f"p50 {alone['p50']}, p99 {alone['p99']}"
    )
    print(
        f"peer GET /lookup with batch: {loaded['requests/s']} requests/s, "
        f"p50 {loaded['p50']}, p99 {loaded['p99']}"
    )
    print(
        f"batch: HTTP {batch['status']}, {batch['rows']:,} rows, first byte after "
        f"{batch['first_byte_s']:.1f} s, complete after {batch['total_s']:.1f} s "
        f"({batch['rows'] / batch['total_s']:,.0f} points/s)"
    )
    for pid in before:
        print(
            f"worker {pid}: RSS {before[pid]:.0f} MB before, peak {peak[pid]:.0f} MB "
            f"during the batch (VmHWM {hwm[pid]:.0f} MB)"
        )
    print(f"workers all alive, none restarted: {alive}")


if __name__ == "__main__":
    main()
