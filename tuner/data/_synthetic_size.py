"""How many independent (user, item) draws give a wanted number of distinct pairs (numpy on small arrays)."""

from __future__ import annotations

import math

import numpy as np

from tuner.data.errors import DataError

_BINS = 400  # geometric index bins per side; the binning error in the expectation is well under 0.5%


def index_probabilities(n: int, exponent: float) -> np.ndarray:
    """P(floor(n * U**exponent) == j) for U uniform on (0, 1) and j = 0 .. n-1 (decreasing in j).

    Args:
        n: number of ids.
        exponent: >= 1; larger means more skew towards low indexes.

    Returns:
        A float array of length n summing to 1.
    """
    edges = (np.arange(n + 1, dtype=np.float64) / n) ** (1.0 / exponent)
    return np.diff(edges)


def draws_for_distinct(target: int, users: int, items: int, user_exponent: float, item_exponent: float) -> int:
    """The number of draws whose expected count of distinct (user, item) pairs is ``target``.

    Draws are independent with P(user=i, item=j) = p_i q_j, so E[distinct] = sum 1 - (1 - p_i q_j)^n,
    computed here with the Poisson form on geometric index bins.

    Args:
        target: wanted distinct pairs.
        users: number of users.
        items: number of items.
        user_exponent: skew of user activity (see ``index_probabilities``).
        item_exponent: skew of item popularity.

    Returns:
        The number of draws, >= target.

    Raises:
        DataError: ``target`` is too close to ``users * items`` to be reached with a reasonable oversampling.
    """
    user_counts, user_p = _binned(index_probabilities(users, user_exponent))
    item_counts, item_p = _binned(index_probabilities(items, item_exponent))
    weight = np.outer(user_counts, item_counts)
    rate = np.outer(user_p, item_p)

    def expected(draws: float) -> float:
        return float((weight * -np.expm1(-draws * rate)).sum())

    low, high = float(target), 2.0 * target
    while expected(high) < target:
        low, high = high, 2 * high
        if high > 64 * target:
            raise DataError(
                f"data.synthetic.ratings={target} distinct pairs is too many for users={users} x items={items} "
                "with this popularity skew; raise synthetic.users or synthetic.items, or lower synthetic.ratings"
            )
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if expected(middle) < target else (low, middle)
    return math.ceil(high)


def _binned(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(p)
    edges = np.unique(np.concatenate([[0], np.geomspace(1, n, _BINS).astype(np.int64), [n]]))
    counts = np.diff(edges)
    return counts, np.add.reduceat(p, edges[:-1]) / counts
