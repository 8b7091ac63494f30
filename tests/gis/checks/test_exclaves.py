"""Issue 11, item 19: exclaves are real — several parts are an error only for grids."""

import pytest

from gis.areas import Level
from gis.checks import CheckConfig, check_areas
from tests.gis.checks import zoo


@pytest.mark.parametrize(
    ("level", "severity"),
    [
        (Level.GRID, "error"),
        (Level.COMMUNITY, "warning"),
        (Level.SUBDISTRICT, "info"),
        (Level.DISTRICT, "info"),
    ],
)
def test_item19_multipart_severity_follows_the_level(level: Level, severity: str) -> None:
    config = CheckConfig.for_level(level)
    findings = check_areas(zoo.areas(zoo.MULTIPART), parent=zoo.PARENT, config=config)
    assert [f.severity for f in findings if f.rule == "multipart"] == [severity]


def test_item19_an_allowed_multipart_grid_is_still_info() -> None:
    config = CheckConfig.for_level(Level.GRID, allow_multipart=frozenset({zoo.CODES[1]}))
    findings = check_areas(zoo.areas(zoo.MULTIPART), parent=zoo.PARENT, config=config)
    assert [f.severity for f in findings if f.rule == "multipart"] == ["info"]
