"""``gridmap assign`` over columnar files: Parquet in this process, Parquet or CSV parts on Dask.

Both engines answer a row as a CSV batch is answered (`gis.usecases.lookup.locate_chunk`:
the same parsing, CRS conversion, ties and nearest grid), from one read of the boundaries,
whose version goes into the output's Parquet metadata (key ``gridmap``). The output keeps
every input column and appends the answer columns (`gis.lookup.distributed.answer_frame`); a
GeoParquet input's ``geo`` metadata is kept, so the output is GeoParquet too.

The in-process engine streams a Parquet file (or a directory of parts) a batch at a time into
one Parquet file. The Dask engine (`assign_dask`) snapshots the boundaries once, sends them to
every worker once (`SnapshotPlugin`: one index per worker), and writes a directory of Parquet
parts. Either writes beside OUT and renames at the end: a failure leaves nothing behind.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pyproj

from gis import clock, tables
from gis.crs import WGS84, InputCRS
from gis.db.engine import connect
from gis.db.lookup import boundary_snapshot
from gis.errors import CRSError, InvalidInput, UnreadableFile
from gis.limits import LOOKUP_CHUNK_ROWS
from gis.lookup import AreaLookup
from gis.lookup.distributed import (
    AreaSnapshot,
    PointColumns,
    SnapshotPlugin,
    answer_frame,
    frame_chunk,
    point_columns,
    worker_lookup,
)
from gis.tables import TableOptions
from gis.usecases.lookup import ANSWER_COLUMNS, blank_answers, check_as_of, locate_chunk

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client

    from gis.usecases.runtime import Runtime

METADATA_KEY = b"gridmap"
SCHEDULER_TIMEOUT_S = 10.0
"""How long a ``--scheduler`` has to answer before assign gives up, writing nothing."""
CSV_BLOCK_BYTES = 64 * 2**20
"""A Dask partition of a CSV: about this many bytes."""


@dataclass(frozen=True)
class AssignSummary:
    """What an assign wrote: rows, rows in a grid, rows with errors, the boundaries' version."""

    rows: int
    inside: int
    failed: int
    version: int


def is_columnar(path: Path) -> bool:
    """Whether ``path`` is Parquet: a ``.parquet`` file, or a directory of them.

    Examples
    --------
    >>> is_columnar(Path("points.PARQUET")), is_columnar(Path("points.csv"))
    (True, False)
    """
    if path.suffix.lower() == ".parquet":
        return True
    return path.is_dir() and any(path.glob("*.parquet"))


def locate_frame(
    frame: pd.DataFrame, lookup: AreaLookup, points: PointColumns, crs: InputCRS
) -> pd.DataFrame:
    """The answer columns of a table part (`answer_frame`), on the part's index."""
    answers = locate_chunk(lookup, frame_chunk(frame, points), crs)
    return answer_frame(answers, index=frame.index)


def locate_partition(
    frame: pd.DataFrame, key: str, points: PointColumns, crs: InputCRS
) -> pd.DataFrame:
    """A Dask partition with its answers appended, by the worker's index for snapshot ``key``."""
    return pd.concat([frame, locate_frame(frame, worker_lookup(key), points, crs)], axis=1)


# --- in this process


def assign_parquet(
    rt: Runtime,
    source: Path,
    target: Path,
    *,
    crs: InputCRS | None,
    options: TableOptions,
    as_of: datetime | None = None,
) -> AssignSummary:
    """Answer every row of a Parquet file (or directory of parts) into one Parquet ``target``.

    ``crs`` None: the geometry's CRS, else WGS84. Read and written a batch at a time.
    """
    dataset = _dataset(source)
    schema = dataset.schema
    geo = _geo(schema.metadata)
    points = point_columns(schema.names, geometry=_primary(geo), options=options)
    input_crs = points_crs(crs, geo, points)
    _check_names(schema.names)
    boundaries = rt.lookup.get(as_of)
    answers_schema = pa.Schema.from_pandas(answer_frame(blank_answers(0)), preserve_index=False)
    metadata = _metadata(schema.metadata, boundaries.version, as_of)
    out_schema = pa.schema([*schema, *answers_schema.remove_metadata()], metadata=metadata)
    counts = [0, 0, 0]
    wanted = [name for name in (points.lon, points.lat, points.geometry) if name]
    with _atomic(target) as part, pq.ParquetWriter(part, out_schema) as writer:
        for batch in dataset.to_batches(batch_size=LOOKUP_CHUNK_ROWS):
            frame = batch.select(wanted).to_pandas()
            found = locate_frame(frame, boundaries.lookup, points, input_crs)
            answers = pa.Table.from_pandas(found, schema=answers_schema, preserve_index=False)
            writer.write_table(
                pa.Table.from_arrays([*batch.columns, *answers.columns], schema=out_schema)
            )
            _count(counts, answers)
    return AssignSummary(counts[0], counts[1], counts[2], boundaries.version)


