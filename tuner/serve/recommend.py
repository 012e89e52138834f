"""Top-k items for users from an exported ALS model: numpy on the factor Parquet, no JVM, no Ray.

One user: the item factors are read whole; the user's vector from the one row group that holds it (found by
reading the small ``id`` column) and its seen items from one row group of ``seen/``, so a fresh process answers
without loading every user's factors.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from tuner.serve import layout
from tuner.serve.errors import ServeError
from tuner.serve.factors import AlsFactors, load_factors, read_factor_row, read_factor_table
from tuner.serve.model_dir import ModelDir, resolve_model_dir
from tuner.serve.store import SeenStore, popular_items
from tuner.serve.tables import write_table
from tuner.serve.topk import top_k_rows

__all__ = ["FALLBACKS", "Recommender", "recommend", "recommend_many", "top_k"]

FALLBACKS = (None, "popular")
BATCH_USERS = 512  # users scored per matrix product: 512 x 59k float32 = 120 MB at the 25M shape


def top_k(scores: np.ndarray, item_ids: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best of ``scores`` (-inf = excluded) as ``(item ids, scores)``, best first, ties by item id
    (``item_ids`` ascending, as :class:`~tuner.serve.factors.Factors` keeps them)."""
    cols, vals = top_k_rows(scores[None, :], k)
    keep = np.isfinite(vals[0])
    return item_ids[cols[0][keep]], vals[0][keep]


class Recommender:
    """An ALS model ready to answer; build it once and call it many times (the factors stay in memory).

    Args:
        model: a path (model folder, run directory or native ALS folder) or a resolved :class:`ModelDir`.
        load_users: read every user's factors now (many users in one process) instead of one at a time.
    """

    def __init__(self, model: str | Path | ModelDir, load_users: bool = False):
        self.model = model if isinstance(model, ModelDir) else resolve_model_dir(model)
        self.model.require("ratings")
        native = self.model.native
        self._seen: SeenStore | None = None
        if load_users:
            self._factors: AlsFactors | None = load_factors(native)
            self.items = self._factors.items
        else:
            self._factors = None
            self.items = read_factor_table(native / layout.ITEM_FACTORS)

    @property
    def seen(self) -> SeenStore:
        """The seen-items store, opened on first use (not needed with include_seen)."""
        if self._seen is None:
            self._seen = SeenStore(self.model.root)
        return self._seen

    def user_vector(self, user: int) -> np.ndarray | None:
        """The user's factor vector (float32), or None when the model never saw the user."""
        if self._factors is not None:
            row = int(self._factors.users.rows([user])[0])
            return None if row < 0 else self._factors.users.matrix[row]
        return read_factor_row(self.model.native / layout.USER_FACTORS, user)

    def recommend(self, user: int, k: int = 10, include_seen: bool = False,
                  fallback: str | None = None) -> list[tuple[int, float]]:
        """The top-``k`` ``(item, score)`` of ``user``, best first (see :func:`recommend`)."""
        return self.answer(user, k, include_seen, fallback)[0]

    def answer(self, user: int, k: int = 10, include_seen: bool = False,
               fallback: str | None = None) -> tuple[list[tuple[int, float]], bool]:
        """:meth:`recommend`'s list and whether the fallback answered it (the model never saw ``user``)."""
        _check_args(k, fallback)
        vec = self.user_vector(user)
        if vec is None:
            if fallback == "popular":
                return popular_items(self.model.root, k), True
            raise ServeError(f"user {user} is not in the model (it had no training ratings); pass --fallback "
                             "popular to answer with the most-rated items.")
        if vec.shape[0] != self.items.matrix.shape[1]:
            raise ServeError(f"{self.model.native}: user factors of rank {vec.shape[0]}, item factors of rank "
                             f"{self.items.matrix.shape[1]}; not one ALS model's factors.")
        scores = self.items.matrix @ vec
        if not include_seen:
            rows = self.items.rows(self.seen.one(user))
            scores[rows[rows >= 0]] = -np.inf
        ids, vals = top_k(scores, self.items.ids, k)
        return [(int(i), float(s)) for i, s in zip(ids, vals)], False

    def recommend_block(self, users: np.ndarray, k: int, include_seen: bool) -> tuple[np.ndarray, np.ndarray]:
        """Top-k item ids and scores for known users: two (len(users), k) arrays (-1 / -inf pad short rows)."""
        users = np.asarray(users, dtype=np.int64)
        factors = self._factors or load_factors(self.model.native)
        self._factors = factors
        scores = factors.users.matrix[factors.users.rows(users)] @ self.items.matrix.T
        if not include_seen:
            owner, item = self.seen.many(users)
            order = np.argsort(users)
            r = order[np.searchsorted(users, owner, sorter=order)]
            c = self.items.rows(item)
            scores[r[c >= 0], c[c >= 0]] = -np.inf
        part, top = top_k_rows(scores, k)
        ids = np.where(np.isfinite(top), self.items.ids[part], -1)
        return ids, top


