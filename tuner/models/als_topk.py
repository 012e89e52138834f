"""Each user's top-k unseen items in Spark, for ALS and for the most-popular baseline (executors only).

Seen items are excluded by over-fetching: a user with ``s`` training items needs at most ``k + s`` candidates.
``recommendForUserSubset`` takes one count for all the users it is given, so users are grouped by
``s`` rounded up to a power of two and each group is asked for ``k + 2^ceil(log2(s))`` candidates: exact (never
fewer than k unseen items when the catalogue has them) without fetching the heaviest user's count for everyone.
Scoring cost is the same as one call (each user is scored once, in its group); only the queue sizes differ.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

__all__ = ["seen_counts", "model_top_k", "popular_top_k", "item_popularity"]


def seen_counts(train: DataFrame, users: DataFrame | None = None) -> DataFrame:
    """``(user, n_seen, fetch_bucket)`` for ``users`` (all training users when None)."""
    counts = train.groupBy("user").agg(F.countDistinct("item").alias("n_seen"))
    if users is not None:
        counts = counts.join(users.select("user").distinct(), "user")
    bucket = F.when(F.col("n_seen") <= 1, F.col("n_seen")).otherwise(
        F.pow(F.lit(2), F.ceil(F.log2("n_seen"))).cast("int"))
    return counts.withColumn("fetch_bucket", bucket)


def _first_k_unseen(candidates: DataFrame, train: DataFrame, k: int) -> DataFrame:
    """``(user, item, pos, score)`` candidates -> ``(user, items array<int>, scores array<float>)``, best first."""
    unseen = candidates.join(train.select("user", "item"), ["user", "item"], "left_anti")
    ranked = unseen.withColumn("r", F.row_number().over(Window.partitionBy("user").orderBy("pos", "item")))
    lists = ranked.where(F.col("r") <= k).groupBy("user").agg(
        F.array_sort(F.collect_list(F.struct("pos", "item", "score"))).alias("top"))
    return lists.select("user", F.col("top.item").alias("items"), F.col("top.score").cast("array<float>")
                        .alias("scores"))


def model_top_k(model, train: DataFrame, counts: DataFrame, k: int) -> DataFrame:
    """Each user of ``counts`` (from :func:`seen_counts`): the ALS model's top-``k`` items not in ``train``.

    Returns:
        ``(user, items array<int>, scores array<float>)``, best first.
    """
    buckets = sorted(int(r["fetch_bucket"]) for r in counts.select("fetch_bucket").distinct().collect())
    parts = []
    for b in buckets:  # a handful of ints (log2 of the largest user): not data
        group = counts.where(F.col("fetch_bucket") == b).select("user")
        recs = model.recommendForUserSubset(group, k + b)
        parts.append(recs.select("user", F.posexplode("recommendations").alias("pos", "rec"))
                     .select("user", F.col("rec.item").alias("item"), "pos", F.col("rec.rating").alias("score")))
    if not parts:
        return counts.select("user").where(F.lit(False)).withColumn("items", F.array().cast("array<int>")) \
            .withColumn("scores", F.array().cast("array<float>"))
    candidates = parts[0]
    for p in parts[1:]:
        candidates = candidates.unionByName(p)
    return _first_k_unseen(candidates, train, k)


def item_popularity(train: DataFrame) -> DataFrame:
    """``(item, count, pop_rank)``: training interactions per item, rank 1 = most (ties by item id)."""
    counts = train.groupBy("item").count()
    return counts.withColumn("pop_rank", F.row_number().over(Window.orderBy(F.desc("count"), "item")))


def popular_top_k(train: DataFrame, counts: DataFrame, k: int) -> DataFrame:
    """Each user of ``counts``: the ``k`` most popular training items the user has not seen (score = count)."""
    pop = item_popularity(train)
    need = counts.select("user", (F.col("n_seen") + k).alias("need"))
    candidates = need.join(F.broadcast(pop), F.col("pop_rank") <= F.col("need")).select(
        "user", "item", F.col("pop_rank").alias("pos"), F.col("count").cast("float").alias("score"))
    return _first_k_unseen(candidates, train, k)
