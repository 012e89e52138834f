"""Cleaning with exact accounting: every raw row is kept or dropped for exactly one reason."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from tuner.config.schema import DataConfig
from tuner.data._bad_rows import bad_rows_error
from tuner.data.counts import REASONS, RowCounts
from tuner.data.readers import POSITION


def clean_ratings(df_raw: DataFrame, cfg: DataConfig) -> tuple[DataFrame, RowCounts]:
    """Parse, validate and deduplicate a raw frame (see ``tuner.data.readers``), counting every dropped row.

    The counts come from one Spark job; the clean frame stays lazy (nothing is cached).

    Args:
        df_raw: the raw frame from a reader.
        cfg: the data config (``rating_scale``, ``bad_rows``).

    Returns:
        ``(ratings, counts)``: ratings with columns user int, item int, rating double, one row per
        (user, item) pair (the first in read order: file order within a file), and the ``RowCounts``.

    Raises:
        BadRowsError: ``cfg.bad_rows == "fail"`` and some row would be dropped; the message names the
            reason, the raw line and (text sources) its 1-based line number.
    """
    parsed = _parse(df_raw, *cfg.rating_scale)
    pairs = _per_pair(parsed)
    counts = _count(pairs)
    if cfg.bad_rows == "fail" and counts.kept != counts.read:
        raise bad_rows_error(df_raw, parsed, counts)
    return pairs.filter("_valid").select("user", "item", "rating"), counts


def _parse(df_raw: DataFrame, low: float, high: float) -> DataFrame:
    # try_cast gives null for anything but an integer in Java int range, in ANSI mode or not; doubles also
    # parse NaN and Infinity, which are not ratings.
    user, item = F.expr("try_cast(`user` AS INT)"), F.expr("try_cast(`item` AS INT)")
    rating = F.expr("try_cast(`rating` AS DOUBLE)")
    missing = F.lit(False)
    for name in ("user", "item", "rating"):
        missing = missing | F.col(name).isNull() | (F.col(name) == "")
    not_a_rating = rating.isNull() | F.isnan(rating) | (F.abs(rating) == float("inf"))
    reason = (
        F.when(F.col("_malformed"), "malformed")
        .when(missing, "missing_value")
        .when(user.isNull() | item.isNull() | not_a_rating, "non_numeric")
        .when(~rating.between(low, high), "rating_out_of_scale")
    )
    return df_raw.filter(~F.col("_skip")).select(
        user.alias("u"), item.alias("i"), rating.alias("r"), reason.alias("reason"), "_raw", *POSITION, "_text"
    )


def _per_pair(parsed: DataFrame) -> DataFrame:
    """Valid rows grouped by (user, item), keeping the first rating in read order; bad rows grouped by reason.

    Nothing filters on ``reason`` before this aggregation, and ``user``, ``item`` and ``_valid`` are
    aggregates rather than grouping keys, so no filter (ours or a caller's, like the split) is pushed below
    it into the scan, where Spark would inline the reason expression and re-split each line once per
    reference (measured 4-6x the CPU).
    """
    valid = F.col("reason").isNull()
    return parsed.groupBy("reason", F.when(valid, F.col("u")).alias("_u"), F.when(valid, F.col("i")).alias("_i")).agg(
        F.count(F.lit(1)).alias("_rows"),
        F.min("u").alias("user"),  # the group's key for valid rows
        F.min("i").alias("item"),
        F.min_by("r", "_pos").alias("rating"),
        F.max(valid).alias("_valid"),  # the same for every row of a group
    )


def _count(pairs: DataFrame) -> RowCounts:
    """One job: rows and groups per reason. Valid groups are (user, item) pairs; each bad reason is one group."""
    totals = {
        row["reason"]: (row["rows"], row["groups"])
        for row in pairs.groupBy("reason").agg(F.sum("_rows").alias("rows"), F.count(F.lit(1)).alias("groups")).collect()
    }
    valid_rows, kept = totals.pop(None, (0, 0))
    dropped = {reason: totals.get(reason, (0, 0))[0] for reason in REASONS}
    dropped["duplicate"] = valid_rows - kept
    return RowCounts(read=valid_rows + sum(rows for rows, _ in totals.values()), kept=kept, dropped=dropped)
