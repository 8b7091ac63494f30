"""Lookup answers out, for HTTP and the CLI alike: CSV and NDJSON, each input row echoed first.

The input is read by `gis.pointfiles` and answered by `gis.usecases.lookup`; this is rendering.
A CSV answer is written in the encoding `gis.tables.answer_encoding` chose (the input's).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
import orjson

from gis import tables
from gis.lookup import LEVEL_COLUMNS
from gis.pointfiles import Rows
from gis.usecases.lookup import ANSWER_COLUMNS, Answers, blank_answers

PIECE_ROWS = 10_000
"""Rows rendered at a time: a chunk of 100,000 rows as one CSV string with Chinese names takes
four bytes a character (twice, with ``getvalue``), ~100 MB; in pieces, a tenth of that."""


def _text(values: Any, digits: int) -> list[str]:
    return ["" if v != v else f"{v:.{digits}f}" for v in values.tolist()]


def answer_texts(answers: Answers) -> list[list[str]]:
    """The answer columns as CSV text, column by column."""
    failed = answers["error"] != ""
    boundary = np.where(answers["on_boundary"], "true", "false").astype(object)
    boundary[failed] = ""
    columns = {
        "wgs84_lon": _text(answers["wgs84_lon"], 7),
        "wgs84_lat": _text(answers["wgs84_lat"], 7),
        "on_boundary": boundary.tolist(),
        "neighbours": [";".join(codes) for codes in answers["neighbours"].tolist()],
        "distance_m": _text(answers["distance_m"], 1),
    }
    return [columns.get(name) or answers[name].tolist() for name in ANSWER_COLUMNS]


def csv_text(rows: Rows, answers: Answers, header: list[str] | None = None) -> str:
    """CSV lines: each input row followed by its answers (and a header line first if given)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header is not None:
        writer.writerow([*header, *ANSWER_COLUMNS])
    texts = answer_texts(answers)
    writer.writerows(
        [*row, *answer] for row, answer in zip(rows, zip(*texts, strict=True), strict=True)
    )
    return out.getvalue()


def ndjson_lines(rows: Rows, answers: Answers, header: list[str]) -> bytes:
    """One JSON object per line: the input fields, then the answers (null where none)."""
    failed = (answers["error"] != "").tolist()
    lists = {name: answers[name].tolist() for name in ANSWER_COLUMNS}
    for name in (*LEVEL_COLUMNS, "nearest_grid_code", "error"):
        lists[name] = [v or None for v in lists[name]]
    lists["neighbours"] = [list(codes) for codes in lists["neighbours"]]
    for name in ("on_boundary", "neighbours"):
        lists[name] = [None if bad else v for v, bad in zip(lists[name], failed, strict=True)]
    out = bytearray()
    for position, row in enumerate(rows):
        record = dict(zip(header, row, strict=True))
        record.update({name: values[position] for name, values in lists.items()})
        out += orjson.dumps(record)
        out += b"\n"
    return bytes(out)


def answer_bytes(
    chunks: Iterable[tuple[Rows, Answers]],
    header: list[str],
    *,
    ndjson: bool = False,
    encoding: str = "utf-8",
) -> Iterator[bytes]:
    """The answer of a batch: CSV in ``encoding`` (the header once, even with no rows) or NDJSON.

    NDJSON is UTF-8, as JSON is. Rendered `PIECE_ROWS` at a time: memory stays at one piece,
    and the client gets the first rows sooner.
    """
    if ndjson:
        for rows, answers in chunks:
            yield from (ndjson_lines(r, a, header) for r, a in _pieces(rows, answers))
        return
    yield from tables.encoded(_csv_pieces(chunks, header), encoding)


def _csv_pieces(chunks: Iterable[tuple[Rows, Answers]], header: list[str]) -> Iterator[str]:
    first: list[str] | None = header
    for rows, answers in chunks:
        for piece_rows, piece_answers in _pieces(rows, answers):
            yield csv_text(piece_rows, piece_answers, first)
            first = None
    if first is not None:  # no rows: still a header
        yield csv_text([], blank_answers(0), first)


def _pieces(rows: Rows, answers: Answers) -> Iterator[tuple[Rows, Answers]]:
    for start in range(0, len(rows), PIECE_ROWS):
        end = start + PIECE_ROWS
        yield rows[start:end], {name: values[start:end] for name, values in answers.items()}
