"""Readers of the export's small stores: one user's seen items (``seen/``) and the most-rated items."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tuner.serve import layout
from tuner.serve.errors import ServeError

__all__ = ["SeenStore", "seen_items", "seen_items_many", "popular_items"]


def parquet_parts(folder: Path) -> list[Path]:
    """The Parquet part files of a folder Spark (or pyarrow) wrote, skipping _SUCCESS, .crc and other files."""
    return sorted(f for f in folder.iterdir() if f.suffix == ".parquet" and not f.name.startswith(("_", ".")))


class SeenStore:
    """``seen/`` opened once: every row group's min/max ``user`` from the footers, so a lookup reads only the row
    groups whose range holds the user (one, as the store is sorted by user), never the whole training set.

    pyarrow.dataset would do the same pruning, but importing it imports pandas (~0.4 s of a fresh process).
    """

    def __init__(self, root: str | Path):
        folder = Path(root) / layout.SEEN
        if not folder.is_dir():
            raise ServeError(f"{root}: no {layout.SEEN}/ (the training items to exclude); re-export the model, or "
                             "pass --include-seen.")
        self.groups: list[tuple[pq.ParquetFile, int]] = []
        lo, hi = [], []
        for file in parquet_parts(folder):
            pf = pq.ParquetFile(file)
            col = pf.schema_arrow.get_field_index("user")
            for g in range(pf.metadata.num_row_groups):
                stats = pf.metadata.row_group(g).column(col).statistics
                known = stats is not None and stats.has_min_max
                self.groups.append((pf, g))
                lo.append(stats.min if known else np.iinfo(np.int64).min)
                hi.append(stats.max if known else np.iinfo(np.int64).max)
        self.lo, self.hi = np.array(lo, dtype=np.int64), np.array(hi, dtype=np.int64)

    def groups_for(self, users: np.ndarray) -> np.ndarray:
        """Indexes of the row groups whose [min, max] user range holds any of ``users`` (sorted, unique)."""
        first, last = np.searchsorted(users, self.lo), np.searchsorted(users, self.hi, side="right")
        return np.flatnonzero(last > first)

    def _read(self, users: np.ndarray) -> tuple[np.ndarray, pa.ListArray]:
        tables = [pf.read_row_group(g, columns=["user", "items"]) for pf, g in
                  (self.groups[i] for i in self.groups_for(users))]
        if not tables:
            return np.zeros(0, dtype=np.int64), pa.array([], pa.list_(pa.int32()))
        table = pa.concat_tables(tables)
        owner = table.column("user").to_numpy().astype(np.int64)
        keep = np.isin(owner, users)
        return owner[keep], table.column("items").combine_chunks().filter(pa.array(keep))

    def one(self, user: int) -> np.ndarray:
        """The training items of ``user`` (int64, may be empty)."""
        _, items = self._read(np.array([int(user)], dtype=np.int64))
        return items.flatten().to_numpy().astype(np.int64)

    def many(self, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The training items of many users as two aligned int64 arrays ``(user, item)``."""
        owner, items = self._read(np.unique(np.asarray(users, dtype=np.int64)))
        lengths = np.diff(items.offsets.to_numpy())
        return np.repeat(owner, lengths), items.flatten().to_numpy().astype(np.int64)


def seen_items(root: str | Path, user: int) -> np.ndarray:
    """The training items of ``user`` (int64, may be empty).

    ``seen/`` is sorted by user with small row groups: the filter is answered from the row groups' min/max
    statistics, so only the row group that holds ``user`` is read and decoded.
    """
    return SeenStore(root).one(user)


def seen_items_many(root: str | Path, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The training items of many users as two aligned int64 arrays ``(user, item)``, one pair per seen item."""
    return SeenStore(root).many(users)


def popular_items(root: str | Path, k: int) -> list[tuple[int, float]]:
    """The ``k`` most-rated training items as ``(item, number of ratings)``, most first.

    Raises:
        ServeError: the export has no popular.parquet.
    """
    file = Path(root) / layout.POPULAR
    if not file.exists():
        raise ServeError(f"{root}: no {layout.POPULAR}, so --fallback popular cannot answer; re-export the model.")
    table = pq.read_table(file, columns=["item", "count"]).sort_by([("count", "descending"), ("item", "ascending")])
    return [(int(i), float(c)) for i, c in zip(table.column("item").to_pylist()[:k],
                                               table.column("count").to_pylist()[:k])]
