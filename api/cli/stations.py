"""``gridmap network``, ``gridmap isochrone``, ``gridmap stations`` and ``gridmap coverage``."""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from api.cli import tables
from api.cli.base import app, machine, runtime, say, warn
from gis.settings import SAMPLE_STATIONS, SHARED_DATA

if TYPE_CHECKING:
    from gis.network import WalkNetwork

network_app = typer.Typer(help="Walking networks from OSM extracts.", no_args_is_help=True)
stations_app = typer.Typer(
    help="Stations of the 15-minute living circle: import, list, isochrones, siting.",
    no_args_is_help=True,
)
app.add_typer(network_app, name="network")
app.add_typer(stations_app, name="stations")

CrsOption = Annotated[str, typer.Option(help="wgs84 | cgcs2000 | gcj02 | bd09 | EPSG:n")]
TypeOption = Annotated[
    str, typer.Option("--type", "-t", help="station type: code, 中文 or English")
]


def _print(doc: Any) -> None:
    say(json.dumps(doc, ensure_ascii=False, indent=1, default=str))


@network_app.command("load")
def network_load(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="an OSM file: .osm, .osm.pbf, .osm.bz2")],
    name: Annotated[str | None, typer.Option(help="a name for the network")] = None,
) -> None:
    """Build the walking network of an OSM file (XML, PBF) and make it current (idempotent)."""
    from gis.usecases import stations

    with runtime(ctx) as rt:
        network, new = stations.load_network(rt, file, acting=machine(), name=name)
    version = network.version
    state = "loaded" if new else "already loaded; made current"
    say(
        f"network {network.name} {version}: {network.node_count} nodes, "
        f"{network.edge_count} edges, {network.length_m.sum() / 1000:.1f} km ({state})"
    )


@network_app.command("status")
def network_status(ctx: typer.Context) -> None:
    """Show the current walking network."""
    from gis.usecases import stations

    with runtime(ctx) as rt:
        found = stations.current_network(rt)
    _print(asdict(found) if found else {"current": None})


@app.command("isochrone")
def isochrone(
    ctx: typer.Context,
    lon: Annotated[float, typer.Argument(help="longitude (or x)")],
    lat: Annotated[float, typer.Argument(help="latitude (or y)")],
    minutes: Annotated[float, typer.Option(help="walking minutes (0 < m <= 120)")] = 15.0,
    crs: CrsOption = "wgs84",
    speed: Annotated[float | None, typer.Option(help="walking speed, km/h [4.8]")] = None,
    osm: Annotated[Path | None, typer.Option(help="route on this OSM file, not the store")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="write GeoJSON here")] = None,
) -> None:
    """The walking isochrone of a point, as GeoJSON (stdout or --out)."""
    from gis.usecases import stations
    from gis.values import parse_point

    point = parse_point(lon, lat, crs)
    with runtime(ctx) as rt:
        speed = rt.access.walk_speed_kmh if speed is None else speed
        polygon, network = stations.isochrone_of_point(
            rt, point, minutes=minutes, speed_kmh=speed, osm=osm
        )
    feature = _isochrone_feature(polygon, point.lon, point.lat, minutes, speed, network)
    if out_file is None:
        _print(feature)
        return
    out_file.write_text(json.dumps(feature, ensure_ascii=False), encoding="utf-8")
    warn(f"wrote {out_file}")


def _isochrone_feature(
    polygon: Any, lon: float, lat: float, minutes: float, speed: float, network: WalkNetwork
) -> dict[str, Any]:
    import shapely

    properties: dict[str, Any] = {"lon": lon, "lat": lat, "minutes": minutes}
    properties |= {"speed_kmh": speed, "network_version": network.version}
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(polygon),
        "properties": properties,
    }


@stations_app.command("import")
def stations_import(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="GeoJSON (Points), or a .csv or .xlsx with coordinate columns")
    ],
    crs: CrsOption = "wgs84",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="validate only")] = False,
    lon_field: tables.LonFieldOption = None,
    lat_field: tables.LatFieldOption = None,
    encoding: tables.EncodingOption = None,
    sheet: tables.SheetOption = None,
) -> None:
    """Import stations; features with a known source_id are updated (idempotent)."""
    from gis.errors import UnreadableFile
    from gis.stations.records import read_stations
    from gis.usecases import stations

    options = tables.read_options(encoding, sheet, lon_field, lat_field)
    kinds = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".xlsx": "xlsx"}
    if file.suffix.lower() not in kinds or not file.is_file():
        raise UnreadableFile(f"file: {file} is not an existing .geojson, .json, .csv or .xlsx file")
    kind = kinds[file.suffix.lower()]
    with runtime(ctx) as rt:
        parsed = read_stations(
            file.read_bytes(), kind=kind, catalogue=rt.station_types, crs=crs, options=options
        )
        if dry_run:
            say(f"{len(parsed)} stations are valid (dry run: nothing written)")
            return
        summary = stations.import_stations(rt, parsed, acting=machine())
    say(f"stations: {summary.created} created, {summary.updated} updated")
    for name in summary.outside_grid:
        warn(f"warning: {name} is outside every grid (flagged outside_grid)")


