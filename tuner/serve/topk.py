"""Exact top-k of each row of a score block, best first, ties by column (numpy only).

Used by batch serving (``tuner recommend --users``) and by the ranking metrics of a fold (tuner.models), so both
rank items the same way. Columns are items in ascending id order; ``-inf`` marks an excluded item (seen).

``np.argpartition`` over a whole row (59,047 items at the MovieLens 25M shape) costs more than the matrix
product that made it. Instead each row is cut into chunks of ``CHUNK`` columns and only the chunks whose maximum
reaches the row's k-th largest chunk maximum ``t`` are searched: the k chunk maxima >= t are k scores >= t, so
the k-th best score is >= t and every item scoring at least that lies in such a chunk (ties included). A row
where more than k chunks reach ``t`` (ties at the threshold, or fewer than k finite scores) takes the plain path.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CHUNK", "top_k_rows"]

CHUNK = 64  # columns per chunk: 923 chunk maxima per row at 59,047 items (measured in benchmarks/serving.py)


def top_k_rows(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best columns of each row of ``scores`` (n, m), best first, equal scores by column ascending.

    Args:
        scores: float (n, m); ``-inf`` excludes a column from a row. Not modified.
        k: how many per row (capped at m).

    Returns:
        ``(cols, vals)``: two (n, min(k, m)) arrays; columns of ``-inf`` scores pad rows with fewer finite ones
        (check ``np.isfinite(vals)``).
    """
    n, m = scores.shape
    k = min(int(k), m)
    if k <= 0 or n == 0:
        return np.zeros((n, max(k, 0)), dtype=np.int64), np.zeros((n, max(k, 0)), dtype=scores.dtype)
    chunks = -(-m // CHUNK)
    if chunks <= 2 * k:  # few chunks: nothing to skip
        return _plain(scores, np.arange(n), k)
    full = (m // CHUNK) * CHUNK
    maxima = scores[:, :full].reshape(n, full // CHUNK, CHUNK).max(axis=2)
    if full < m:
        maxima = np.concatenate([maxima, scores[:, full:].max(axis=1, keepdims=True)], axis=1)
    best = np.argpartition(maxima, chunks - k, axis=1)[:, chunks - k:]
    threshold = np.take_along_axis(maxima, best, axis=1).min(axis=1)
    tied = (maxima >= threshold[:, None]).sum(axis=1) > k
    best.sort(axis=1)  # chunks in column order, so candidates are in column order too
    cand = (best[:, :, None] * CHUNK + np.arange(CHUNK)).reshape(n, k * CHUNK)
    inside = cand < m
    cand = np.where(inside, cand, 0)
    vals = np.where(inside, np.take_along_axis(scores, cand, axis=1), -np.inf)
    order = np.argsort(-vals, axis=1, kind="stable")[:, :k]
    cols = np.take_along_axis(cand, order, axis=1)
    top = np.take_along_axis(vals, order, axis=1).astype(scores.dtype, copy=False)
    if tied.any():
        rows = np.flatnonzero(tied)
        cols[rows], top[rows] = _plain(scores, rows, k)
    return cols.astype(np.int64, copy=False), top


def _plain(scores: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k of ``scores[rows]`` by a partition of every column (ties at the k-th score resolved by column)."""
    block = scores[rows]
    m = block.shape[1]
    if k < m:
        kth = np.partition(block, m - k, axis=1)[:, m - k]
        # every column scoring at least the k-th best, in column order; at least k per row
        keep = block >= kth[:, None]
        width = int(keep.sum(axis=1).max())
        cand = np.argsort(~keep, axis=1, kind="stable")[:, :width]
    else:
        cand = np.tile(np.arange(m), (len(rows), 1))
    vals = np.take_along_axis(block, cand, axis=1)
    order = np.argsort(-vals, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(cand, order, axis=1).astype(np.int64), np.take_along_axis(vals, order, axis=1)
