"""Incident statistics per area and period, aggregated in one SQL statement.

Two ways to say which area an incident belongs to:

``recorded``
    the grid code recorded at intake (``intake_grid_code``, which a redraw leaves alone: 0012);
    a level's code is the prefix of the grid code (6/9/12/15 digits), so an incident stays
    where it was reported even after a redraw.
``current``
    the incident's point against the current areas of the level (``ST_Intersects``, the lowest
    code on a shared edge), so after a redraw the counts follow the new boundaries.

Incidents without an area (no grid recorded, no point, or outside every current area) are
counted in a row whose ``code`` is None.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, text

from gis.areas import Level
from gis.incidents import lifecycle
from gis.incidents.lifecycle import sql_list
from gis.incidents.stats import AreaStats, Attribution, PersonStats
from gis.values import ANY_TIME, Period

OPEN = sql_list(lifecycle.OPEN)
DONE = sql_list(lifecycle.DONE)
NOT_COUNTED = sql_list(lifecycle.NOT_COUNTED)

_AREA = {
    "recorded": "left(coalesce(i.intake_grid_code, i.grid_code), :digits)",
    "current": (
        "(SELECT min(a.code) FROM areas a WHERE a.level = :level AND a.valid_to IS NULL "
        "AND ST_Intersects(a.geom, i.geom))"
    ),
}
_NEAR = {
    "recorded": "TRUE",
    # with a scope or codes, only the incidents within the extent of the areas asked for are
    # placed, found through the incidents' GiST index: a community's figures need not place
    # a province's incidents
    "current": """(
        (CAST(:scope AS text) IS NULL AND CAST(:codes AS text[]) IS NULL)
        OR i.geom && (
            SELECT ST_SetSRID(ST_Extent(a.geom), 4326) FROM areas a
            WHERE a.level = :level AND a.valid_to IS NULL
              AND (CAST(:scope AS text) IS NULL OR starts_with(a.code, :scope))
              AND (CAST(:codes AS text[]) IS NULL OR a.code = ANY(CAST(:codes AS text[])))))""",
}
_IN_CODES = "(CAST(:codes AS text[]) IS NULL OR code = ANY(CAST(:codes AS text[])))"
_QUERY = """
WITH placed AS (
    SELECT {area} AS code, i.category, i.status, i.reported_at, i.due_at,
           coalesce(i.closed_at, i.resolved_at) AS done_at, i.feedback_satisfied,
           i.escalation_level
    FROM incidents i
    WHERE (CAST(:start AS timestamptz) IS NULL OR i.reported_at >= :start)
      AND (CAST(:end AS timestamptz) IS NULL OR i.reported_at < :end)
      AND {near}
),
base AS (
    SELECT * FROM placed
    WHERE (CAST(:scope AS text) IS NULL OR left(code, length(:scope)) = :scope)
      AND {in_codes}
),
by_category AS (
    SELECT code, jsonb_object_agg(category, n ORDER BY category) AS counts
    FROM (SELECT code, category, count(*) AS n FROM base GROUP BY code, category) c
    GROUP BY code
),
by_status AS (
    SELECT code, jsonb_object_agg(status, n ORDER BY status) AS counts
    FROM (SELECT code, status, count(*) AS n FROM base GROUP BY code, status) s
    GROUP BY code
),
totals AS (
    SELECT code,
           count(*) AS total,
           count(*) FILTER (WHERE status IN {done}) AS done,
           count(*) FILTER (WHERE status NOT IN {not_counted}) AS counted,
           percentile_cont(0.5) WITHIN GROUP (
               ORDER BY extract(epoch FROM done_at - reported_at) / 3600
           ) FILTER (WHERE done_at IS NOT NULL AND status IN {done}) AS median_hours_to_close,
           count(*) FILTER (WHERE status IN {open} AND due_at < :now) AS overdue,
           count(*) FILTER (WHERE escalation_level > 0) AS escalated,
           count(*) FILTER (WHERE status IN {done} AND done_at <= due_at) AS closed_on_time,
           count(*) FILTER (WHERE feedback_satisfied) AS satisfied,
           count(*) FILTER (WHERE feedback_satisfied IS NOT NULL) AS with_feedback
    FROM base GROUP BY code
),
named AS (
    SELECT DISTINCT ON (code) code, name FROM areas
    WHERE level = :level
      AND (CAST(:scope AS text) IS NULL OR left(code, length(:scope)) = :scope)
      AND {in_codes}
    ORDER BY code, valid_to DESC NULLS FIRST
),
current_areas AS (
    SELECT code FROM areas
    WHERE level = :level AND valid_to IS NULL
      AND (CAST(:scope AS text) IS NULL OR left(code, length(:scope)) = :scope)
      AND {in_codes}
)
SELECT coalesce(t.code, c.code) AS code, n.name,
       coalesce(t.total, 0) AS total,
       bc.counts AS by_category,
       bs.counts AS by_status,
       coalesce(t.done, 0) AS resolved_or_closed,
       CASE WHEN t.counted > 0 THEN t.done::float8 / t.counted END AS closure_rate,
       t.median_hours_to_close,
       coalesce(t.overdue, 0) AS overdue,
       coalesce(t.escalated, 0) AS escalated,
       coalesce(t.closed_on_time, 0) AS closed_on_time,
       coalesce(t.with_feedback, 0) AS with_feedback,
       CASE WHEN t.with_feedback > 0 THEN t.satisfied::float8 / t.with_feedback END
           AS satisfaction_rate
