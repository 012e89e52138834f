"""ALS factor matrices from Spark's native model folder (``userFactors/``, ``itemFactors/`` Parquet), no JVM."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tuner.serve import layout
from tuner.serve._arrow import column_numpy, list_numpy
from tuner.errors import shorten
from tuner.serve.errors import ServeError, reading
from tuner.serve.store import parquet_parts, read_parquet

__all__ = ["Factors", "AlsFactors", "load_factors", "read_factor_row", "read_factor_table"]


@dataclass(frozen=True)
class Factors:
    """One side's factors, rows sorted by id.

    Attributes:
        ids: int64 ids, ascending.
        matrix: float32 (len(ids), rank), row i belongs to ids[i].
    """

    ids: np.ndarray
    matrix: np.ndarray

    def rows(self, ids) -> np.ndarray:
        """Row index of each id in ``ids`` (int64 array), -1 where the model has no factors for it."""
        ids = np.asarray(ids, dtype=np.int64)
        pos = np.searchsorted(self.ids, ids)
        pos = np.minimum(pos, len(self.ids) - 1)
        return np.where(self.ids[pos] == ids, pos, -1) if len(self.ids) else np.full(ids.shape, -1)


@dataclass(frozen=True)
class AlsFactors:
    """Both sides of an ALS model."""

    users: Factors
    items: Factors

    @property
    def rank(self) -> int:
        return self.items.matrix.shape[1]


def read_factor_table(folder: Path) -> Factors:
    """Read one factor folder (Spark's Parquet part files) into a :class:`Factors`.

    The ``features`` list column is flattened by pyarrow into one float32 buffer and reshaped: no Python loop.

    Raises:
        ServeError: the folder is missing, or its columns are not ``id`` int + ``features`` list<float>.
    """
    try:
        table = read_parquet(folder, ["id", "features"])
    except (OSError, pa.ArrowException, KeyError, IndexError) as exc:
        raise ServeError(f"{folder}: cannot read ALS factors ({shorten(str(exc))}).") from None
    if not pa.types.is_integer(table.schema.field("id").type) or not pa.types.is_list(
            table.schema.field("features").type):
        raise ServeError(f"{folder}: expected columns id int, features list<float>, got {table.schema}.")
    ids = column_numpy(table.column("id")).astype(np.int64, copy=False)
    if len(ids) == 0:
        return Factors(ids, np.zeros((0, 0), dtype=np.float32))
    lengths, flat = list_numpy(table.column("features"))
    rank = int(lengths.min())
    if rank != int(lengths.max()):
        raise ServeError(f"{folder}: factor vectors of different lengths; not an ALS model.")
    matrix = flat.astype(np.float32, copy=False).reshape(len(ids), rank)
    if np.any(ids[1:] < ids[:-1]):
        order = np.argsort(ids, kind="stable")
        ids, matrix = ids[order], matrix[order]
    _check_factors(folder, ids, matrix)
    return Factors(ids, np.ascontiguousarray(matrix))


def _check_factors(folder: Path, ids: np.ndarray, matrix: np.ndarray) -> None:
    """Refuse what Spark never writes and serving would answer wrongly in silence: an id twice (the same item
    recommended twice), NaN/inf factors (every score of that id NaN, so the item or user quietly drops out)."""
    dup = ids[1:][ids[1:] == ids[:-1]]
    if len(dup):
        raise ServeError(f"{folder}: {len(np.unique(dup))} ids appear more than once (e.g. {int(dup[0])}); "
                         "not a Spark ALS model's factors.")
    bad = ~np.isfinite(matrix).all(axis=1)
    if bad.any():
        raise ServeError(f"{folder}: {int(bad.sum())} ids have NaN or infinite factors (e.g. {int(ids[bad][0])}); "
                         "the model is broken: tune again (a smaller regParam or rank rarely diverges).")


def read_factor_row(folder: Path, id_: int) -> np.ndarray | None:
    """One id's factor vector (float32) without decoding the other rows' features, or None when absent.

    Reads the ``id`` column of each part file (4 bytes a row) and then only the row group holding the id.
    """
    if not folder.is_dir():
        raise ServeError(f"{folder}: no ALS factors here.")
    with reading(folder):
        return _factor_row(folder, id_)


def _factor_row(folder: Path, id_: int) -> np.ndarray | None:
    for file in parquet_parts(folder):
        pf = pq.ParquetFile(file)
        for g in range(pf.metadata.num_row_groups):
            ids = column_numpy(pf.read_row_group(g, columns=["id"]).column(0))
            hit = np.flatnonzero(ids == id_)
            if len(hit):
                feats = pf.read_row_group(g, columns=["features"]).column(0)
                row = feats.slice(int(hit[0]), 1)  # one list: its lengths and values, no compute/pandas
                vec = np.asarray(list_numpy(row)[1], dtype=np.float32)
                _check_factors(folder, np.array([id_]), vec.reshape(1, -1))
                return vec
    return None


def load_factors(native: str | Path) -> AlsFactors:
    """Both factor tables of a native Spark ALS folder.

    Args:
        native: the folder ``ALSModel.write().save(path)`` wrote.
    """
    native = Path(native)
    users = read_factor_table(native / layout.USER_FACTORS)
    items = read_factor_table(native / layout.ITEM_FACTORS)
    if users.matrix.shape[1:] != items.matrix.shape[1:]:
        raise ServeError(f"{native}: user and item factors have different ranks.")
    return AlsFactors(users, items)
