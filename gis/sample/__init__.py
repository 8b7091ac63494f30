"""Sample boundaries of 学院路街道 (海淀区) built from an OpenStreetMap extract.

Pure geometry: no database, no HTTP. ``build_sample`` returns the four levels as
GeoDataFrames in EPSG:4326; ``write_sample`` writes them as GeoJSON.

These are *sample* boundaries drawn along OpenStreetMap streets with real NBS 2023 community
codes — not official boundaries. Data © OpenStreetMap contributors, ODbL 1.0.
"""

from __future__ import annotations

from pathlib import Path

from gis.sample.build import SampleAreas, build_sample
from gis.sample.geojson import ATTRIBUTION, write_levels

__all__ = ["ATTRIBUTION", "SampleAreas", "build_sample", "write_sample"]


def write_sample(sample: SampleAreas, out_dir: Path) -> list[Path]:
    """Write ``xueyuanlu_{district,subdistrict,communities,grids}.geojson`` to ``out_dir``.

    Parameters
    ----------
    sample : SampleAreas
        Output of :func:`build_sample`.
    out_dir : Path
        Target folder, created if missing (the repository's ``data/boundaries``).

    Returns
    -------
    list of Path
        The files written, largest level first.
    """
    return write_levels(sample.levels(), out_dir)