FROM totals t
FULL JOIN current_areas c ON c.code = t.code
LEFT JOIN by_category bc ON coalesce(bc.code, '') = coalesce(t.code, c.code, '')
LEFT JOIN by_status bs ON coalesce(bs.code, '') = coalesce(t.code, c.code, '')
LEFT JOIN named n ON n.code = coalesce(t.code, c.code)
ORDER BY coalesce(t.code, c.code) NULLS LAST
"""
QUERIES = {
    by: text(
        _QUERY.format(
            area=area,
            near=_NEAR[by],
            in_codes=_IN_CODES,
            open=OPEN,
            done=DONE,
            not_counted=NOT_COUNTED,
        )
    )
    for by, area in _AREA.items()
}
"""The statement of each attribution. Joins are on plain equality (the row of no area keyed
``''``) so that PostgreSQL can hash them: ``IS NOT DISTINCT FROM`` would be a nested loop,
quadratic in the areas (minutes for a province's 200,000 grids)."""


def incident_stats(
    conn: Connection,
    *,
    level: Level,
    by: Attribution = "recorded",
    period: Period = ANY_TIME,
    now: datetime,
    scope: str | None = None,
    codes: Sequence[str] | None = None,
) -> list[AreaStats]:
    """Per area of ``level``: counts by category and status, closure, speed, overdue, satisfaction.

    Parameters
    ----------
    conn : Connection
        The store.
    level : Level
        The areas to group by (every current area of the level is listed, with zeros).
    by : {"recorded", "current"}
        The grid recorded at intake, or the current boundaries (see the module docstring).
    period : Period
        The period, on ``reported_at``: ``start`` included, ``end`` excluded.
    now : datetime
        The time against which ``due_at`` makes an open incident overdue.
    scope : str, optional
        Only the areas whose code begins with it, and their incidents (none in no area): a
        province's per-grid figures are asked for one community or street at a time.
    codes : sequence of str, optional
        Only these areas (the grids of a map tile), and no row of incidents in no area.

    Returns
    -------
    list of AreaStats
        One per area (and one with ``code`` None for incidents in no area).
    """
    params = {
        "level": level.value,
        "digits": level.digits,
        "start": period.start,
        "end": period.end,
        "now": now,
        "scope": scope,
        "codes": None if codes is None else list(codes),
    }
    # an area with no incident has no counts (NULL, not '{}'): of a province's 200,000 grids
    # most have none, and decoding 400,000 empty JSON objects took seconds
    return [
        AreaStats(
            **{
                **row._mapping,
                "by_category": row.by_category or {},
                "by_status": row.by_status or {},
            }
        )
        for row in conn.execute(QUERIES[by], params)
    ]


_PEOPLE = text(
    f"""
SELECT i.assignee_person AS person_key, max(p.name) AS name, max(p.login) AS login,
       count(*) AS received,
       count(*) FILTER (WHERE i.status IN {DONE}) AS resolved_or_closed,
       count(*) FILTER (WHERE i.status IN {DONE}
                        AND coalesce(i.closed_at, i.resolved_at) <= i.due_at) AS closed_on_time,
       count(*) FILTER (WHERE i.status IN {OPEN} AND i.due_at < :now) AS overdue,
       count(*) FILTER (WHERE i.escalation_level > 0) AS escalated,
       count(*) FILTER (WHERE i.feedback_satisfied IS NOT NULL) AS with_feedback,
       CASE WHEN count(*) FILTER (WHERE i.feedback_satisfied IS NOT NULL) > 0 THEN
           (count(*) FILTER (WHERE i.feedback_satisfied))::float8
           / count(*) FILTER (WHERE i.feedback_satisfied IS NOT NULL) END AS satisfaction_rate
FROM incidents i
LEFT JOIN people p ON p.person_key = i.assignee_person AND p.valid_to IS NULL
WHERE i.assignee_person IS NOT NULL
  AND (CAST(:start AS timestamptz) IS NULL OR i.reported_at >= :start)
  AND (CAST(:end AS timestamptz) IS NULL OR i.reported_at < :end)
  AND (CAST(:scopes AS text[]) IS NULL
       OR EXISTS (SELECT 1 FROM unnest(CAST(:scopes AS text[])) s
                  WHERE starts_with(i.grid_code, s)))
GROUP BY i.assignee_person
ORDER BY i.assignee_person
"""
)


def person_stats(
    conn: Connection,
    *,
    period: Period = ANY_TIME,
    now: datetime,
    scopes: tuple[str, ...] | None = None,
) -> list[PersonStats]:
    """Per roster person: incidents received, closed on time, overdue, escalated, satisfaction.

    Counts the incidents assigned to each person now, reported in ``period`` and lying in one
    of ``scopes`` (None: everywhere).
    """
    params = {
        "start": period.start,
        "end": period.end,
        "now": now,
        "scopes": None if scopes is None else list(scopes),
    }
    return [PersonStats(**row._mapping) for row in conn.execute(_PEOPLE, params)]
