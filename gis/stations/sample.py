"""The 学院路 sample's stations: real OpenStreetMap POIs plus a few labelled demo stations.

`build_sample_stations` maps the police, health, school and everyday-service POIs of the
shared OSM extract to station types (OSM data © OpenStreetMap contributors, ODbL 1.0) and
adds demo stations of the governance types OSM does not map (党群服务中心, 红色驿站, 调解室,
便民服务站), each named 【示例】… and flagged ``demo: true``. Every feature has a stable
``source_id`` (``osm:node/…``, ``demo:…``), so importing the file again updates, never doubles.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0 (POIs); demo stations are invented"
# OSM amenity → station type; a community health centre is a health station, not a hospital.
AMENITY_TYPES = {
    "police": "police_room",
    "hospital": "hospital",
    "pharmacy": "pharmacy",
    "school": "school",
    "kindergarten": "kindergarten",
    "marketplace": "market",
    "post_office": "parcel_station",
    "social_centre": "community_hall",
    "library": "library",
}
UNNAMED = {
    "police_room": "警务室",
    "pharmacy": "药店",
    "market": "菜市场",
}
DEMO = [
    ("party_service_center", "【示例】学院路街道党群服务中心", 116.3509, 40.00436, "09:00-17:30"),
    ("red_post", "【示例】石科院红色驿站", 116.35739, 39.99866, "00:00-24:00"),
    ("red_post", "【示例】静淑苑红色驿站", 116.34502, 40.00555, "07:00-21:00"),
    ("mediation_room", "【示例】静淑苑社区调解室", 116.34505, 40.0042, "09:00-17:00"),
    ("convenience_station", "【示例】农大东区便民服务站", 116.35537, 40.00313, "08:00-20:00"),
]


def _station_type(tags: dict[str, Any]) -> str | None:
    kind = AMENITY_TYPES.get(str(tags.get("amenity")))
    if kind == "hospital" and "社区卫生服务" in str(tags.get("name") or ""):
        return "health_station"
    return kind


def _osm_feature(feature: dict[str, Any]) -> dict[str, Any] | None:
    tags = feature["properties"]
    kind = _station_type(tags)
    if kind is None:
        return None
    osm = f"{tags['osm_type']}/{tags['osm_id']}"
    name = tags.get("name") or f"{UNNAMED.get(kind, kind)}（OSM {osm}）"
    properties = {
        "source_id": f"osm:{osm}",
        "type": kind,
        "name": name,
        "opening_hours": tags.get("opening_hours"),
        "source": "OpenStreetMap",
        "demo": False,
    }
    x, y = feature["geometry"]["coordinates"][:2]
    return _point(properties, x, y)


def _point(properties: dict[str, Any], x: float, y: float) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(x, 7), round(y, 7)]},
        "properties": {k: v for k, v in properties.items() if v is not None},
    }


def build_sample_stations(poi_path: Path) -> dict[str, Any]:
    """The sample stations as a GeoJSON FeatureCollection (EPSG:4326)."""
    pois = json.loads(poi_path.read_text(encoding="utf-8"))
    features = [f for f in map(_osm_feature, pois["features"]) if f is not None]
    for i, (kind, name, x, y, hours) in enumerate(DEMO, start=1):
        properties = {
            "source_id": f"demo:{i}",
            "type": kind,
            "name": name,
            "opening_hours": hours,
            "source": "demo (invented for the sample)",
            "demo": True,
        }
        features.append(_point(properties, x, y))
    return {
        "type": "FeatureCollection",
        "name": "xueyuanlu_stations",
        "attribution": ATTRIBUTION,
        "features": features,
    }


def write_sample_stations(collection: dict[str, Any], path: Path) -> None:
    """Write one feature per line (diff-friendly)."""
    head = {k: v for k, v in collection.items() if k != "features"}
    lines = [json.dumps(f, ensure_ascii=False) for f in collection["features"]]
    text = json.dumps(head, ensure_ascii=False)[:-1] + ', "features": [\n'
    path.write_text(text + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
