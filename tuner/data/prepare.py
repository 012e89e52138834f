"""The one entry point: resolve the source, read, clean, split."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession

from tuner.config.schema import DataConfig
from tuner.data.cleaning import clean_ratings
from tuner.data.counts import RowCounts
from tuner.data.download import resolve_ratings_path
from tuner.data.formats import resolve_source
from tuner.data.readers import raw_from_typed, read_raw
from tuner.data.splits import split_ratings
from tuner.data.synthetic import synthetic_ratings


@dataclass(frozen=True)
class PreparedRatings:
    """Clean ratings split for tuning and testing. Nothing is cached: the caller decides.

    Attributes:
        train: user int, item int, rating double, fold int in [0, folds).
        test: user int, item int, rating double.
        rows: how many rows were read, kept and dropped by reason.
        source: the path read, or ``synthetic``.
        format: the format read (``movielens-csv``, ..., ``synthetic``).
    """

    train: DataFrame
    test: DataFrame
    rows: RowCounts
    source: str
    format: str


def prepare_ratings(spark: SparkSession, cfg: DataConfig) -> PreparedRatings:
    """Resolve the source (downloading MovieLens if asked), read, clean and split the ratings.

    Runs one Spark job to count rows (plus a one-line peek at a generic CSV's header; more jobs only when
    ``bad_rows: fail`` finds a bad row).

    Args:
        spark: any SparkSession (local or inside RayDP).
        cfg: the data config.

    Returns:
        The ``PreparedRatings``.

    Raises:
        DataError: the source cannot be found, downloaded or read; BadRowsError under ``bad_rows: fail``.
    """
    if cfg.format == "synthetic":
        source = fmt = "synthetic"
        raw = raw_from_typed(synthetic_ratings(spark, cfg.synthetic, cfg.seed), "user", "item", "rating")
    else:
        fmt, source = resolve_source(resolve_ratings_path(cfg), cfg)
        raw = read_raw(spark, source, fmt, cfg)
    ratings, rows = clean_ratings(raw, cfg)
    train, test = split_ratings(ratings, cfg.test_fraction, cfg.folds, cfg.seed)
    return PreparedRatings(train=train, test=test, rows=rows, source=source, format=fmt)
