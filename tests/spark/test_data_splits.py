"""Splits: deterministic from (user, item, seed), independent of partitioning; fractions near the requested ones."""

import pytest
from pyspark.sql import functions as F

from tuner.data import split_ratings

pytestmark = pytest.mark.spark

N = 20_000


@pytest.fixture(scope="module")
def ratings(spark):
    return spark.range(N, numPartitions=3).select(
        (F.col("id") % 400 + 1).cast("int").alias("user"),
        (F.col("id") / 400 + 1).cast("int").alias("item"),
        F.lit(4.0).alias("rating"),
    )


def _same(a, b):
    return a.exceptAll(b).union(b.exceptAll(a)).count() == 0


def test_same_seed_same_split_across_repartition(ratings):
    train, test = split_ratings(ratings, 0.2, 3, seed=7)
    train2, test2 = split_ratings(ratings.repartition(7, "rating").orderBy(F.rand(1)), 0.2, 3, seed=7)
    assert _same(train, train2) and _same(test, test2)


def test_other_seed_other_split(ratings):
    (train, test), (_, test2) = split_ratings(ratings, 0.2, 3, 7), split_ratings(ratings, 0.2, 3, 8)
    assert not _same(test, test2)
    assert set(train.columns) == {"user", "item", "rating", "fold"}


def test_fractions_and_fold_range(ratings):
    train, test = split_ratings(ratings, 0.25, 4, seed=0)
    n_test = test.count()
    assert abs(n_test / N - 0.25) < 0.01
    sizes = dict(train.groupBy("fold").count().collect())
    assert sorted(sizes) == [0, 1, 2, 3] and sum(sizes.values()) + n_test == N
    assert all(abs(n / (N - n_test) - 0.25) < 0.02 for n in sizes.values())
    assert dict(train.dtypes)["fold"] == "int"
