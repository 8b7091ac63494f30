"""Standard addresses (一标三实) for the 学院路 sample, from OpenStreetMap.

Two kinds of rows: the OSM elements that carry ``addr:*`` tags (real addresses, e.g.
北京市海淀区学院路18号 10号楼), and every residential building of the extract with its household
estimate (the sample's rule: footprint × levels / 90 m²). OSM rarely records house numbers here,
so a building without one gets a **sample** address: its community's short name and a building
number in DB11/T order (north→south, west→east), e.g. 中国农业大学东校区社区住宅3号楼, marked
``source = "osm-building"``; these are not official addresses.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.incidents.addresses import normalise
from gis.numbering import grid_order
from gis.sample.build import METRIC_CRS
from gis.sample.grids import residential_buildings
from gis.sample.osm import WGS84, read_osm_xml

COLUMNS = ["address", "normalized", "building", "households", "source", "community_code"]


def _tagged(addresses_csv: Path, bounds: shapely.Polygon) -> gpd.GeoDataFrame:
    rows = pd.read_csv(addresses_csv, dtype=str).fillna("")
    points = gpd.points_from_xy(rows["lon_wgs84"].astype(float), rows["lat_wgs84"].astype(float))
    inside = shapely.contains(bounds, np.asarray(points))
    rows, points = rows[inside], points[inside]
    parts = ["addr:province", "addr:city", "addr:district", "addr:street", "addr:housenumber"]
    text = [
        full or "".join(dict.fromkeys(r[p] for p in parts if r[p])) + name
        for full, name, (_, r) in zip(rows["addr:full"], rows["name"], rows.iterrows(), strict=True)
    ]
    return gpd.GeoDataFrame(
        {
            "address": text,
            "building": rows["name"].to_numpy(),
            "households": None,
            "source": "osm-addr",
        },
        geometry=points,
        crs=WGS84,
    )


def _buildings(osm_xml: Path, communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    extract = read_osm_xml(osm_xml)
    homes = residential_buildings(extract.areas.to_crs(METRIC_CRS))
    centres = gpd.GeoDataFrame(
        homes[["name", "households"]].reset_index(drop=True),
        geometry=homes.geometry.centroid.to_numpy(),
        crs=METRIC_CRS,
    )
    joined = gpd.sjoin(
        centres,
        communities.to_crs(METRIC_CRS)[["code", "short_name", "geometry"]],
        predicate="within",
    ).reset_index(drop=True)
    rows = []
    for code, group in joined.groupby("code", sort=True):
        order = grid_order(group.geometry.x.to_numpy(), group.geometry.y.to_numpy())
        for number, position in enumerate(order, start=1):
            row = group.iloc[position]
            label = (
                row["name"] if isinstance(row["name"], str) and row["name"] else f"住宅{number}号楼"
            )
            rows.append(
                {
                    "address": f"{row['short_name']}{label}",
                    "building": label,
                    "households": int(row["households"]),
                    "source": "osm-building",
                    "community_code": code,
                    "geometry": row.geometry,
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS).to_crs(WGS84)


def build_addresses(
    osm_xml: Path, addresses_csv: Path, communities: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """The sample's standard addresses (EPSG:4326 points), one per normalised address."""
    bounds = read_osm_xml(osm_xml).bounds
    both = pd.concat(
        [_tagged(addresses_csv, bounds), _buildings(osm_xml, communities)], ignore_index=True
    )
    both["normalized"] = both["address"].map(normalise)
    both = both.drop_duplicates("normalized", keep="first")
    both["households"] = pd.Series(
        [None if pd.isna(v) else int(v) for v in both["households"]], index=both.index, dtype=object
    )
    both["community_code"] = both["community_code"].fillna("")
    both["geometry"] = shapely.set_precision(both.geometry.to_numpy(), 1e-7)
    return gpd.GeoDataFrame(both[[*COLUMNS, "geometry"]], geometry="geometry", crs=WGS84)


def write_addresses(addresses: gpd.GeoDataFrame, path: Path) -> Path:
    """Write the addresses as GeoJSON with the OSM attribution."""
    from gis.sample.geojson import feature_collection_text

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(feature_collection_text(addresses, path.stem), encoding="utf-8")
    return path
