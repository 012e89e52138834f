"""The ``bad_rows: fail`` message: the first bad row in read order, with its 1-based line number."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from pyspark.sql import DataFrame, Row
from pyspark.sql import functions as F

from tuner.data.errors import BadRowsError
from tuner.data.readers import POSITION

if TYPE_CHECKING:
    from tuner.data.counts import RowCounts

HINT = "set data.bad_rows: drop to drop and count such rows"
MESSAGE = (
    "data.bad_rows is 'fail' and {bad} of {read} rows are bad ({by_reason}); "
    "the first is {reason} at {where}: {raw!r}; {hint}"
)


def bad_rows_error(df_raw: DataFrame, parsed: DataFrame, counts: RowCounts) -> BadRowsError:
    """Build the error for a failing source. Runs small jobs: only called when a run is about to fail.

    Args:
        df_raw: the raw frame (with header and blank lines, which line numbers count).
        parsed: the frame ``cleaning._parse`` made from it.
        counts: its row counts.

    Returns:
        The ``BadRowsError`` to raise.
    """
    first = _first_bad_row(parsed, with_duplicates=counts.dropped["duplicate"] > 0)
    by_reason = ", ".join(f"{reason}: {n}" for reason, n in counts.dropped.items() if n)
    return BadRowsError(
        MESSAGE.format(
            bad=counts.read - counts.kept,
            read=counts.read,
            by_reason=by_reason,
            reason=first["reason"],
            where=_where(df_raw, first),
            raw=first["_raw"],
            hint=HINT,
        )
    )


def _first_bad_row(parsed: DataFrame, with_duplicates: bool) -> Row:
    columns = ["reason", "_raw", *POSITION, "_text"]
    bad = parsed.filter(F.col("reason").isNotNull()).select(*columns)
    if with_duplicates:  # every occurrence of a pair but the first in read order, which cleaning keeps
        valid = parsed.filter(F.col("reason").isNull())
        firsts = valid.groupBy("u", "i").agg(F.min("_pos").alias("_first"))
        later = valid.join(firsts, ["u", "i"]).filter(F.col("_pos") != F.col("_first"))
        bad = bad.unionByName(later.withColumn("reason", F.lit("duplicate")).select(*columns))
    return bad.orderBy("_pos").first()


def _where(df_raw: DataFrame, row: Row) -> str:
    name = _display(row["_file"])
    if not row["_text"]:
        return name or "a generated row"
    # Lines per split of this file, and the id of each split's first line: positions are contiguous within
    # a split, so the line number is the lines of earlier splits plus the offset inside this one.
    splits = (
        df_raw.filter(F.col("_file") == row["_file"])
        .groupBy("_block")
        .agg(F.count(F.lit(1)).alias("lines"), F.min("_pos").alias("start"))
        .collect()
    )
    before = sum(s["lines"] for s in splits if s["_block"] < row["_block"])
    start = next(s["start"] for s in splits if s["_block"] == row["_block"])
    return f"{name} line {before + row['_pos'] - start + 1}"


def _display(uri: str | None) -> str:
    if uri and uri.startswith("file:"):
        return unquote(urlparse(uri).path)
    return uri or ""