def _dataset(source: Path) -> ds.Dataset:
    if not source.exists():
        raise UnreadableFile(f"{source}: no such file or directory")
    try:
        return ds.dataset(source, format="parquet")
    except (pa.ArrowException, OSError) as exc:
        raise UnreadableFile(f"{source.name}: not readable as Parquet: {exc}") from None


def _geo(metadata: dict[bytes, bytes] | None) -> dict[str, Any] | None:
    """A GeoParquet file's ``geo`` metadata (None: plain Parquet)."""
    found = (metadata or {}).get(b"geo")
    return json.loads(found) if found else None


def _primary(geo: dict[str, Any] | None) -> str | None:
    if geo is None:
        return None
    encoding = geo["columns"][geo["primary_column"]].get("encoding", "WKB")
    if str(encoding).upper() != "WKB":
        raise UnreadableFile(f"geometry: encoded as {encoding}; write it as WKB (the default)")
    return str(geo["primary_column"])


def points_crs(crs: InputCRS | None, geo: dict[str, Any] | None, points: PointColumns) -> InputCRS:
    """The CRS the points are in: ``crs`` (the ``--crs`` given), or the geometry's, or WGS84.

    A GeoParquet geometry without a ``crs`` is in OGC:CRS84 (WGS84), as the format says.

    Raises
    ------
    CRSError
        ``crs`` given and the geometry says another.
    """
    if not points.geometry or geo is None:
        return crs or WGS84
    stored = geo["columns"][points.geometry].get("crs", "OGC:CRS84")
    found = WGS84 if stored is None else InputCRS.from_pyproj(pyproj.CRS.from_user_input(stored))
    if crs is not None and crs != found:
        raise CRSError(f"crs: the geometry is in {found}, not {crs}; leave out --crs")
    return found


def _check_names(names: list[str]) -> None:
    taken = sorted(set(names) & set(ANSWER_COLUMNS))
    if taken:
        raise InvalidInput(
            f"in_file: has the column(s) {', '.join(taken)} that assign adds; rename them"
        )


def _metadata(
    metadata: dict[bytes, bytes] | None, version: int, as_of: datetime | None
) -> dict[bytes, bytes]:
    """The input's metadata (its ``geo`` among them) and the boundaries the answers used."""
    kept = {k: v for k, v in (metadata or {}).items() if k != b"pandas"}
    stamp = {"areas_version": version, "as_of": clock.iso(as_of) if as_of else None}
    kept[METADATA_KEY] = json.dumps(stamp).encode()
    return kept


def _count(counts: list[int], answers: pa.Table) -> None:
    counts[0] += answers.num_rows
    counts[1] += int(pc.sum(pc.not_equal(answers["grid_code"], "")).as_py() or 0)
    counts[2] += int(pc.sum(pc.not_equal(answers["error"], "")).as_py() or 0)


@contextmanager
def _atomic(target: Path) -> Iterator[Path]:
    """A path beside ``target`` to write, which becomes ``target`` (replacing it) at the end."""
    part = target.with_name(f".{target.name}.part")
    old = target.with_name(f".{target.name}.old")
    _remove(part)
    try:
        yield part
        _remove(old)
        if target.exists():
            target.rename(old)
        part.rename(target)
        _remove(old)
    finally:
        _remove(part)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


# --- on a Dask cluster


