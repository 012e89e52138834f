"""The one-pass ranking metrics (numpy on the driver) against Spark's RankingEvaluator, the reference: the same
numbers to 1e-9 on the same lists, and on a fitted model against Spark's own ranking (recommendForUserSubset)."""

from __future__ import annotations

import numpy as np
import pytest
from pyspark.sql import functions as F

pytestmark = pytest.mark.spark

KS = (1, 3, 10)


def test_list_metrics_equal_ranking_evaluator_on_random_lists(spark):
    from tuner.models.als_ranking import list_metrics, ranking_scores

    rng = np.random.default_rng(3)
    preds, labels = [], []
    for _ in range(300):  # short lists, empty lists, more relevant items than K, no hit at all
        preds.append(rng.choice(40, int(rng.integers(0, 13)), replace=False).tolist())
        labels.append(rng.choice(40, int(rng.integers(1, 16)), replace=False).tolist())
    frame = spark.createDataFrame([([float(x) for x in p], [float(x) for x in sorted(lab)])
                                   for p, lab in zip(preds, labels)], "prediction array<double>, label array<double>")
    hits = np.zeros((len(preds), max(KS)), bool)
    for u, (p, lab) in enumerate(zip(preds, labels)):
        hits[u, :len(p[:max(KS)])] = np.isin(p[:max(KS)], lab)
    ours = list_metrics(hits, np.array([len(lab) for lab in labels]), KS)
    theirs = ranking_scores(frame, KS)
    assert ours.keys() == theirs.keys()
    assert max(abs(ours[k] - theirs[k]) for k in ours) <= 1e-9, {k: (ours[k], theirs[k]) for k in ours}


def _reference(spark, model, train, valid, ks, relevant_rating, implicit, users, seed):
    """The reference: Spark's own ranking of every item (recommendForUserSubset), then its RankingEvaluator,
    for the model and for the most-popular items (by training count, ties by item id), seen items removed."""
    from tuner.models.als_ranking import POPULAR_PREFIX, ranking_scores, sample_users

    sample = sample_users(valid, train, users, seed)
    n_items = train.select("item").distinct().count()
    ranked = {r["user"]: [x["item"] for x in r["recommendations"]]
              for r in model.recommendForUserSubset(sample, n_items).collect()}
    seen = {}
    for r in train.select("user", "item").collect():
        seen.setdefault(r["user"], set()).add(r["item"])
    counts = {r["item"]: r["count"] for r in train.groupBy("item").count().collect()}
    popular = sorted(counts, key=lambda i: (-counts[i], i))
    rows = valid.join(sample, "user")
    if not implicit:
        rows = rows.where(F.col("rating") >= relevant_rating)
    labels = {r["user"]: sorted({float(x) for x in r["items"]})
              for r in rows.groupBy("user").agg(F.collect_list("item").alias("items")).collect()}
    out = {}
    for prefix, order in (("", ranked), (POPULAR_PREFIX, {u: popular for u in labels})):
        lists = [([float(i) for i in order[u] if i not in seen[u]][:max(ks)], lab) for u, lab in labels.items()]
        frame = spark.createDataFrame(lists, "prediction array<double>, label array<double>")
        out.update(ranking_scores(frame, ks, prefix))
    return out


@pytest.mark.parametrize("implicit", [False, True], ids=["explicit", "implicitPrefs"])
def test_ranking_metrics_equal_spark_top_k_and_ranking_evaluator(spark, implicit):
    from pyspark.ml.recommendation import ALS

    from tuner.models.als_ranking import ranking_metrics

    rng = np.random.default_rng(5)
    taste = rng.normal(size=(80, 3)) @ rng.normal(size=(3, 50))  # low-rank preferences: a learnable order
    pairs = {(int(u), int(i)) for u, i in zip(rng.integers(0, 80, 1500), rng.integers(0, 50, 1500))}
    data = [(u + 1, i + 1, float(np.clip(np.round(3 + taste[u, i]), 1, 5))) for u, i in sorted(pairs)]
    train, valid = spark.createDataFrame(data, "user int, item int, rating double").randomSplit([0.8, 0.2], seed=2)
    train, valid = train.cache(), valid.cache()
    model = ALS(rank=4, maxIter=5, regParam=0.1, seed=0, userCol="user", itemCol="item", ratingCol="rating",
                coldStartStrategy="drop", implicitPrefs=implicit).fit(train)
    got = ranking_metrics(model, train, valid, (1, 10), 4.0, implicit, ranking_users=50, seed=1)
    want = _reference(spark, model, train, valid, (1, 10), 4.0, implicit, 50, 1)
    assert got["ranking_users_evaluated"] + got["ranking_users_without_relevant"] == 50
    assert got["ranking_users_evaluated"] >= 25
    assert got["ndcg@10"] > 0 and got["popular_ndcg@10"] > 0
    assert {k: got[k] for k in want}.keys() == want.keys()
    assert max(abs(got[k] - want[k]) for k in want) <= 1e-9, {k: (got[k], want[k]) for k in want}


def test_a_fold_sample_is_collected_once_for_every_model_scored_there(spark):
    """With a cache (the service's state), trials scoring the same fold reuse its sample: one entry per split,
    found again for frames built anew the way each trial builds them, and the same numbers as without a cache."""
    from pyspark.ml.recommendation import ALS

    from tuner.models.als_ranking import ranking_metrics

    rng = np.random.default_rng(7)
    taste = rng.normal(size=(60, 3)) @ rng.normal(size=(3, 40))
    pairs = {(int(u), int(i)) for u, i in zip(rng.integers(0, 60, 1200), rng.integers(0, 40, 1200))}
    rows = [(u + 1, i + 1, float(np.clip(np.round(3 + taste[u, i]), 1, 5)), (u + i) % 2) for u, i in sorted(pairs)]
    data = spark.createDataFrame(rows, "user int, item int, rating double, fold int").cache()

    def split(fold):  # as SparkALS.fold_frames: new frames on every call
        return data.where(data.fold != fold), data.where(data.fold == fold)

    cache: dict = {}
    for fold in (0, 1):
        for rank in (2, 5):
            train, valid = split(fold)
            model = ALS(rank=rank, maxIter=4, regParam=0.1, seed=0, userCol="user", itemCol="item",
                        ratingCol="rating").fit(train)
            cached = ranking_metrics(model, *split(fold), (5,), ranking_users=30, seed=2, cache=cache)
            fresh = ranking_metrics(model, train, valid, (5,), ranking_users=30, seed=2)
            assert cached == fresh
        assert len(cache) == fold + 1  # the second model of a fold found the first one's sample
    ranking_metrics(model, *split(1), (5,), ranking_users=20, seed=2, cache=cache)  # another sample size
    assert len(cache) == 3


def test_confidence_transforms_of_implicit_values(spark):
    import math

    from tuner.models.spark_als import confidence_values

    frame = spark.createDataFrame([(1, 1, 0.5), (1, 2, 4.0), (2, 1, 5.0)], "user int, item int, rating double")

    def values(params):
        return [r["rating"] for r in confidence_values(frame, params, 4.0).orderBy("user", "item").collect()]

    assert values({}) == values({"confidence": "raw"}) == [0.5, 4.0, 5.0]
    assert values({"confidence": "log", "confidence_eps": 2.0}) == pytest.approx(
        [math.log1p(0.25), math.log1p(2.0), math.log1p(2.5)], abs=1e-12)
    assert values({"confidence": "threshold"}) == [0.0, 1.0, 1.0]  # data.relevant_rating
    assert values({"confidence": "threshold", "confidence_threshold": 4.5}) == [0.0, 0.0, 1.0]
