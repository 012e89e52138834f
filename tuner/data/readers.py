"""Readers: every source becomes the same raw frame of strings, so one cleaning path serves all formats.

The raw frame has one row per line (text sources) or record (parquet, synthetic), with columns
    user, item, rating   the fields as strings, trimmed (null where the line has the wrong field count)
    _raw                 the source line, or a JSON rendering of the record
    _malformed           the line has the wrong number of fields
    _skip                a header or blank line: not a rating, never counted
    _file, _block, _pos  file URI, start of its split and ``monotonically_increasing_id()``, taken at the scan;
                         ``_pos`` is the read order (file order within a file: splits are read in offset order),
                         and the three give 1-based line numbers when a run fails
    _text                ``_raw`` is a line of a text file, so line numbers apply
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.utils import AnalysisException

from tuner.config.schema import ColumnsConfig, DataConfig
from tuner.data.errors import DataError
from tuner.data.formats import FORMATS, MOVIELENS_CSV_HEADER

POSITION = ("_file", "_block", "_pos")
RAW_COLUMNS = ("user", "item", "rating", "_raw", "_malformed", "_skip", "_file", "_block", "_pos", "_text")
# MovieLens text layouts: field separator and field count; user, item, rating are the first three fields.
_MOVIELENS_LAYOUTS = {"movielens-csv": (",", 4), "movielens-dat": ("::", 4), "movielens-tsv": ("\t", 4)}


def read_raw(spark: SparkSession, path: str, fmt: str, cfg: DataConfig) -> DataFrame:
    """Read a ratings source into the raw frame of strings described in this module's docstring.

    Args:
        spark: any SparkSession (local or inside RayDP).
        path: the file or folder to read (see ``resolve_source``).
        fmt: one of ``FORMATS``.
        cfg: the data config (columns, csv_header, csv_separator).

    Returns:
        A lazy DataFrame with ``RAW_COLUMNS``.

    Raises:
        DataError: unknown format, unreadable path, or columns the source does not have.
    """
    if fmt == "parquet":
        return _read_parquet(spark, path, cfg.columns)
    if fmt == "csv":
        return _read_generic_csv(spark, path, cfg)
    if fmt not in _MOVIELENS_LAYOUTS:
        raise DataError(f"unknown data format {fmt!r}; known formats: {', '.join(FORMATS)}")
    separator, n_fields = _MOVIELENS_LAYOUTS[fmt]
    header = None
    if fmt == "movielens-csv":  # ratings.csv starts with its header (a byte-order mark is tolerated)
        header = F.regexp_replace("value", "^\ufeff", "") == MOVIELENS_CSV_HEADER
    return _split_lines(_lines(spark, path), separator, n_fields, (0, 1, 2), header, unquote=False)


def raw_from_typed(df: DataFrame, user: str, item: str, rating: str) -> DataFrame:
    """Turn a typed frame (parquet, synthetic) into the raw frame: fields cast to trimmed strings.

    Args:
        df: a DataFrame straight from its source (the file columns are taken from its scan).
        user: name of the user column.
        item: name of the item column.
        rating: name of the rating column.

    Returns:
        A lazy DataFrame with ``RAW_COLUMNS``; ``_raw`` is the JSON of the three fields.
    """
    cols = [F.col(_quoted(c)) for c in (user, item, rating)]
    return df.select(
        *(F.trim(c.cast("string")).alias(name) for c, name in zip(cols, ("user", "item", "rating"))),
        F.to_json(F.struct(*cols)).alias("_raw"),
        F.lit(False).alias("_malformed"),
        F.lit(False).alias("_skip"),
        *_scan_position(),
        F.lit(False).alias("_text"),
    )


def _scan_position() -> list[Column]:
    # Evaluated in the projection right over the file scan, where these are defined and deterministic.
    values = (F.input_file_name(), F.input_file_block_start(), F.monotonically_increasing_id())
    return [value.alias(name) for value, name in zip(values, POSITION)]


def _lines(spark: SparkSession, path: str) -> DataFrame:
    try:
        return spark.read.text(path)
    except AnalysisException as exc:
        raise DataError(f"cannot read data.path {path}: {str(exc).splitlines()[0]}") from None


def _split_lines(
    lines: DataFrame, separator: str, n_fields: int, positions: tuple[int, int, int], header: Column | None, unquote: bool
) -> DataFrame:
    """One projection over the scan: its nondeterministic position columns stop Spark from pushing the
    cleaning filters below it and inlining ``split`` into them once per reference (measured 4x slower)."""
    # A single plain character takes Java's fast non-regex path in String.split; others are quoted.
    pattern = separator if len(separator) == 1 and separator not in ".$|()[]{}^?*+\\" else f"\\Q{separator}\\E"
    fields = F.split("value", pattern, -1)
    malformed = F.size(fields) != n_fields
    skip = F.trim("value") == ""
    if header is not None:
        skip = skip | header

    def field(k: int) -> Column:
        value = F.trim(fields.getItem(k))
        if unquote:
            value = F.trim(F.regexp_replace(value, '^"(.*)"$', "$1"))
        return F.when(~malformed, value)

    return lines.select(
        *(field(k).alias(name) for k, name in zip(positions, ("user", "item", "rating"))),
        F.col("value").alias("_raw"),
        malformed.alias("_malformed"),
        skip.alias("_skip"),
        *_scan_position(),
        F.lit(True).alias("_text"),
    )


def _read_generic_csv(spark: SparkSession, path: str, cfg: DataConfig) -> DataFrame:
    lines = _lines(spark, path)
    first = lines.filter(F.input_file_block_start() == 0).first()  # one line: the header, or a sample row
    if first is None:
        raise DataError(f"data.path {path} is empty")
    names = [n.strip().strip('"') for n in first["value"].lstrip("\ufeff").split(cfg.csv_separator)]
    if len(names) < 3:
        raise DataError(
            f"the first line of {path} has {len(names)} field(s) when split at data.csv_separator "
            f"{cfg.csv_separator!r}; a ratings CSV needs at least user, item and rating"
        )
    wanted = (cfg.columns.user, cfg.columns.item, cfg.columns.rating)
    if cfg.csv_header:
        missing = [c for c in wanted if c not in names]
        if missing:
            raise DataError(
                f"data.columns name {', '.join(map(repr, missing))}, which the header of {path} does not have; "
                f"its columns are {', '.join(names)} (data.csv_separator is {cfg.csv_separator!r})"
            )
        positions = tuple(names.index(c) for c in wanted)
        header = F.col("value") == first["value"]
    else:
        positions = _positions_without_header(cfg.columns, len(names))
        header = None
    return _split_lines(lines, cfg.csv_separator, len(names), positions, header, unquote=True)


def _positions_without_header(columns: ColumnsConfig, n_fields: int) -> tuple[int, int, int]:
    if columns == ColumnsConfig():
        return (0, 1, 2)
    wanted = (columns.user, columns.item, columns.rating)
    if all(c.isdigit() and int(c) < n_fields for c in wanted):
        return tuple(int(c) for c in wanted)  # type: ignore[return-value]
    raise DataError(
        "data.csv_header is false, so data.columns must be 0-based field positions below "
        f"{n_fields} (e.g. user: '0', item: '1', rating: '2'), got {', '.join(wanted)}"
    )


def _read_parquet(spark: SparkSession, path: str, columns: ColumnsConfig) -> DataFrame:
    try:
        df = spark.read.parquet(path)
    except AnalysisException as exc:
        raise DataError(f"cannot read data.path {path} as parquet: {str(exc).splitlines()[0]}") from None
    wanted = (columns.user, columns.item, columns.rating)
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise DataError(
            f"data.columns name {', '.join(map(repr, missing))}, which {path} does not have; "
            f"its columns are {', '.join(df.columns)}"
        )
    return raw_from_typed(df, *wanted)


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"