@stations_app.command("list")
def stations_list(
    ctx: typer.Context,
    station_type: Annotated[str | None, typer.Option("--type", "-t", help="station type")] = None,
) -> None:
    """List stations: id, type, name, lon, lat, grid."""
    from gis.usecases import stations

    with runtime(ctx) as rt:
        rows = stations.list_stations(rt, station_type=station_type)
    for s in rows:
        grid = s.grid_code or "outside every grid"
        say(f"{s.id}\t{s.type}\t{s.name}\t{s.lon:.6f}\t{s.lat:.6f}\t{grid}")


@stations_app.command("types")
def stations_types() -> None:
    """List the station types of the catalogue and their tiers."""
    from gis.stations.catalogue import StationCatalogue
    from gis.stations.settings import AccessSettings

    for t in StationCatalogue.load(AccessSettings().station_types):
        tiers = ", ".join(f"{x.minutes:g} min/{x.radius_m:g} m" for x in t.tiers)
        say(f"{t.code}\t{t.zh}\t{t.en}\t{tiers}")


@stations_app.command("isochrones")
def stations_isochrones(
    ctx: typer.Context,
    station_type: Annotated[str | None, typer.Option("--type", "-t", help="station type")] = None,
) -> None:
    """Compute (and cache) every station's isochrones for its tiers on the current network."""
    from gis.usecases import stations

    started = time.perf_counter()
    with runtime(ctx) as rt:
        reach, count = stations.cache_isochrones(rt, station_type=station_type)
    seconds = time.perf_counter() - started
    say(f"{len(reach.polygons)} isochrones for {count} stations in {seconds:.2f} s")
    for s in reach.unsnapped:
        warn(f"warning: station {s.id} {s.name}: {s.detail}")


@stations_app.command("suggest")
def stations_suggest(
    ctx: typer.Context,
    station_type: TypeOption,
    k: Annotated[int, typer.Option("--k", help="number of new sites")] = 3,
    candidates: Annotated[str, typer.Option(help="nodes (street nodes) | homes")] = "nodes",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Suggest new sites maximising newly covered households (existing stations kept)."""
    from gis.usecases import stations

    with runtime(ctx) as rt:
        answer = stations.suggest(
            rt, station_type=station_type, k=k, candidates=candidates
        ).to_json()
    if as_json:
        _print(answer)
        return
    _print_suggestion(answer)


def _print_suggestion(answer: dict[str, Any]) -> None:
    kind, before = answer["station_type"], answer["share_before"] or 0.0
    head = f"{kind['zh']} ({kind['code']}), {answer['minutes']:g} min walk: "
    head += f"{answer['existing']} existing cover {answer['covered_before']:g} "
    say(head + f"of {answer['demand']:g} {answer['weights']} ({before:.1%})")
    for p in answer["picks"]:
        line = f"{p['rank']}. {p['lon']:.6f} {p['lat']:.6f}  gain +{p['gain']:g}  "
        say(line + f"-> {p['covered']:g} ({p['share']:.1%})")


@stations_app.command("sample-build")
def stations_sample_build(
    pois: Annotated[Path, typer.Option(help="the OSM POI GeoJSON")] = SHARED_DATA
    / "poi"
    / "osm_pois_beijing_haidian_cau.geojson",
    out_file: Annotated[Path, typer.Option("--out", help="where to write")] = SAMPLE_STATIONS,
) -> None:
    """Rebuild the sample stations file from the OSM POIs (plus the labelled demo stations)."""
    from gis.stations.sample import build_sample_stations, write_sample_stations

    collection = build_sample_stations(pois)
    write_sample_stations(collection, out_file)
    say(f"wrote {len(collection['features'])} stations to {out_file}")


@app.command("coverage")
def coverage(
    ctx: typer.Context,
    station_type: TypeOption,
    mode: Annotated[str, typer.Option(help="circle | network")] = "network",
    out_file: Annotated[
        Path | None, typer.Option("--out", help="write the GeoJSON report here")
    ] = None,
) -> None:
    """Share of households and area within 15 minutes of a station type, per grid and community."""
    from gis.usecases import stations

    with runtime(ctx) as rt:
        report = stations.coverage(rt, station_type=station_type, mode=mode).to_geojson()
    if out_file is not None:
        out_file.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    _print_coverage(report)


def _print_coverage(report: dict[str, Any]) -> None:
    kind, summary = report["station_type"], report["summary"]
    share = summary["household_share"]
    say(
        f"{kind['zh']} ({kind['code']}), {report['mode']}, {report['minutes']:g} min: "
        f"{report['stations']} stations; households covered {summary['covered_households']:g} of "
        f"{summary['households']:g} ({share if share is None else f'{share:.1%}'}); "
        f"area {summary['area_share']:.1%}"
    )
    if report["weights"] == "area":
        warn(f"note: {report['note']}")
    for f in report["features"]:
        p = f["properties"]
        hs = "-" if p["household_share"] is None else f"{p['household_share']:.0%}"
        line = f"{p['level']}\t{p['code']}\t{p['name']}\thouseholds {hs}\t"
        line += f"area {p['area_share']:.0%}\tuncovered households {p['uncovered_households']:g}"
        say(line)
