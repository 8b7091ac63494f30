"""``gridmap check`` and ``gridmap plan``: boundary checks and the planner's redraw workflow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.base import Level, LevelOption, app, machine, runtime, say, warn
from gis import clock

if TYPE_CHECKING:
    import shapely

    from gis.checks import Finding

plan_app = typer.Typer(
    help="Redraw proposals: create, edit, check, diff, publish, revert.", no_args_is_help=True
)
app.add_typer(plan_app, name="plan")

FormatOption = Annotated[str, typer.Option("--format", "-f", help="text | json | geojson")]
CrsOption = Annotated[str | None, typer.Option(help="wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:n")]
LangOption = Annotated[
    str, typer.Option("--lang", help="zh (default) | en: the language of the findings")
]


def _emit(findings: list[Finding], file_format: str, lang: str) -> None:
    from gis.checks import findings_to_geojson, findings_to_json, findings_to_text

    if file_format == "text":
        say(findings_to_text(findings, lang))
    elif file_format in ("json", "geojson"):
        report = findings_to_json if file_format == "json" else findings_to_geojson
        say(json.dumps(report(findings, lang), ensure_ascii=False, indent=1))
    else:
        raise typer.BadParameter(
            f"unknown format {file_format!r}; expected text, json or geojson", param_hint="--format"
        )


def _parent(ctx: typer.Context, value: str, crs: str | None) -> tuple[shapely.Geometry, str | None]:
    """The parent polygon from a file (its features united) or a stored area's code."""
    from gis.areas import AreaQuery
    from gis.errors import NotFound
    from gis.io import read_shape
    from gis.usecases import boundaries

    if Path(value).exists():
        return read_shape(value, crs=crs, field="--parent"), None
    with runtime(ctx) as rt:
        found = boundaries.find_areas(rt, AreaQuery(codes=[value]))
    if found.empty:
        raise NotFound(f"--parent: {value!r} is neither a file nor a stored area code")
    return found.geometry.iloc[0], value


@app.command("check")
def check(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="boundary file (any format `gridmap load` reads)")],
    level: LevelOption = Level.GRID,
    parent: Annotated[
        str | None, typer.Option(help="parent: a boundary file or a stored code")
    ] = None,
    crs: CrsOption = None,
    file_format: FormatOption = "text",
    code_field: Annotated[str | None, typer.Option(help="field holding the code")] = None,
    allowed_holes: Annotated[str | None, typer.Option(help="file of allowed holes")] = None,
    lang: LangOption = "zh",
) -> None:
    """Check boundaries (overlaps, gaps, slivers, parent, codes, sizes).

    Exit status 0 when no errors, 1 when errors were found, 2 when the input cannot be read.
    """
    from gis.checks import CheckConfig, check_areas, has_errors
    from gis.checks.wording import parse_lang
    from gis.errors import GridmapError
    from gis.io import read_boundaries, read_shape

    lang = parse_lang(lang)
    try:
        boundary = read_boundaries(file, level=level, crs=crs, code_field=code_field, lenient=True)
        holes = (read_shape(allowed_holes, field="--allowed-holes"),) if allowed_holes else ()
    except GridmapError as exc:
        warn(f"error: {exc.detail} [{exc.code}]")
        raise typer.Exit(2) from None
    polygon, parent_code = _parent(ctx, parent, crs) if parent else (None, None)
    config = CheckConfig.for_level(level, allowed_holes=holes)
    findings = check_areas(
        boundary.areas, level=level, parent=polygon, parent_code=parent_code, config=config
    )
    _emit(findings, file_format, lang)
    raise typer.Exit(1 if has_errors(findings) else 0)


@plan_app.command("create")
def plan_create(
    ctx: typer.Context,
    scope: Annotated[
        str, typer.Option(help="the community (or subdistrict) whose areas to redraw")
    ],
    from_file: Annotated[
        Path | None, typer.Option("--from", help="the planner's edited file")
    ] = None,
    crs: CrsOption = None,
    note: Annotated[str, typer.Option(help="what the redraw is for")] = "",
) -> None:
    """Create a draft plan from a file, or as a copy of the current areas to edit."""
    from gis.areas import child_level
    from gis.io import read_boundaries
    from gis.usecases import planning

    areas = None
    if from_file is not None:
        areas = read_boundaries(from_file, level=child_level(scope), crs=crs, lenient=True).areas
    with runtime(ctx) as rt:
        plan = planning.create_plan(rt, acting=machine(), scope_code=scope, areas=areas, note=note)
    say(f"plan {plan.id} created for {scope}")


