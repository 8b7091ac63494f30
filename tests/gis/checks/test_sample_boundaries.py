"""The committed 学院路 sample boundaries tile exactly: no errors at either level."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from gis.areas import Level
from gis.checks import CheckConfig, check_areas, findings_to_text, has_errors

BOUNDARIES = Path(__file__).parents[3] / "data" / "boundaries"


def read(level: str) -> gpd.GeoDataFrame:
    return gpd.read_file(BOUNDARIES / f"xueyuanlu_{level}.geojson", engine="pyogrio")


COMMUNITIES = read("communities")


@pytest.mark.parametrize("code", COMMUNITIES["code"].tolist())
def test_sample_grids_tile_their_community(code: str) -> None:
    grids = read("grids")
    mine = grids[grids["parent_code"] == code]
    community = COMMUNITIES.geometry[COMMUNITIES["code"] == code].iloc[0]
    findings = check_areas(mine, parent=community, parent_code=code)
    assert not mine.empty
    assert not has_errors(findings), findings_to_text(findings)


def test_sample_communities_tile_the_subdistrict() -> None:
    subdistrict = read("subdistrict").iloc[0]
    findings = check_areas(
        COMMUNITIES,
        level=Level.COMMUNITY,
        parent=subdistrict.geometry,
        parent_code=subdistrict["code"],
        config=CheckConfig.for_level(Level.COMMUNITY),
    )
    assert not has_errors(findings), findings_to_text(findings)
