"""Areas without incidents must not inherit the counts of the no-area bucket."""

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from gis.areas import ORDER, Level
from gis.db import intake, load
from gis.db.stats import incident_stats
from gis.incidents.catalogue import Catalogue
from gis.incidents.report import IncidentReport
from gis.io import read_boundaries
from gis.lookup import AreaLookup
from tests import geoms


def test_unlocated_reports_stay_in_their_own_bucket(empty_store: Engine, tmp_path: Path) -> None:
    files = geoms.hierarchy_files(tmp_path)
    for level in ORDER:
        load.commit(empty_store, read_boundaries(files[level.value], level=level), level=level)
    lookup = AreaLookup(geoms.frame(geoms.HIERARCHY["grid"]).assign(level="grid"))
    intake.report(
        empty_store,
        IncidentReport(category="hazard", address="月球背面1号"),
        lookup=lookup,
        registry=intake.AddressRegistry(empty_store),
        catalogue=Catalogue.load(),
    )
    for by in ("recorded", "current"):
        with empty_store.connect() as conn:
            rows = {
                r["code"]: r
                for r in incident_stats(
                    conn,
                    level=Level.GRID,
                    by=by,  # type: ignore[arg-type]
                    now=datetime.now(UTC),
                )
            }
        assert rows[None]["by_category"] == {"hazard": 1}
        for code in ("110108010019001", "110108010019002"):
            assert rows[code]["total"] == 0 and rows[code]["by_category"] == {}
            assert rows[code]["by_status"] == {}
