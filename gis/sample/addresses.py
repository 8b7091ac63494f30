"""Standard addresses (一标三实) for the 学院路 sample, from OpenStreetMap.

Two kinds of rows: the OSM elements that carry ``addr:*`` tags (real addresses, e.g.
北京市海淀区学院路18号 10号楼), and every residential building of the extract with its household
estimate (the sample's rule: footprint × levels / 90 m²). OSM rarely records house numbers here,
so a building without one gets a **sample** address: its community's place name (the short name
without 社区) and a building number in DB11/T order (north→south, west→east), e.g.
中国农业大学东校区住宅3号楼, marked ``source = "osm-building"``; these are not official addresses.

The buildings are the registry's only household counts, and the sample's areas hold exactly the
sum of the counts inside them (`gis.sample.build.registry_households`). So that the registry
keeps every one of them, the building addresses must stay distinct once normalised (the form
the registry is keyed on): 静淑苑社区住宅1号楼 would not (``normalise`` reads 静淑苑社区 as a
district and drops it, leaving 住宅1号楼 — the same as 石科院社区住宅1号楼), so the place name
drops 社区, and the build refuses two buildings that still normalise alike.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.incidents.addresses import normalise
from gis.numbering import grid_order
from gis.sample.grids import METRIC_CRS, residential_buildings
from gis.sample.osm import WGS84, OsmExtract, read_osm_xml

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


def place_name(short_name: str) -> str:
    """A community's place name in its sample addresses: its short name without 社区.

    Examples
    --------
    >>> place_name("静淑苑社区"), place_name("中国矿业大学（北京）社区"), place_name("石油大院")
    ('静淑苑', '中国矿业大学（北京）', '石油大院')
    """
    return short_name.removesuffix("社区")


def building_addresses(extract: OsmExtract, communities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The registry rows of the residential buildings: the sample's household counts.

    Parameters
    ----------
    extract : OsmExtract
        The OSM extract (its buildings, EPSG:4326).
    communities : geopandas.GeoDataFrame
        The sample's communities (``code``, ``short_name``, EPSG:4326); a building counts in
        the community containing its centroid, and is left out when none does.

    Returns
    -------
    geopandas.GeoDataFrame
        ``address``, ``building``, ``households`` (int), ``source`` (``osm-building``),
        ``community_code`` and the centroid (EPSG:4326, 1e-7°), by community and building
        number.

    Raises
    ------
    ValueError
        When two buildings' addresses normalise alike (the registry would keep only one).
    """
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
                    "address": f"{place_name(row['short_name'])}{label}",
                    "building": label,
                    "households": int(row["households"]),
                    "source": "osm-building",
                    "community_code": code,
                    "geometry": row.geometry,
                }
            )
    found = gpd.GeoDataFrame(rows, geometry="geometry", crs=METRIC_CRS).to_crs(WGS84)
    _distinct(found["address"])
    found["geometry"] = shapely.set_precision(found.geometry.to_numpy(), 1e-7)
    return found


def _distinct(addresses: pd.Series) -> None:
    """Refuse addresses that normalise alike: the registry would merge their households."""
    keys = addresses.map(normalise)
    twins = addresses[keys.duplicated(keep=False)]
    if not twins.empty:
        raise ValueError(
            f"sample addresses: {len(twins)} building addresses normalise alike "
            f"(e.g. {', '.join(twins.head(2))}); the registry would keep one of each"
        )


def build_addresses(
    osm_xml: Path, addresses_csv: Path, homes: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """The sample's standard addresses (EPSG:4326 points), one per normalised address.

    Parameters
    ----------
    osm_xml : Path
        The OSM extract (its ``<bounds>`` keeps the tagged addresses inside the study area).
    addresses_csv : Path
        OSM elements with ``addr:*`` tags (``lon_wgs84``, ``lat_wgs84``, ``addr:full`` …).
    homes : geopandas.GeoDataFrame
        The buildings' rows, `building_addresses` (``SampleAreas.homes``); all of them are kept
        — a tagged address that normalises like one of them is left out — so the registry
        holds the households the sample's areas sum.

    Returns
    -------
    geopandas.GeoDataFrame
        ``COLUMNS`` and the point; tagged addresses first (no household count), then buildings.
    """
    tagged = _tagged(addresses_csv, read_osm_xml(osm_xml).bounds)
    tagged["normalized"] = tagged["address"].map(normalise)
    homes = homes.assign(normalized=homes["address"].map(normalise))
    tagged = tagged[~tagged["normalized"].isin(homes["normalized"])]
    tagged = tagged.drop_duplicates("normalized", keep="first")
    tagged["geometry"] = shapely.set_precision(tagged.geometry.to_numpy(), 1e-7)
    both = pd.concat([tagged, homes], ignore_index=True)
    both["households"] = pd.Series(
        [None if pd.isna(v) else int(v) for v in both["households"]], index=both.index, dtype=object
    )
    both["community_code"] = both["community_code"].fillna("")
    return gpd.GeoDataFrame(both[[*COLUMNS, "geometry"]], geometry="geometry", crs=WGS84)


def write_addresses(addresses: gpd.GeoDataFrame, path: Path) -> Path:
    """Write the addresses as GeoJSON with the OSM attribution."""
    from gis.sample.geojson import feature_collection_text

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(feature_collection_text(addresses, path.stem), encoding="utf-8")
    return path
