"""GET /lookup over HTTP on loopback: requests/s, p50 and p99 from wrk.

Starts ``gridmap serve`` with the production settings of the README (2 workers, uvloop and
httptools, no access log) against the store (the demo database with the 学院路 sample, which
this script loads when missing), then runs ``wrk --latency`` for 10 s with a Lua script that
cycles through points inside the sample grids, prints the figures and stops the server.

    .venv/bin/python bench/http_lookup.py [--seconds 10] [--connections 4] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import geopandas as gpd

ROOT = Path(__file__).resolve().parents[1]
GRIDMAP = ROOT / ".venv" / "bin" / "gridmap"
GRIDS = ROOT / "data" / "boundaries" / "xueyuanlu_grids.geojson"
SERVE = ["serve", "--workers", "2", "--no-access-log"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (apt-get install -y wrk) …", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def lua_script(points: list[tuple[float, float]]) -> str:
    paths = ",\n".join(f'  "/lookup?lon={x:.6f}&lat={y:.6f}"' for x, y in points)
    return f"""paths = {{
{paths}
}}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end
"""


def sample_points(count: int = 200) -> list[tuple[float, float]]:
    grids = gpd.read_file(GRIDS)
    points = grids.geometry.sample_points(size=max(1, count // len(grids)), rng=7).explode()
    return [(p.x, p.y) for p in points]


def wait_ready(base: str, server: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gridmap serve exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/lookup?lon=116.35&lat=40.0", timeout=10) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gridmap serve did not answer in time")


def warm(base: str, points: list[tuple[float, float]]) -> None:
    """Hit both workers a few times so each has built its index before the measurement."""
    for x, y in points[:50]:
        with urllib.request.urlopen(f"{base}/lookup?lon={x}&lat={y}", timeout=10) as r:
            r.read()


def parse(output: str) -> dict[str, str]:
    figures = {"requests/s": re.search(r"Requests/sec:\s+([\d.]+)", output)}
    for label in ("50%", "99%"):
        figures[f"p{label[:-1]}"] = re.search(rf"^\s+{label}\s+(\S+)", output, re.MULTILINE)
    return {key: match.group(1) if match else "?" for key, match in figures.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    wrk = ensure_wrk()
    subprocess.run([str(GRIDMAP), "demo", "--no-serve"], check=True, capture_output=True)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [str(GRIDMAP), *SERVE, "--port", str(port)]
    print("server:", " ".join(["gridmap", *command[1:]]))
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(base, server)
        points = sample_points()
        warm(base, points)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(lua_script(points))
        load = [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s"]
        load += ["--latency", "-s", lua.name, f"{base}/lookup"]
        print("load:  ", " ".join(["wrk", *load[1:]]))
        result = subprocess.run(load, check=True, capture_output=True, text=True)
        os.unlink(lua.name)
    finally:
        server.terminate()  # uvicorn shuts down on SIGTERM as on SIGINT
        server.wait(timeout=20)
    print(result.stdout)
    figures = parse(result.stdout)
    print(
        f"GET /lookup: {figures['requests/s']} requests/s, "
        f"p50 {figures['p50']}, p99 {figures['p99']} ({len(points)} points, loopback)"
    )


if __name__ == "__main__":
    main()