@plan_app.command("list")
def plan_list(ctx: typer.Context, scope: Annotated[str | None, typer.Option()] = None) -> None:
    """List plans, newest first."""
    from gis.usecases import planning

    with runtime(ctx) as rt:
        found = planning.list_plans(rt, acting=machine(), scope=scope)
    for plan in found:
        say(
            f"{plan.id:>5}  {plan.scope_code}  {plan.status:<10} {clock.shown(plan.created_at)}"
            f"  {plan.note}"
        )
    say(f"{len(found)} plans")


@plan_app.command("show")
def plan_show(ctx: typer.Context, plan_id: int) -> None:
    """Show a plan and its areas."""
    from gis.geometry import area_km2
    from gis.usecases import planning

    with runtime(ctx) as rt:
        plan, valid = planning.get_plan(rt, plan_id, acting=machine())
    say(json.dumps(plan.to_json(), ensure_ascii=False))
    for row, km2 in zip(valid.itertuples(), area_km2(valid.geometry.to_numpy()), strict=True):
        households = "?" if row.households is None else f"{row.households:,}"
        say(
            f"  {row.code}  {km2:8.3f} km²  {households:>6} households "
            f"({row.households_source or 'unknown'})  {row.name}"
        )


@plan_app.command("split")
def plan_split(
    ctx: typer.Context,
    plan_id: int,
    grid: Annotated[str, typer.Option(help="code of the area to split")],
    line: Annotated[str, typer.Option(help="split line: WKT or a file")],
    crs: CrsOption = None,
) -> None:
    """Split an area of a draft along a line."""
    from gis.io import read_shape
    from gis.usecases import plan_edits

    shape = read_shape(line, crs=crs, field="--line")
    with runtime(ctx) as rt:
        new_code = plan_edits.split(rt, acting=machine(), plan_id=plan_id, code=grid, line=shape)
    say(f"split {grid}: new area {new_code}")


@plan_app.command("merge")
def plan_merge(
    ctx: typer.Context,
    plan_id: int,
    codes: Annotated[list[str], typer.Argument(help="codes; the first one is kept")],
) -> None:
    """Merge adjacent areas of a draft into the first code."""
    from gis.usecases import plan_edits

    with runtime(ctx) as rt:
        plan_edits.merge(rt, acting=machine(), plan_id=plan_id, codes=codes)
    say(f"merged {', '.join(codes[1:])} into {codes[0]}")


@plan_app.command("move")
def plan_move(
    ctx: typer.Context,
    plan_id: int,
    source: Annotated[str, typer.Option("--from", help="code the piece leaves")],
    target: Annotated[str, typer.Option("--to", help="neighbouring code it joins")],
    piece: Annotated[str, typer.Option(help="the piece: WKT polygon or a file")],
    crs: CrsOption = None,
) -> None:
    """Move a piece of one area to its neighbour."""
    from gis.io import read_shape
    from gis.usecases import plan_edits

    shape = read_shape(piece, crs=crs, field="--piece")
    with runtime(ctx) as rt:
        plan_edits.move(
            rt, acting=machine(), plan_id=plan_id, source=source, target=target, piece=shape
        )
    say(f"moved a piece of {source} to {target}")


@plan_app.command("blocks")
def plan_blocks(ctx: typer.Context, plan_id: int) -> None:
    """The plan's street blocks: its grids cut along the walking network (ids for assign)."""
    from gis.usecases import plan_edits

    with runtime(ctx) as rt:
        found = plan_edits.blocks(rt, plan_id, acting=machine())
    say(f"network {found.network}" if found.network else "no walking network: blocks are grids")
    for row in found.blocks.itertuples():
        households = "?" if row.households is None else f"{row.households:,}"
        say(
            f"  {row.Index:4d}  {row.grid}  {row.area_m2:10.0f} m²  {households:>6} households"
            f"  ({row.lon:.6f}, {row.lat:.6f})"
        )


@plan_app.command("assign")
def plan_assign(
    ctx: typer.Context,
    plan_id: int,
    target: Annotated[str, typer.Option("--to", help="the grid the blocks join")],
    block: Annotated[
        list[int] | None, typer.Option(help="a block id (plan blocks); repeatable")
    ] = None,
    at: Annotated[
        list[str] | None, typer.Option(help="a point inside a block: lon,lat; repeatable")
    ] = None,
    address: Annotated[
        list[int] | None, typer.Option(help="a standard address id: its block; repeatable")
    ] = None,
    crs: CrsOption = None,
) -> None:
    """Paint street blocks into a grid, from whichever grids hold them."""
    import shapely

    from gis.usecases import plan_edits
    from gis.values import parse_point

    points = []
    for text in at or []:
        x, _, y = text.partition(",")
        found = parse_point(x, y, crs, fields=("--at", "--at"), where="--at")
        points.append(shapely.Point(found.lon, found.lat))
    with runtime(ctx) as rt:
        plan_edits.assign_blocks(
            rt,
            acting=machine(),
            plan_id=plan_id,
            to=target,
            blocks=[*(block or []), *points],
            addresses=address or [],
        )
    say(f"painted {len(block or []) + len(points) + len(address or [])} blocks into {target}")


