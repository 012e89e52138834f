"""Readers of the export's small stores: one user's seen items (``seen/``) and the most-rated items."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tuner.serve import layout
from tuner.serve._arrow import column_numpy, list_numpy
from tuner.serve.errors import ServeError, reading

__all__ = ["SeenStore", "parquet_parts", "popular_items", "read_parquet", "seen_items", "seen_items_many"]


def parquet_parts(folder: Path) -> list[Path]:
    """The Parquet part files of a folder Spark (or pyarrow) wrote, skipping _SUCCESS, .crc and other files."""
    return sorted(f for f in folder.iterdir() if f.suffix == ".parquet" and not f.name.startswith(("_", ".")))


def read_parquet(path: Path, columns: list[str] | None = None) -> pa.Table:
    """A Parquet file, or every part file of a folder Spark wrote, as one table.

    ``pq.read_table`` would do this through ``pyarrow.dataset``, whose import pulls in pandas: ~0.4 s of a
    fresh ``tuner recommend`` process. One ``ParquetFile`` per part costs nothing at import.
    """
    files = parquet_parts(path) if path.is_dir() else [path]
    tables = [pq.ParquetFile(f).read(columns=columns) for f in files]
    if not tables:
        raise ServeError(f"{path}: no Parquet files in this folder.")
    return pa.concat_tables(tables) if len(tables) > 1 else tables[0]


class SeenStore:
    """``seen/`` opened once: every row group's min/max ``user`` from the footers, so a lookup reads only the row
    groups whose range holds the user (one, as the store is sorted by user), never the whole training set.

    pyarrow.dataset would do the same pruning, but importing it imports pandas (~0.4 s of a fresh process).
    """

    CACHE_BYTES = 256 << 20

    def __init__(self, root: str | Path):
        folder = Path(root) / layout.SEEN
        if not folder.is_dir():
            raise ServeError(f"{root}: no {layout.SEEN}/ (the training items to exclude); re-export the model, or "
                             "pass --include-seen.")
        self.folder = folder
        self.groups: list[tuple[pq.ParquetFile, int]] = []
        lo, hi = [], []
        with reading(folder):
            for file in parquet_parts(folder):
                pf = pq.ParquetFile(file)
                col = pf.schema_arrow.get_field_index("user")
                if col < 0 or pf.schema_arrow.get_field_index("items") < 0:
                    raise ServeError(f"{file}: expected columns user, items; re-export the model.")
                for g in range(pf.metadata.num_row_groups):
                    stats = pf.metadata.row_group(g).column(col).statistics
                    known = stats is not None and stats.has_min_max
                    self.groups.append((pf, g))
                    lo.append(stats.min if known else np.iinfo(np.int64).min)
                    hi.append(stats.max if known else np.iinfo(np.int64).max)
        self.lo, self.hi = np.array(lo, dtype=np.int64), np.array(hi, dtype=np.int64)
        self._cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._cached_bytes = 0

    def groups_for(self, users: np.ndarray) -> np.ndarray:
        """Indexes of the row groups whose [min, max] user range holds any of ``users`` (sorted, unique)."""
        first, last = np.searchsorted(users, self.lo), np.searchsorted(users, self.hi, side="right")
        return np.flatnonzero(last > first)

    def _group(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row group ``i`` decoded as ``(owners sorted, offsets, items)``, kept for the next lookups.

        A Recommender that answers many users (a server, ``recommend_block``) decodes each row group once; the
        cache holds at most ``CACHE_BYTES`` of decoded items (the least recently used group goes first)."""
        hit = self._cache.pop(i, None)
        if hit is None:
            pf, g = self.groups[i]
            with reading(self.folder):
                table = pf.read_row_group(g, columns=["user", "items"])
            owner = column_numpy(table.column("user")).astype(np.int64)
            lengths, flat = list_numpy(table.column("items"))
            offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
            if np.any(owner[1:] < owner[:-1]):  # written sorted by user; sorted here only if it is not
                order = np.argsort(owner, kind="stable")
                flat, owner = flat[_spans(offsets, order)], owner[order]
                offsets = np.concatenate([[0], np.cumsum(lengths[order])]).astype(np.int64)
            hit = (owner, offsets, flat.astype(np.int64))
            self._cached_bytes += hit[2].nbytes
            while self._cache and self._cached_bytes > self.CACHE_BYTES:
                self._cached_bytes -= self._cache.pop(next(iter(self._cache)))[2].nbytes
        self._cache[i] = hit  # most recently used last
        return hit

    def _read(self, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Aligned int64 ``(user, item)`` pairs of ``users`` (sorted, unique), from their row groups only.

        Slicing is numpy on the list offsets (see :mod:`tuner.serve._arrow`), not ``Array.filter``.
        """
        owners, items = [], []
        for i in self.groups_for(users):
            owner, offsets, flat = self._group(int(i))
            pos = np.minimum(np.searchsorted(owner, users), max(len(owner) - 1, 0))
            rows = np.unique(pos[owner[pos] == users]) if len(owner) else pos[:0]
            owners.append(np.repeat(owner[rows], offsets[rows + 1] - offsets[rows]))
            items.append(flat[_spans(offsets, rows)])
        if not owners:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(owners), np.concatenate(items)

    def one(self, user: int) -> np.ndarray:
        """The training items of ``user`` (int64, may be empty)."""
        return self._read(np.array([int(user)], dtype=np.int64))[1]

    def many(self, users: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The training items of many users as two aligned int64 arrays ``(user, item)``."""
        return self._read(np.unique(np.asarray(users, dtype=np.int64)))


def _spans(offsets: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Indexes into the flat values of the lists ``rows`` (in that order), given the lists' ``offsets``."""
    lengths = offsets[rows + 1] - offsets[rows]
    firsts = np.repeat(offsets[rows] - (np.cumsum(lengths) - lengths), lengths)
    return firsts + np.arange(int(lengths.sum()), dtype=np.int64)


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
    with reading(file):
        table = read_parquet(file, ["item", "count"])
    items = column_numpy(table.column("item")).astype(np.int64)
    counts = column_numpy(table.column("count")).astype(np.int64)
    order = np.lexsort((items, -counts))[:k]  # most rated first, ties by item id
    return [(int(i), float(c)) for i, c in zip(items[order], counts[order])]
