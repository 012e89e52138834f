"""Export a fitted ALS model for no-JVM serving (tuner.serve), written by Spark's executors.

Beside Spark's native folder (whose userFactors/ and itemFactors/ the serving code reads in place) it writes
``recommendations/``, ``seen/`` and ``popular.parquet`` in the layout of :mod:`tuner.serve.layout`.
"""

from __future__ import annotations

import os

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from tuner.models.als_topk import item_popularity, model_top_k, seen_counts
from tuner.serve import layout

__all__ = ["export_for_serving", "predict_pairs", "seen_store"]


def _join(root: str, name: str) -> str:
    return root.rstrip("/") + "/" + name  # also for s3a:// and hdfs:// roots, where os.path is wrong


def seen_store(train: DataFrame, partitions: int) -> DataFrame:
    """``(user int, items array<int>)`` per training user, range-partitioned and sorted by user."""
    lists = train.groupBy("user").agg(F.array_sort(F.collect_set(F.col("item").cast("int"))).alias("items"))
    return lists.select(F.col("user").cast("int").alias("user"), "items") \
        .repartitionByRange(partitions, "user").sortWithinPartitions("user")


def export_for_serving(model, train: DataFrame, model_dir: str, top_k: int = 10, partitions: int | None = None,
                       native: str = layout.NATIVE_DEFAULT) -> dict:
    """Write what ``tuner recommend`` needs beside the native model, and return the card's ``serving`` block.

    Args:
        model: the fitted ``ALSModel`` (already saved, or to be saved, as ``model_dir/<native>``).
        train: the frame it was fitted on (``user``, ``item``, ``rating``): seen items and popularity come from it.
        model_dir: the folder holding model_card.json (``runs/<run>/model``); local, or shared storage on a
            multi-node cluster (executors write here).
        top_k: recommendations stored per user (training items excluded).
        partitions: Parquet files per store (default: the cluster's default parallelism).
        native: the native model folder's name inside ``model_dir``.

    Returns:
        ``{"layout_version", "native", "top_k", "fingerprint": {"rows", "users", "items"}, "files": {...}}``.
    """
    spark = train.sparkSession
    n = partitions or max(1, spark.sparkContext.defaultParallelism)
    stats = train.agg(F.count(F.lit(1)).alias("rows"), F.countDistinct("user").alias("users"),
                      F.countDistinct("item").alias("items")).first()
    seen_store(train, n).write.mode("overwrite").option("parquet.block.size", layout.SEEN_ROW_GROUP_BYTES) \
        .parquet(_join(model_dir, layout.SEEN))
    recs = model_top_k(model, train, seen_counts(train), top_k)
    recs.select(F.col("user").cast("int").alias("user"), "items", "scores") \
        .repartitionByRange(n, "user").sortWithinPartitions("user") \
        .write.mode("overwrite").parquet(_join(model_dir, layout.RECOMMENDATIONS))
    item_popularity(train).where(F.col("pop_rank") <= layout.POPULAR_KEEP).orderBy("pop_rank") \
        .select(F.col("item").cast("int").alias("item"), F.col("count").cast("long").alias("count")) \
        .coalesce(1).write.mode("overwrite").parquet(_join(model_dir, layout.POPULAR))
    return {"layout_version": layout.LAYOUT_VERSION, "native": os.path.basename(native), "top_k": top_k,
            "fingerprint": {"rows": int(stats["rows"]), "users": int(stats["users"]), "items": int(stats["items"])},
            "files": {"recommendations": layout.RECOMMENDATIONS + "/", "seen": layout.SEEN + "/",
                      "popular": layout.POPULAR}}


def predict_pairs(model, frame: DataFrame) -> DataFrame:
    """``frame`` (``user``, ``item``, ...) plus ``prediction``: NaN for ids the model never saw (not dropped).

    The tuned model drops cold-start rows (``coldStartStrategy="drop"``, right for RMSE); predicting keeps every
    row, so a copy with the ``nan`` strategy is used.
    """
    return model.copy({model.coldStartStrategy: "nan"}).transform(frame)
