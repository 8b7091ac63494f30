"""Areas without incidents must not inherit the counts of the no-area bucket."""

from datetime import UTC, datetime
from pathlib import Path

from gis.areas import Level
from gis.db.stats import incident_stats
from gis.incidents.report import IncidentReport
from gis.usecases import incidents
from gis.usecases.runtime import Runtime
from tests.principals import OWNER
from tests.stores import load_hierarchy


def test_unlocated_reports_stay_in_their_own_bucket(rt: Runtime, tmp_path: Path) -> None:
    load_hierarchy(rt, tmp_path)
    incidents.report(rt, IncidentReport(category="hazard", address="月球背面1号"), acting=OWNER)
    for by in ("recorded", "current"):
        with rt.read() as conn:
            rows = {
                r.code: r
                for r in incident_stats(
                    conn,
                    level=Level.GRID,
                    by=by,  # type: ignore[arg-type]
                    now=datetime.now(UTC),
                )
            }
        assert rows[None].by_category == {"hazard": 1}
        for code in ("110108010019001", "110108010019002"):
            assert rows[code].total == 0 and rows[code].by_category == {}
            assert rows[code].by_status == {}