def assign_dask(
    rt: Runtime,
    source: Path,
    target: Path,
    *,
    crs: InputCRS | None,
    options: TableOptions,
    as_of: datetime | None = None,
    scheduler: str | None = None,
) -> AssignSummary:
    """Answer a Parquet or CSV file (or a directory of parts) on Dask into Parquet parts.

    ``scheduler``: the address of a running cluster (its workers see ``source`` and
    ``target`` at the same paths); None starts a local one, a worker process per CPU.

    Raises
    ------
    InvalidInput
        The scheduler did not answer within `SCHEDULER_TIMEOUT_S` (nothing is written).
    """
    frame, points, geo = _dask_points(source, options)
    input_crs = points_crs(crs, geo, points)
    _check_names(list(frame.columns))
    with ExitStack() as stack:
        client = _client(scheduler, stack)
        snapshot = read_snapshot(rt, as_of)
        client.register_plugin(SnapshotPlugin(snapshot))
        meta = pd.concat([frame._meta, answer_frame(blank_answers(0))], axis=1)
        answered = frame.map_partitions(
            locate_partition, snapshot.key, points, input_crs, meta=meta
        )
        stored = {b"geo": json.dumps(geo).encode()} if geo else None
        metadata = _metadata(stored, snapshot.version, as_of)
        with _atomic(target) as part:
            answered.to_parquet(
                str(part.resolve()),
                write_index=False,
                custom_metadata=metadata,
                schema=_schema(source) if is_columnar(source) else "infer",
            )
    counts = [0, 0, 0]
    _count(counts, pq.read_table(target, columns=["grid_code", "error"]))
    return AssignSummary(counts[0], counts[1], counts[2], snapshot.version)


def _schema(source: Path) -> pa.Schema:
    """The output's schema: the input's columns, then the answers'.

    Given, as Dask would guess it from placeholder values, which fails for WKB geometry.
    """
    answers = pa.Schema.from_pandas(answer_frame(blank_answers(0)), preserve_index=False)
    return pa.schema([*_dataset(source).schema.remove_metadata(), *answers.remove_metadata()])


def read_snapshot(rt: Runtime, as_of: datetime | None) -> AreaSnapshot:
    """The areas valid at ``as_of`` and their version, read once from the store."""
    with connect(rt.engine) as conn:
        version, first, areas = boundary_snapshot(conn, as_of=as_of)
    check_as_of(as_of, first)
    key = f"v{version}" + (f"@{clock.iso(as_of)}" if as_of else "")
    return AreaSnapshot(key=key, version=version, areas=areas)


def _client(scheduler: str | None, stack: ExitStack) -> Client:
    """A client of the cluster at ``scheduler``, or of a new local one (closed with ``stack``)."""
    from distributed import Client, LocalCluster

    if scheduler is None:
        cluster = stack.enter_context(
            LocalCluster(
                n_workers=len(os.sched_getaffinity(0)),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
        )
        return stack.enter_context(Client(cluster))
    try:
        client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidInput(
            f"scheduler: no Dask scheduler answered at {scheduler} "
            f"within {SCHEDULER_TIMEOUT_S:g} s ({reason})"
        ) from None
    return stack.enter_context(client)


def _dask_points(
    source: Path, options: TableOptions
) -> tuple[dd.DataFrame, PointColumns, dict[str, Any] | None]:
    """The rows of ``source`` as a Dask DataFrame, where its points are, and its ``geo``."""
    import dask.dataframe as dd

    if is_columnar(source):
        geo = _geo(_dataset(source).schema.metadata)
        frame = dd.read_parquet(str(source.resolve()))
        return frame, point_columns(frame.columns, geometry=_primary(geo), options=options), geo
    files = sorted(source.glob("*.csv")) if source.is_dir() else [source]
    if not files or not files[0].is_file():
        raise UnreadableFile(f"{source}: no such file, or no .csv in it")
    encoding = first_block_encoding(files[0], options)
    frame = dd.read_csv(
        [str(f.resolve()) for f in files],
        blocksize=CSV_BLOCK_BYTES,
        dtype=str,
        keep_default_na=False,
        na_filter=False,
        encoding="utf-8-sig" if encoding.startswith("utf-8") else encoding,
    )
    return frame, point_columns(list(frame.columns), options=options), None


def first_block_encoding(path: Path, options: TableOptions) -> str:
    """The encoding of a CSV, as `gis.tables.detect` finds it in its first block of lines.

    The rest is read by the workers: a byte further on that the encoding cannot read fails
    the run (nothing written).
    """
    with path.open("rb") as stream:
        head = stream.read(tables.BLOCK_BYTES)
    if len(head) == tables.BLOCK_BYTES and b"\n" in head:
        head = head[: head.rindex(b"\n") + 1]  # whole lines: no character cut in two
    what = path.name
    return tables.detect(io.BytesIO(head), options.encoding, what=what, option="--encoding")
