"""Test split and cross-validation folds from hashes of (user, item, seed): independent of partitioning."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

_BUCKETS = 1_000_000  # resolution of the test fraction


def split_ratings(df: DataFrame, test_fraction: float, folds: int, seed: int) -> tuple[DataFrame, DataFrame]:
    """Split ratings into a held-out test set and training rows with a fold number.

    A row's side and fold depend only on (user, item, seed), so they are the same however the frame is
    partitioned or ordered; for large data the fractions are close to the requested ones.

    Args:
        df: ratings with int columns ``user`` and ``item``.
        test_fraction: share of rows held out for the final test, in (0, 1).
        folds: number of cross-validation folds (>= 2).
        seed: changes the assignment of both the test set and the folds.

    Returns:
        ``(train, test)``: ``train`` has the columns of ``df`` plus int ``fold`` in ``[0, folds)``;
        ``test`` has the columns of ``df``.
    """
    key = (F.col("user"), F.col("item"), F.lit(seed).cast("long"))
    bucket = F.pmod(F.xxhash64(*key, F.lit("test")), F.lit(_BUCKETS))
    in_test = bucket < F.lit(int(round(test_fraction * _BUCKETS)))
    fold = F.pmod(F.xxhash64(*key, F.lit("fold")), F.lit(folds)).cast("int")
    return df.filter(~in_test).withColumn("fold", fold), df.filter(in_test)