@plan_app.command("reshape")
def plan_reshape(
    ctx: typer.Context,
    plan_id: int,
    grid: Annotated[str, typer.Option(help="code of the grid redrawn")],
    geometry: Annotated[str, typer.Option(help="its new outline: WKT polygon or a file")],
    crs: CrsOption = None,
) -> None:
    """Give a grid a new outline; its neighbours give and take the difference."""
    from gis.io import read_shape
    from gis.usecases import plan_edits

    shape = read_shape(geometry, crs=crs, field="--geometry")
    with runtime(ctx) as rt:
        plan_edits.reshape(rt, acting=machine(), plan_id=plan_id, code=grid, geometry=shape)
    say(f"reshaped {grid}")


@plan_app.command("renumber")
def plan_renumber(
    ctx: typer.Context,
    plan_id: int,
    everything: Annotated[
        bool,
        typer.Option(
            "--all",
            help="renumber every area from 001 (existing grids too); lists the incidents "
            "whose grid code changes",
        ),
    ] = False,
) -> None:
    """Give a draft's new areas the next free codes (existing grids keep theirs).

    Numbers run west→east, north→south (DB11/T 2157-2023); retired codes are never reused.
    """
    from gis.usecases import planning

    with runtime(ctx) as rt:
        done = planning.renumber(rt, acting=machine(), plan_id=plan_id, everything=everything)
    for old, new in done.changed:
        say(f"  {old} → {new}")
    say(f"{len(done.changed)} codes changed")
    if everything or not done.incidents.empty:
        say(f"{len(done.incidents)} incidents would change grid code:")
        for row in done.incidents.itertuples():
            say(
                f"  incident {row.id} ({row.category}, {row.status}): "
                f"{row.grid_code} → {row.new_grid_code or '(no grid)'}"
            )


@plan_app.command("check")
def plan_check(
    ctx: typer.Context, plan_id: int, file_format: FormatOption = "text", lang: LangOption = "zh"
) -> None:
    """All boundary rules on a plan, in Chinese (``--lang en``: English). Exit 0 when no errors."""
    from gis.checks import has_errors
    from gis.checks.wording import parse_lang
    from gis.usecases import planning

    lang = parse_lang(lang)
    with runtime(ctx) as rt:
        findings = planning.check_plan(rt, plan_id, acting=machine())
    _emit(findings, file_format, lang)
    raise typer.Exit(1 if has_errors(findings) else 0)


@plan_app.command("diff")
def plan_diff(ctx: typer.Context, plan_id: int, file_format: FormatOption = "text") -> None:
    """What publishing would change: per area gained/lost, transfers, households moved."""
    from gis.usecases import planning

    with runtime(ctx) as rt:
        diff = planning.diff_plan(rt, plan_id, acting=machine())
    if file_format == "json":
        say(json.dumps(diff.to_json(), ensure_ascii=False, indent=1))
    elif file_format == "geojson":
        say(diff.pieces.to_json(ensure_ascii=False, drop_id=True))
    else:
        say(diff.summary.to_string(index=False, float_format=lambda v: f"{v:,.0f}"))
        say("transfers:")
        say(diff.transfers.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
        for old, new in diff.renumbered.itertuples(index=False):
            say(f"renumbered: {old} → {new} (the same grid under a new code)")


@plan_app.command("publish")
def plan_publish(
    ctx: typer.Context,
    plan_id: int,
    force: Annotated[bool, typer.Option("--force", help="publish despite check errors")] = False,
    reason: Annotated[str | None, typer.Option(help="why the override (with --force)")] = None,
) -> None:
    """Make the plan current (atomically); refused while errors remain or if the scope changed."""
    from gis.usecases import planning

    with runtime(ctx) as rt:
        summary = planning.publish(
            rt, acting=machine(), plan_id=plan_id, force=force, reason=reason
        ).check_summary
    summary = summary or {}
    say(
        f"plan {plan_id} published ({summary.get('errors')} errors, "
        f"{summary.get('warnings')} warnings)"
    )


@plan_app.command("revert")
def plan_revert(
    ctx: typer.Context, scope: Annotated[str, typer.Option(help="scope to put back")]
) -> None:
    """Publish the scope's previous version again, as a new version."""
    from gis.usecases import planning

    with runtime(ctx) as rt:
        plan = planning.revert(rt, acting=machine(), scope_code=scope)
    say(f"reverted {scope} (plan {plan.id})")
