"""Ranking metrics of a fitted ALS model (ndcg@K, map@K, precision@K, recall@K) and of the popularity baseline,
computed in Spark with ``RankingEvaluator`` on a seeded sample of users; nothing is collected to the driver.

Users: those with held-out rows that the model knows (cold-start users cannot be ranked; counted as
``ranking_users_cold``); a seeded sample of ``ranking_users`` of them. Sampled users without a relevant held-out
item are dropped from the means (Spark would score them 0) and counted as ``ranking_users_without_relevant``.
"""

from __future__ import annotations

from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from tuner.config.ranking import POPULAR_PREFIX
from tuner.models.als_topk import model_top_k, popular_top_k, seen_counts

__all__ = ["EVALUATOR_METRICS", "POPULAR_PREFIX", "ranking_metrics", "ranking_scores", "relevant_lists",
           "sample_users"]

# tuner's metric name -> RankingEvaluator's metricName (its NDCG is binary: relevance 0/1)
EVALUATOR_METRICS = {"ndcg": "ndcgAtK", "map": "meanAveragePrecisionAtK", "precision": "precisionAtK",
                     "recall": "recallAtK"}


def sample_users(valid: DataFrame, train: DataFrame, n: int, seed: int) -> DataFrame:
    """A seeded sample of ``n`` users with held-out rows and training rows (all of them when fewer)."""
    users = valid.select("user").distinct().join(train.select("user").distinct(), "user")
    return users.orderBy(F.xxhash64("user", F.lit(seed)), "user").limit(n)


def relevant_lists(valid: DataFrame, users: DataFrame, relevant_rating: float, implicit: bool) -> DataFrame:
    """``(user, label array<double>)``: each sampled user's relevant held-out items (users with none left out)."""
    rows = valid.join(users, "user")
    if not implicit:
        rows = rows.where(F.col("rating") >= relevant_rating)
    return rows.groupBy("user").agg(F.array_sort(F.collect_set(F.col("item").cast("double"))).alias("label"))


def ranking_scores(frame: DataFrame, ks, prefix: str = "") -> dict[str, float]:
    """RankingEvaluator's metrics on ``frame`` (``prediction``, ``label``: array<double>) for each k in ``ks``.

    Returns:
        ``{"<prefix>ndcg@K": ..., "<prefix>map@K": ..., "<prefix>precision@K": ..., "<prefix>recall@K": ...}``.
    """
    from pyspark.ml.evaluation import RankingEvaluator

    out = {}
    for k in ks:
        for name, metric in EVALUATOR_METRICS.items():
            ev = RankingEvaluator(predictionCol="prediction", labelCol="label", metricName=metric, k=int(k))
            out[f"{prefix}{name}@{k}"] = float(ev.evaluate(frame))
    return out


def ranking_metrics(model, train: DataFrame, valid: DataFrame, ks=(10,), relevant_rating: float = 4.0,
                    implicit: bool = False, ranking_users: int = 10_000, seed: int = 0,
                    baseline: bool = True) -> dict:
    """ndcg/map/precision/recall@K of ``model`` and of the most-popular baseline on the same sampled users.

    Args:
        model: a fitted ``pyspark.ml.recommendation.ALSModel`` (columns user, item).
        train: the frame it was fitted on (its items are excluded from each user's recommendations).
        valid: held-out ``user, item, rating`` rows (a fold's validation part or the test set).
        ks: cut-offs (positive ints).
        relevant_rating: a held-out rating >= this is relevant (ignored when ``implicit``: every row is).
        ranking_users: how many users to sample; seed: the sample's seed.
        baseline: also score the most-popular items (``popular_*`` keys) on the same users.

    Returns:
        Floats ``ndcg@K``, ``map@K``, ``precision@K``, ``recall@K`` (and ``popular_<same>``) for each K, plus
        ints ``ranking_users_evaluated``, ``ranking_users_without_relevant``, ``ranking_users_cold``.
        Users with no relevant held-out item are left out of the means (RankingEvaluator would count them as 0).
    """
    spark_users = sample_users(valid, train, ranking_users, seed).persist(StorageLevel.MEMORY_AND_DISK)
    labels = relevant_lists(valid, spark_users, relevant_rating, implicit).persist(StorageLevel.MEMORY_AND_DISK)
    counts = seen_counts(train, labels).persist(StorageLevel.MEMORY_AND_DISK)
    k = max(int(x) for x in ks)
    try:
        held_out = valid.select("user").distinct()
        cold = held_out.join(train.select("user").distinct(), "user", "left_anti").count()
        sampled, evaluated = spark_users.count(), labels.count()
        out = {"ranking_users_evaluated": evaluated, "ranking_users_without_relevant": sampled - evaluated,
               "ranking_users_cold": cold}
        prefixes = ("", POPULAR_PREFIX) if baseline else ("",)
        if evaluated == 0:
            return {**{f"{p}{n}@{x}": float("nan") for p in prefixes for n in EVALUATOR_METRICS for x in ks}, **out}
        for prefix in prefixes:
            top = popular_top_k(train, counts, k) if prefix else model_top_k(model, train, counts, k)
            frame = labels.join(top.select("user", F.col("items").cast("array<double>").alias("prediction")),
                                "user", "left_outer")
            frame = frame.withColumn("prediction", F.coalesce("prediction", F.array().cast("array<double>")))
            frame = frame.persist(StorageLevel.MEMORY_AND_DISK)
            out.update(ranking_scores(frame, ks, prefix))
            frame.unpersist()
        return out
    finally:
        for df in (spark_users, labels, counts):
            df.unpersist()
