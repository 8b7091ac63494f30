"""The shared OSM XML extract, and the same data as PBF, as ``.osm.bz2`` and cut short."""

from __future__ import annotations

import bz2
import shutil
from pathlib import Path

import osmium

OSM_XML = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "data"
    / "osm"
    / "osm_beijing_haidian_cau_east_campus.osm"
)


def to_pbf(source: Path, target: Path, *, bounds: bool = True) -> Path:
    """Write ``source`` to ``target`` (``.osm.pbf``), with its bounds in the header or without."""
    header = osmium.FileProcessor(source).header if bounds else osmium.io.Header()
    with osmium.SimpleWriter(target, header=header, overwrite=True) as writer:
        for obj in osmium.FileProcessor(source):
            writer.add(obj)
    return target


def to_bz2(source: Path, target: Path) -> Path:
    """Compress ``source`` to ``target`` (``.osm.bz2``) byte for byte."""
    with source.open("rb") as plain, bz2.open(target, "wb") as packed:
        shutil.copyfileobj(plain, packed)
    return target


def cut_in_half(source: Path, target: Path) -> Path:
    """Write the first half of ``source``'s bytes to ``target``: a download cut short."""
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return target


def formats(folder: Path) -> dict[str, Path]:
    """The shared extract as XML, PBF and bz2-compressed XML (the last two written to ``folder``)."""
    return {
        "xml": OSM_XML,
        "pbf": to_pbf(OSM_XML, folder / "cau.osm.pbf"),
        "bz2": to_bz2(OSM_XML, folder / "cau.osm.bz2"),
    }
