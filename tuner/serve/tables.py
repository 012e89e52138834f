"""Input and output files of the serving commands: CSV or Parquet by extension, columns checked by name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from tuner.errors import shorten
from tuner.serve._arrow import column_numpy
from tuner.serve.errors import ServeError
from tuner.serve.store import read_parquet
from tuner.safe_io import atomic_path, write_error

__all__ = ["FORMATS", "add_column", "id_column", "read_table", "require_columns", "write_table"]

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def _format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower()) or ("parquet" if path.is_dir() else None)
    if fmt is None:
        raise ServeError(f"{path}: unknown file type {path.suffix or '(none)'}; use one of {', '.join(FORMATS)}.")
    return fmt


def read_table(path: str | Path) -> pa.Table:
    """A CSV (header row) or Parquet file (or Parquet folder) as an Arrow table.

    Raises:
        ServeError: missing file, unknown extension, or a file pyarrow cannot parse.
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise ServeError(f"{p}: no such input file.")
    try:
        return pcsv.read_csv(p) if _format(p) == "csv" else read_parquet(p)
    except (pa.ArrowException, OSError, KeyError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ServeError(f"{p}: cannot read it as {_format(p)} ({shorten(first.encode('ascii', 'replace').decode())})."
                         ) from None


def write_table(table: pa.Table, path: str | Path, fmt: str | None = None) -> Path:
    """Write ``table`` as CSV or Parquet (``fmt``, else by the extension of ``path``); parent folders are created.

    The file appears whole or not at all: it is written under a temporary name and renamed (a full disk leaves
    no truncated output, and an existing file its old content).

    Raises:
        ServeError: ``path`` is a folder, has an unknown extension, or cannot be written (full disk, no access).
    """
    p = Path(path).expanduser()
    if p.is_dir():
        raise ServeError(f"{p}: is a folder; give --out a file name ending in .csv or .parquet.")
    fmt = fmt or _format(p)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(p) as tmp:
            pcsv.write_csv(table, tmp) if fmt == "csv" else pq.write_table(table, tmp)
    except OSError as exc:
        raise ServeError(write_error(p, exc).message) from None
    return p


def require_columns(table: pa.Table, names, where) -> None:
    """Raise ServeError naming every column of ``names`` that ``table`` lacks (or has twice), and the columns it has."""
    twice = [n for n in names if table.column_names.count(n) > 1]
    if twice:
        raise ServeError(f"{where}: column {twice[0]!r} appears {table.column_names.count(twice[0])} times; "
                         "each column must be named once.")
    missing = [n for n in names if n not in table.column_names]
    if missing:
        raise ServeError(f"{where}: missing column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}"
                         f" (the file has: {', '.join(table.column_names) or 'no columns'}).")


def add_column(table: pa.Table, name: str, values: pa.Array, where) -> pa.Table:
    """``table`` with a new column ``name``; refused if the input already has one (the output would hold two)."""
    if name in table.column_names:
        raise ServeError(f"{where}: already has a column {name!r}, which the output adds; rename or drop it.")
    return table.append_column(name, values)


def id_column(table: pa.Table, name: str, where, allow_null: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Column ``name`` as ``(int64 ids, valid mask)``; with ``allow_null`` empty cells are allowed (id 0, invalid).

    Raises:
        ServeError: the column is missing, not integers, or (without ``allow_null``) has empty cells.
    """
    require_columns(table, [name], where)
    col = table.column(name)
    if not pa.types.is_integer(col.type):
        raise ServeError(f"{where}: column {name!r} must hold integer ids, got {col.type}.")
    if col.null_count and not allow_null:
        raise ServeError(f"{where}: column {name!r} has {col.null_count} empty cells; every row needs an id.")
    if not col.null_count:  # the usual case, without pyarrow.compute (slow to import; see serve/_arrow.py)
        return column_numpy(col).astype(np.int64), np.ones(len(col), dtype=bool)
    valid = col.is_valid().to_numpy(zero_copy_only=False)
    return col.fill_null(0).to_numpy().astype(np.int64), valid
