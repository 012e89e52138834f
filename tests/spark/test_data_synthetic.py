"""Synthetic ratings: deterministic, no duplicate pairs, half stars in [0.5, 5], about the asked size, learnable."""

import pytest
from pyspark.sql import functions as F

from tuner.config.schema import DataConfig, SyntheticConfig
from tuner.data import prepare_ratings, synthetic_ratings

pytestmark = pytest.mark.spark

SMALL = SyntheticConfig(ratings=20_000, users=500, items=300, partitions=4)


@pytest.fixture(scope="module")
def stats(spark):
    df = synthetic_ratings(spark, SMALL, seed=0)
    row = df.agg(
        F.count(F.lit(1)).alias("n"),
        F.count_distinct("user", "item").alias("pairs"),
        F.min("rating").alias("low"),
        F.max("rating").alias("high"),
        F.mean("rating").alias("mean"),
        F.sum((F.col("rating") * 2 != F.floor(F.col("rating") * 2)).cast("int")).alias("not_half"),
        F.min("user").alias("min_user"),
        F.max("user").alias("max_user"),
        F.min("item").alias("min_item"),
        F.max("item").alias("max_item"),
        F.sum((F.col("item") <= 30).cast("int")).alias("top_decile_items"),
    ).first()
    return df, row


def test_shape(stats):
    df, row = stats
    assert dict(df.dtypes) == {"user": "int", "item": "int", "rating": "double"}
    assert abs(row["n"] / SMALL.ratings - 1) < 0.02  # the expected count is exact; the draw varies by ~0.5%
    assert row["pairs"] == row["n"]
    assert (row["low"], row["high"], row["not_half"]) == (0.5, 5.0, 0)
    assert 3.3 < row["mean"] < 3.7
    assert (row["min_user"], row["max_user"], row["min_item"], row["max_item"]) == (1, 500, 1, 300)
    assert row["top_decile_items"] > 0.2 * row["n"]  # popularity skew: the lowest 10% of item ids get > 20%
    assert df.rdd.getNumPartitions() == SMALL.partitions


def test_deterministic_for_a_seed(spark, stats):
    df, _ = stats
    same = synthetic_ratings(spark, SMALL.model_copy(update={"partitions": 3}), seed=0)
    other = synthetic_ratings(spark, SMALL, seed=1)
    assert df.exceptAll(same).union(same.exceptAll(df)).count() == 0
    assert df.exceptAll(other).count() > 0.9 * SMALL.ratings


def test_goes_through_cleaning_clean(spark):
    prepared = prepare_ratings(spark, DataConfig(format="synthetic", synthetic=SMALL, folds=2))
    assert (prepared.source, prepared.format) == ("synthetic", "synthetic")
    assert prepared.rows.read == prepared.rows.kept and not any(prepared.rows.dropped.values())
    assert prepared.train.count() + prepared.test.count() == prepared.rows.kept


def test_low_rank_signal_is_learnable(spark, stats):
    """ALS recovers the signal: held-out RMSE well below the std of the ratings (noise 0.5 is the floor)."""
    from pyspark.ml.evaluation import RegressionEvaluator
    from pyspark.ml.recommendation import ALS

    df, _ = stats
    train, test = df.randomSplit([0.8, 0.2], seed=0)
    model = ALS(rank=8, maxIter=10, regParam=0.1, seed=0, coldStartStrategy="drop").fit(train)
    rmse = RegressionEvaluator(labelCol="rating").evaluate(model.transform(test))
    std = df.agg(F.stddev("rating")).first()[0]
    assert rmse < 0.85 * std, (rmse, std)  # measured 0.75 * std; the floor is noise + rounding
