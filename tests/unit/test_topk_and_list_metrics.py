"""The exact top-k of score blocks (tuner.serve.topk) and the ranking metrics of a hit matrix, no JVM.

The metrics' parity with Spark's RankingEvaluator is tests/spark/test_als_serving_parity.py; here the
hand-computed values and the edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tuner.serve.topk import CHUNK, top_k_rows


def brute(scores: np.ndarray, k: int) -> list[list[int]]:
    """Each row's k best columns, best first, equal scores by column ascending; -inf columns last."""
    return [sorted(range(len(row)), key=lambda c: (-row[c], c))[:k] for row in scores]


@pytest.mark.parametrize("m", [7, CHUNK * 3, CHUNK * 40 + 17])
@pytest.mark.parametrize("k", [1, 5, 10])
def test_top_k_rows_equals_brute_force_with_ties_and_excluded_columns(m, k):
    rng = np.random.default_rng(m * 100 + k)
    scores = rng.normal(size=(30, m)).astype(np.float32)
    scores[::3] = np.round(scores[::3])  # many ties at the threshold
    scores[1, :] = 2.0  # every column equal
    scores[2, : m - 3] = -np.inf  # fewer finite scores than k
    scores[4, rng.choice(m, m // 2, replace=False)] = -np.inf
    before = scores.copy()
    cols, vals = top_k_rows(scores, k)
    want = brute(scores, k)
    assert cols.tolist() == want
    assert np.array_equal(vals, np.take_along_axis(scores, np.asarray(want), axis=1))
    assert np.array_equal(scores, before, equal_nan=True)


def test_top_k_rows_caps_k_at_the_columns_and_keeps_the_dtype():
    scores = np.array([[0.5, 3.0, 1.0]], dtype=np.float64)
    cols, vals = top_k_rows(scores, 10)
    assert cols.tolist() == [[1, 2, 0]] and vals.dtype == np.float64
    assert top_k_rows(np.zeros((0, 5), np.float32), 3)[0].shape == (0, 3)


def test_list_metrics_on_a_hand_made_fixture():
    from tuner.models.als_ranking import list_metrics

    # user 1: predicted [1, 2, 3], relevant {1, 3}; user 2: predicted [4, 5] (a short list), relevant {6}; k = 3
    hits = np.array([[True, False, True], [False, False, False]])
    got = list_metrics(hits, np.array([2, 1]), [3])
    ndcg1 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))  # hits at ranks 1 and 3; ideal: ranks 1, 2
    want = {"precision@3": (2 / 3 + 0) / 2, "recall@3": (2 / 2 + 0) / 2, "map@3": ((1 / 1 + 2 / 3) / 2 + 0) / 2,
            "ndcg@3": (ndcg1 + 0) / 2}
    assert got == pytest.approx(want, abs=1e-12)


def test_list_metrics_past_a_short_list_and_more_relevant_than_k():
    from tuner.models.als_ranking import list_metrics

    # two recommendations only (the user saw the rest), both relevant, 5 relevant items; K = 1 and 4
    got = list_metrics(np.array([[True, True]]), np.array([5]), [1, 4], prefix="popular_")
    ideal4 = sum(1 / math.log2(i + 2) for i in range(4))
    assert got == pytest.approx({
        "popular_ndcg@1": 1.0, "popular_map@1": 1.0, "popular_precision@1": 1.0, "popular_recall@1": 0.2,
        "popular_ndcg@4": (1 + 1 / math.log2(3)) / ideal4, "popular_map@4": 2 / 4, "popular_precision@4": 0.5,
        "popular_recall@4": 0.4}, abs=1e-12)
