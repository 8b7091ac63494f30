"""Hazard map with 10,000 incidents over 200 grids: HTML size and load time in headless Chromium.

Renders `maps.hazards.hazard_map` for a synthetic 200-grid coverage and 10,000 random incidents,
serves it (and /static) from a local HTTP server, and times navigation until the network is idle
and the markers are on the map, in Debian's Chromium driven by Playwright. Prints the HTML size
(target ≤ 5 MB) and the median load time of 5 loads (target ≤ 3 s).

    .venv/bin/python bench/map_pages.py
"""

from __future__ import annotations

import http.server
import statistics
import threading
import time
from datetime import datetime, timedelta, timezone

import numpy as np
from playwright.sync_api import sync_playwright

from gis.incidents.records import Incident
from gis.synthetic import synthetic_coverage
from maps.assets import static_file
from maps.base import map_options
from maps.hazards import hazard_map

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STATUSES = ["reported", "triaged", "dispatched", "in_progress", "resolved", "closed"]


def page_html(incidents: int = 10_000) -> str:
    grids = synthetic_coverage(10, 20, per_edge=24)
    grids["level"] = "grid"
    rng = np.random.default_rng(0)
    west, south, east, north = grids.total_bounds
    reported = datetime(2026, 11, 1, 8, tzinfo=timezone(timedelta(hours=8)))
    rows = [
        Incident(
            id=i,
            category="hazard",
            status=STATUSES[i % len(STATUSES)],
            reported_at=reported,
            updated_at=reported,
            due_at=reported,
            lon=float(x),
            lat=float(y),
            description="电线裸露，存在安全隐患",
        )
        for i, (x, y) in enumerate(
            zip(
                rng.uniform(west, east, incidents),
                rng.uniform(south, north, incidents),
                strict=True,
            )
        )
    ]
    return hazard_map(grids, rows, map_options()).get_root().render()


def serve(html: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    body = html.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.startswith("/static/"):
                found = static_file(self.path[len("/static/") :])
                data = found.read_bytes() if found else b""
                kind = "text/css" if self.path.endswith(".css") else "application/javascript"
            else:
                data, kind, found = body, "text/html; charset=utf-8", True
            self.send_response(200 if found else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/hazards.html"


def load_seconds(url: str, repeat: int = 5) -> list[float]:
    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for _ in range(repeat):
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            start = time.perf_counter()
            page.goto(url, wait_until="networkidle")
            page.wait_for_selector(".marker-cluster")
            times.append(time.perf_counter() - start)
            page.close()
        browser.close()
    return times


def main() -> None:
    start = time.perf_counter()
    html = page_html()
    render = time.perf_counter() - start
    server, url = serve(html)
    try:
        times = load_seconds(url)
    finally:
        server.shutdown()
    print(f"hazard map, 10,000 incidents over 200 grids: rendered in {render:.2f} s")
    print(f"HTML size {len(html.encode()) / 1e6:.2f} MB (target <= 5 MB)")
    print(
        f"load in headless Chromium (navigation to network idle + markers): median "
        f"{statistics.median(times):.2f} s of {len(times)} (target <= 3 s); "
        f"all: {', '.join(f'{t:.2f}' for t in times)}"
    )


if __name__ == "__main__":
    main()
