"""Stratified, seeded test split and k folds for a labelled table, computed in Spark without a global sort.

Rows are hashed into (class, bucket) groups; inside a group, rows ordered by a second hash take the test side
at an even rate (``floor((r+1)f+phi) > floor(rf+phi)``) and the training rows deal out to folds round-robin.
Every class is therefore split at the requested fraction up to one row per group, and each fold gets the same
class balance, while the work spreads over ``2 * BUCKETS`` groups instead of one partition per class.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

BUCKETS = 64
LABEL, FOLD = "_label", "_fold"


def stratified_split(df: DataFrame, key_cols: list[str], test_fraction: float, folds: int,
                     seed: int, stratify: bool = True) -> tuple[DataFrame, DataFrame]:
    """Split a frame with a ``_label`` column into test rows and training rows with a ``_fold``.

    Args:
        df: the cleaned table; ``_label`` is the class index (0.0, 1.0, ...) when ``stratify``.
        key_cols: columns whose values (with ``seed``) decide a row's place; include a row id if there is one.
        test_fraction: share of each class held out, in (0, 1).
        folds: number of CV folds.
        seed: another seed gives another split.
        stratify: keep each class's share in the test set and every fold; False (a numeric label, or none):
            rows are dealt by their hash alone.

    Returns:
        ``(train, test)``: train has int ``_fold`` in ``[0, folds)``; test has the columns of ``df``.
    """
    key = [F.coalesce(F.col(c).cast("string"), F.lit("\u0000")) for c in key_cols]
    h = F.xxhash64(*key, F.lit(seed).cast("long"))
    ranked = df.withColumn("_h", h).withColumn("_bucket", F.pmod(F.col("_h"), F.lit(BUCKETS)))
    ranked = ranked.withColumn("_stratum", F.col(LABEL) if stratify else F.lit(0.0))
    group = Window.partitionBy("_stratum", "_bucket").orderBy("_h", F.xxhash64(*key, F.lit("tie")))
    # phi, offset: per-group constants so rounding leftovers do not always fall on the same side or fold
    phi = F.pmod(F.xxhash64("_stratum", "_bucket", F.lit(seed), F.lit("phi")), F.lit(1000)) / 1000.0
    offset = F.pmod(F.xxhash64("_stratum", "_bucket", F.lit(seed), F.lit("fold")), F.lit(folds))
    r = F.row_number().over(group) - 1
    f = F.lit(float(test_fraction))
    ranked = ranked.withColumn("_r", r).withColumn("_phi", phi)
    before = F.floor(F.col("_r") * f + F.col("_phi"))
    in_test = F.floor((F.col("_r") + 1) * f + F.col("_phi")) > before
    ranked = ranked.withColumn("_test", in_test).withColumn(
        FOLD, F.pmod(F.col("_r") - before + offset, F.lit(folds)).cast("int"))
    helper = ["_h", "_bucket", "_stratum", "_r", "_phi", "_test"]
    train = ranked.filter(~F.col("_test")).drop(*helper)
    test = ranked.filter(F.col("_test")).drop(*helper, FOLD)
    return train, test
