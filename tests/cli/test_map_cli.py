"""`gridmap map … --out` writes standalone pages (assets inlined, nothing to fetch)."""

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from api.cli import app
from gis.settings import StoreSettings
from gis.usecases.runtime import Runtime
from gis.usecases.sample import load_sample


@pytest.mark.parametrize("page", ["grids", "hazards"])
def test_standalone_page(
    cli_env: StoreSettings, empty_store: Engine, rt: Runtime, tmp_path: Path, page: str
) -> None:
    load_sample(rt)
    out = tmp_path / f"{page}.html"
    result = CliRunner().invoke(app, ["map", page, "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "/static/" not in html and "L.map(" in html and "© OpenStreetMap contributors" in html


def test_bad_basemap_is_one_line(cli_env: StoreSettings, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["map", "grids", "--out", str(tmp_path / "x.html"), "--basemap", "google"]
    )
    assert result.exit_code == 1 and result.stderr.startswith("error: --basemap: 'google'")
