"""A labelled table for a task (binary, multiclass, regression, clustering): read (CSV/Parquet/synthetic churn),
typed, cleaned with exact row accounting, split (stratified by class for classification tasks). Everything
stays in Spark; only counts and a few distinct labels come back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import ClassVar

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from tuner.config.tasks import MAX_CLASSES
from tuner.config.tasks import task as get_task
from tuner.data.counts import RowCounts
from tuner.data.errors import DataError
from tuner.data.synthetic_churn import LABEL as CHURN_LABEL
from tuner.data.synthetic_churn import synthetic_churn
from tuner.data.tabular_split import FOLD, LABEL, stratified_split

# Why a row is dropped; the first that applies wins, in this order.
TABLE_REASONS = ("missing_label", "non_numeric", "missing_value")
POSITIVE_NAMES = ("1", "1.0", "yes", "y", "true", "t", "churn", "positive")
_ID_LIKE_MIN_ROWS = 100


class TableError(DataError):
    """A problem with the classification table the user can act on (picklable across Ray processes)."""


@dataclass(frozen=True)
class TableCounts(RowCounts):
    """Rows read, kept, and dropped by reason (every reason of ``TABLE_REASONS``): read = kept + dropped."""

    reasons: ClassVar[tuple[str, ...]] = TABLE_REASONS


@dataclass
class PreparedTable:
    """The cleaned, split table: features under their own names, ``_label`` double (binary 0/1, multiclass the
    index of ``facts["classes"]``, regression the number, clustering the reference class index or null), train
    ``_fold``."""

    train: DataFrame
    test: DataFrame
    numeric: list[str]
    categorical: list[str]
    counts: TableCounts
    facts: dict = field(default_factory=dict)  # label, positive, classes, missing per column, source, ...


def read_table(spark: SparkSession, cfg) -> tuple[DataFrame, str, str]:
    """The raw table of ``cfg`` (a DataConfig): CSV as strings, Parquet as stored, or synthetic churn.

    Returns:
        ``(frame, source description, format)``.
    """
    if cfg.format == "synthetic-churn":
        s = cfg.synthetic_churn
        df = synthetic_churn(spark, s.rows, cfg.seed, s.missing_fraction, s.partitions)
        return df, f"synthetic churn ({s.rows:,} rows, seed {cfg.seed})", "synthetic-churn"
    path = os.path.expanduser(cfg.path)
    if not os.path.exists(path) and "://" not in path:
        raise TableError(f"data.path {cfg.path!r} does not exist")
    fmt = cfg.format
    if fmt == "auto":
        fmt = "parquet" if path.endswith(".parquet") or os.path.isdir(path) else "csv"
    if fmt == "parquet":
        return spark.read.parquet(path), path, "parquet"
    if fmt != "csv":
        raise TableError(f"data.format {fmt!r} is for ratings; a classification table is csv, parquet or "
                         "synthetic-churn")
    df = spark.read.csv(path, header=cfg.csv_header, sep=cfg.csv_separator, inferSchema=False, mode="PERMISSIVE")
    return df, path, "csv"


def _blank(c: str):
    return F.col(c).isNull() | (F.trim(F.col(c).cast("string")) == "")


def _as_double(c: str):
    return F.expr(f"try_cast(trim(cast(`{c}` AS STRING)) AS DOUBLE)")


def feature_columns(df: DataFrame, cfg, label: str | None) -> tuple[list[str], list[str], list[str]]:
    """Numeric and categorical feature columns: as declared, or inferred in one Spark job.

    A column is numeric if every non-blank value parses as a number; string columns whose values are all
    distinct (ids, > 100 rows) are left out and reported.

    Returns:
        ``(numeric, categorical, ignored_id_like)``.

    Raises:
        TableError: the label or a declared column is not in the table (the message lists the columns).
    """
    cols = df.columns
    ignore = list(cfg.ignore) + (["id"] if cfg.format == "synthetic-churn" else [])
    for key, names in (("label", [label] if label else []), ("numeric", cfg.numeric or []), ("categorical", cfg.categorical or []),
                       ("ignore", ignore)):
        for name in names:
            if name not in cols:
                raise TableError(f"data.{key}: {name!r} is not a column of the table; its columns are "
                                 f"{', '.join(cols)}")
    rest = [c for c in cols if c != label and c not in ignore
            and c not in (cfg.numeric or []) and c not in (cfg.categorical or [])]
    if cfg.numeric is not None and cfg.categorical is not None:
        return list(cfg.numeric), list(cfg.categorical), []
    if cfg.numeric is not None:
        return list(cfg.numeric), rest, []
    aggs = []
    for c in rest:
        aggs += [F.sum((~_blank(c) & _as_double(c).isNull()).cast("long")).alias(f"bad:{c}"),
                 F.sum((~_blank(c)).cast("long")).alias(f"n:{c}"),
                 F.approx_count_distinct(c).alias(f"d:{c}")]
    row = df.agg(*aggs).first() if aggs else {}
    numeric = [c for c in rest if row[f"bad:{c}"] == 0 and row[f"n:{c}"] > 0]
    if cfg.categorical is not None:
        return numeric, list(cfg.categorical), []
    id_like = [c for c in rest if c not in numeric and row[f"n:{c}"] > _ID_LIKE_MIN_ROWS
               and row[f"d:{c}"] >= 0.95 * row[f"n:{c}"]]
    categorical = [c for c in rest if c not in numeric and c not in id_like]
    return numeric, categorical, id_like


def _class_list(df: DataFrame, label: str) -> list[str]:
    """The label's classes, most frequent first (ties by value), for a multi-class or reference label.

    Raises:
        TableError: more than ``MAX_CLASSES`` classes (a number or an id, not a class label).
    """
    rows = (df.select(F.trim(F.col(label).cast("string")).alias("v")).where(~_blank(label)).groupBy("v").count()
            .orderBy(F.desc("count"), "v").limit(MAX_CLASSES + 1).collect())
    if len(rows) > MAX_CLASSES:
        raise TableError(f"data.label {label!r} has more than {MAX_CLASSES} classes (e.g. "
                         f"{', '.join(repr(r[0]) for r in rows[:5])}); a number is data.task: regression")
    return [r[0] for r in rows]


def _label_values(df: DataFrame, label: str | None, cfg, task: str) -> tuple[Column, dict]:
    """The ``_label`` column for ``task`` and the label facts for summary.json / the model card."""
    if label is None:  # clustering without a reference column
        return F.lit(None).cast("double"), {"label": None}
    lab = F.trim(F.col(label).cast("string"))
    if task == "binary":
        negative, positive = _classes(df, label, cfg)
        return (F.when(lab == positive, 1.0).when(lab == negative, 0.0),
                {"label": label, "positive_label": positive, "negative_label": negative})
    if task == "regression":
        return _as_double(label), {"label": label}
    classes = _class_list(df, label)
    index = F.lit(None).cast("double")
    for i, value in reversed(list(enumerate(classes))):
        index = F.when(lab == value, float(i)).otherwise(index)
    return index, {"label": label, "classes": classes}


def _classes(df: DataFrame, label: str, cfg) -> tuple[str, str]:
    """(negative, positive) label values. Raises TableError unless there are exactly two."""
    values = [r[0] for r in df.select(F.trim(F.col(label).cast("string")).alias("v")).where(~_blank(label))
              .groupBy("v").count().orderBy(F.desc("count")).limit(11).collect()]
    if len(values) != 2:
        shown = ", ".join(repr(v) for v in values[:10]) + (", ..." if len(values) > 10 else "")
        raise TableError(f"data.label {label!r} must have exactly two classes, found {len(values)}"
                         f"{'+' if len(values) > 10 else ''}: {shown or 'none'}")
    if cfg.positive_label is not None:
        if cfg.positive_label not in values:
            raise TableError(f"data.positive_label {cfg.positive_label!r} is not a value of {label!r} "
                             f"({values[0]!r}, {values[1]!r})")
        positive = cfg.positive_label
    else:
        known = [v for v in values if v.lower() in POSITIVE_NAMES]
        positive = known[0] if len(known) == 1 else values[1]  # else the rarer class (values by count)
    return (values[0] if values[1] == positive else values[1]), positive


def prepare_table(spark: SparkSession, cfg, task: str = "binary") -> PreparedTable:
    """Read, type, clean (missing-value policy ``cfg.missing``, bad rows ``cfg.bad_rows``) and split.

    Args:
        spark: the session.
        cfg: the DataConfig.
        task: the task the label is read for (``cfg.task`` when set wins).

    Returns:
        The PreparedTable (lazy frames; the caller caches them).

    Raises:
        TableError: missing columns, not exactly two label classes, or a ``fail`` policy that found rows.
    """
    task = cfg.task or task
    t = get_task(task)
    df, source, fmt = read_table(spark, cfg)
    label = cfg.label or (CHURN_LABEL if cfg.format == "synthetic-churn" else None)
    numeric, categorical, id_like = feature_columns(df, cfg, label)
    if not numeric and not categorical:
        raise TableError(f"the table has no feature columns besides the label {label!r}")
    target, label_facts = _label_values(df, label, cfg, task)
    parsed, keys = _parse(df, cfg, label, numeric, categorical, target, t.label == "required")
    counts, missing, not_numbers, positives = _count(parsed, numeric, categorical)
    _apply_policies(cfg, counts, missing, not_numbers)
    clean = parsed.filter(F.col("_reason").isNull()).drop(
        "_reason", *[c for c in parsed.columns if c.startswith(("_miss", "_bad"))])
    train, test = stratified_split(clean, keys, cfg.test_fraction, cfg.folds, cfg.seed, stratify=t.stratified)
    facts = {**label_facts, "task": task, **({"positives": positives} if task == "binary" else {}),
             "missing_values": {c: n for c, n in missing.items() if n}, "missing_policy": cfg.missing,
             "not_numbers": {c: n for c, n in not_numbers.items() if n}, "numeric": numeric,
             "categorical": categorical, "ignored_id_like": id_like, "source": source, "format": fmt}
    return PreparedTable(train.drop(*keys), test.drop(*keys), numeric, categorical, counts, facts)


def _any(flags: list[Column]) -> Column:
    out = F.lit(False)
    for flag in flags:
        out = out | flag
    return out


def _parse(df: DataFrame, cfg, label: str | None, numeric: list[str], categorical: list[str], target: Column,
           required: bool) -> tuple[DataFrame, list[str]]:
    """Typed features, the label (``target``), each row's drop reason (or null), per-column missing /
    not-a-number flags (``_miss<i>``, ``_bad<i>``) and the split keys ``_k<i>``.

    Args:
        required: a row whose label is blank (or, for a number, not one) is dropped.

    Returns:
        The parsed frame and the names of its split-key columns.
    """
    typed = [_as_double(c).alias(c) for c in numeric]
    typed += [F.when(~_blank(c), F.trim(F.col(c).cast("string"))).alias(c) for c in categorical]
    bad_num = [~_blank(c) & _as_double(c).isNull() for c in numeric]
    miss = [_blank(c) | F.isnan(_as_double(c)) for c in numeric] + [_blank(c) for c in categorical]
    no_label = (_blank(label) | target.isNull()) if required else F.lit(False)
    reason = F.when(no_label, "missing_label").when(_any(bad_num), "non_numeric")
    if cfg.missing != "impute":
        reason = reason.when(_any(miss), "missing_value")
    keys = (["id"] if "id" in df.columns else []) + numeric + categorical + ([label] if label else [])
    parsed = df.select(*typed, target.alias(LABEL),
                       *[F.col(k).alias(f"_k{i}") for i, k in enumerate(keys)], reason.alias("_reason"),
                       *[m.alias(f"_miss{i}") for i, m in enumerate(miss)],
                       *[b.alias(f"_bad{i}") for i, b in enumerate(bad_num)])
    return parsed, [f"_k{i}" for i in range(len(keys))]


def _count(parsed: DataFrame, numeric: list[str], categorical: list[str]) -> tuple[TableCounts, dict, dict, int]:
    """One Spark job: rows read, kept (counted on their own, so the accounting check can fail), dropped by
    reason; missing values and not-a-number values per column; positive kept rows.

    Returns:
        (counts, missing per column, not-numbers per numeric column, positives)
    """
    columns = numeric + categorical
    ok = F.col("_reason").isNull()
    counted = ok | (F.col("_reason") == "missing_value")  # missing values per column, imputed or dropped
    aggs = [F.count(F.lit(1)).alias("read"), F.sum(ok.cast("long")).alias("kept")]
    aggs += [F.sum((F.col("_reason") == r).cast("long")).alias(r) for r in TABLE_REASONS]
    aggs += [F.sum((counted & F.col(f"_miss{i}")).cast("long")).alias(f"m{i}") for i in range(len(columns))]
    aggs += [F.sum(F.col(f"_bad{i}").cast("long")).alias(f"b{i}") for i in range(len(numeric))]
    aggs += [F.sum((ok & (F.col(LABEL) == 1.0)).cast("long")).alias("pos")]
    row = parsed.agg(*aggs).first()
    dropped = {r: int(row[r] or 0) for r in TABLE_REASONS}
    counts = TableCounts(read=int(row["read"]), kept=int(row["kept"] or 0), dropped=dropped)
    missing = {c: int(row[f"m{i}"] or 0) for i, c in enumerate(columns)}
    not_numbers = {c: int(row[f"b{i}"] or 0) for i, c in enumerate(numeric)}
    return counts, missing, not_numbers, int(row["pos"] or 0)


def _apply_policies(cfg, counts: TableCounts, missing: dict, not_numbers: dict) -> None:
    if cfg.bad_rows == "fail" and counts.dropped["non_numeric"]:
        where = ", ".join(f"{c} {n}" for c, n in not_numbers.items() if n)
        raise TableError(f"data.bad_rows is 'fail' and {counts.dropped['non_numeric']} row(s) have a value that is "
                         f"not a number in a numeric column ({where}); declare such columns in data.categorical "
                         "or use bad_rows: drop")
    if cfg.missing == "fail" and sum(missing.values()):
        where = ", ".join(f"{c} {n}" for c, n in missing.items() if n)
        raise TableError(f"data.missing is 'fail' and {sum(missing.values())} value(s) are missing ({where}); "
                         "use missing: impute or missing: drop")