def _check_args(k: int, fallback: str | None) -> None:
    if not isinstance(k, int) or k < 1:
        raise ServeError(f"-k must be an int >= 1, got {k!r}.")
    if fallback not in FALLBACKS:
        raise ServeError(f"--fallback must be one of: popular, got {fallback!r}.")


def recommend(model_dir: str | Path, user: int, k: int = 10, include_seen: bool = False,
              fallback: str | None = None) -> list[tuple[int, float]]:
    """One user's top-``k`` items from an exported ALS model.

    Args:
        model_dir: a model folder, a run directory or a native Spark ALS folder.
        user: the user id.
        k: how many items.
        include_seen: keep the user's training items (excluded by default, as in the exported recommendations).
        fallback: ``"popular"`` answers a user the model never saw with the most-rated items (score = their
            number of training ratings); ``None`` raises.

    Returns:
        ``[(item, score), ...]`` best first; fewer than ``k`` when the user has seen almost every item.

    Raises:
        ServeError: unknown user without fallback, bad ``k``/``fallback``, or a folder that is not an ALS export.
    """
    return Recommender(model_dir).recommend(user, k, include_seen, fallback)


def _read_users(users_file: str | Path) -> np.ndarray:
    from tuner.serve.tables import id_column, read_table

    return id_column(read_table(users_file), "user", users_file)[0]


def _lists_table(blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> pa.Table:
    """(users, ids (n, k_b), scores (n, k_b)) blocks -> one table of list columns (-1 ids dropped), no Python
    loop over users. Blocks may be of different widths (the popular fallback can hold fewer than k items)."""
    width = max((b[1].reshape(len(b[0]), -1).shape[1] for b in blocks), default=0)

    def padded(b, j, fill, dtype):
        a = b[j].reshape(len(b[0]), -1).astype(dtype)
        return np.pad(a, ((0, 0), (0, width - a.shape[1])), constant_values=fill)

    users = np.concatenate([b[0] for b in blocks]) if blocks else np.zeros(0, dtype=np.int64)
    ids = np.concatenate([padded(b, 1, -1, np.int64) for b in blocks]) if blocks else np.zeros((0, 0), np.int64)
    scores = np.concatenate([padded(b, 2, np.nan, np.float32) for b in blocks]) if blocks else \
        np.zeros((0, 0), np.float32)
    keep = ids >= 0
    offsets = pa.array(np.concatenate([[0], np.cumsum(keep.sum(axis=1))]).astype(np.int32))
    return pa.table({"user": pa.array(users.astype(np.int64)),
                     "items": pa.ListArray.from_arrays(offsets, pa.array(ids[keep])),
                     "scores": pa.ListArray.from_arrays(offsets, pa.array(scores[keep]))})


def recommend_many(model_dir: str | Path, users_file: str | Path, out_parquet: str | Path, k: int = 10,
                   include_seen: bool = False, fallback: str | None = None) -> dict:
    """Top-``k`` for every user of a CSV/Parquet file (column ``user``), written as Parquet.

    Output columns: ``user`` int64, ``items`` list<int64>, ``scores`` list<float> (best first), the layout of
    the exported ``recommendations/``. Users the model never saw get the most-rated items with
    ``fallback="popular"`` and are left out otherwise; either way they are counted.

    Returns:
        ``{"users": n, "answered": n, "unknown": n, "unknown_sample": [...], "seconds": s, "out": path}``.
    """
    _check_args(k, fallback)
    t0 = time.perf_counter()
    users = np.unique(_read_users(users_file))
    rec = Recommender(model_dir, load_users=True)
    known_mask = rec._factors.users.rows(users) >= 0
    known, unknown = users[known_mask], users[~known_mask]
    blocks = [(known[s:s + BATCH_USERS], *rec.recommend_block(known[s:s + BATCH_USERS], k, include_seen))
              for s in range(0, len(known), BATCH_USERS)]
    if fallback == "popular" and len(unknown):
        pop = popular_items(rec.model.root, k)
        blocks.append((unknown, np.tile([i for i, _ in pop], (len(unknown), 1)).astype(np.int64),
                       np.tile([c for _, c in pop], (len(unknown), 1)).astype(np.float32)))
    table = _lists_table(blocks)
    write_table(table, out_parquet, fmt="parquet")
    return {"users": int(len(users)), "answered": int(table.num_rows), "unknown": int(len(unknown)),
            "unknown_sample": unknown[:5].tolist(), "seconds": round(time.perf_counter() - t0, 3),
            "out": str(out_parquet)}
