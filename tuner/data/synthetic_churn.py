"""A churn-shaped classification table generated inside Spark: seeded, any size, never on the driver."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

LABEL = "churn"


def _pick(u: Column, options: list[tuple[float, str]]) -> Column:
    """A categorical value from a uniform draw ``u`` and cumulative thresholds."""
    out = None
    for threshold, value in options:
        out = F.when(u < threshold, value) if out is None else out.when(u < threshold, value)
    return out


def synthetic_churn(spark: SparkSession, rows: int, seed: int, missing_fraction: float = 0.02,
                    partitions: int = 4) -> DataFrame:
    """Customers with a learnable churn signal (~25% positives; a logistic model reaches AUC ~0.82).

    Churn is more likely on month-to-month contracts, short tenure, high monthly charges and electronic-check
    payment. ``age``, ``total_charges`` and ``payment_method`` are missing in about ``missing_fraction`` of
    rows each (as null), like the blanks of real exports.

    Args:
        spark: the session to generate in.
        rows: number of customers.
        seed: the same seed and partitions give the same table.
        missing_fraction: share of missing values per column with missing values.
        partitions: Spark partitions of the generated frame.

    Returns:
        A frame with ``id``, the numeric columns (double), the categorical columns (string) and ``churn``
        (string 'yes'/'no').
    """
    rnd = [F.rand(seed * 1000 + k) for k in range(12)]
    base = spark.range(0, rows, 1, partitions)
    df = base.select(
        "id",
        (F.lit(18) + F.floor(rnd[0] * 62)).cast("double").alias("age"),
        F.floor(F.pow(rnd[1], 1.5) * 72).cast("double").alias("tenure"),
        (F.lit(20) + rnd[2] * 100).alias("monthly_charges"),
        _pick(rnd[3], [(0.6, "consumer"), (0.9, "small-business"), (1.1, "enterprise")]).alias("customer_type"),
        _pick(rnd[4], [(0.5, "month-to-month"), (0.75, "one-year"), (1.1, "two-year")]).alias("contract"),
        _pick(rnd[5], [(0.35, "electronic-check"), (0.55, "mailed-check"), (0.775, "bank-transfer"),
                       (1.1, "credit-card")]).alias("payment_method"),
        rnd[6].alias("_noise"), rnd[7].alias("_u"), rnd[8].alias("_m1"), rnd[9].alias("_m2"), rnd[10].alias("_m3"),
    )
    z = (
        F.lit(-1.0)
        + 1.5 * (F.col("contract") == "month-to-month").cast("double")
        - 0.8 * (F.col("contract") == "two-year").cast("double")
        - 0.045 * F.col("tenure")
        + 0.02 * (F.col("monthly_charges") - 70)
        + 0.7 * (F.col("payment_method") == "electronic-check").cast("double")
        - 0.5 * (F.col("customer_type") == "enterprise").cast("double")
        - 0.01 * (F.col("age") - 45)
    )
    prob = 1 / (1 + F.exp(-z))
    total = F.round(F.col("monthly_charges") * F.col("tenure") * (0.95 + 0.1 * F.col("_noise")), 2)
    df = df.select(
        "id",
        F.when(F.col("_m1") >= missing_fraction, F.col("age")).alias("age"),
        "tenure",
        F.round("monthly_charges", 2).alias("monthly_charges"),
        F.when(F.col("_m2") >= missing_fraction, total).alias("total_charges"),
        "customer_type",
        "contract",
        F.when(F.col("_m3") >= missing_fraction, F.col("payment_method")).alias("payment_method"),
        F.when(F.col("_u") < prob, "yes").otherwise("no").alias(LABEL),
    )
    return df
