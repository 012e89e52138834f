"""Checks that run before any cluster starts: the data source exists, its format can be told, a table's header
has the columns the config names, and a sample of its label fits the task. ``tuner validate`` runs them too."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from tuner.config import Experiment, did_you_mean
from tuner.config._errors import LABEL_MISFIT
from tuner.config.families import family
from tuner.config.tasks import task as get_task
from tuner.errors import UserError, shorten

NOT_A_COLUMN = "{key} {name!r} is not a column of {path} (columns: {columns})"
#: rows of a table read to check the label against the task (a few ms; no JVM), and at most this much of a CSV
SAMPLE_ROWS = 2000
SAMPLE_BYTES = 1024 * 1024


def preflight(exp: Experiment, config_file: str | None = None, fetch: bool = True) -> str | None:
    """Resolve the data source and its format, so a wrong path, an undetectable format or a misspelt column
    fails before Ray and Java start.

    Args:
        exp: the validated experiment.
        config_file: the experiment file as the user named it (messages start with it).
        fetch: download a configured MovieLens set that is not cached yet (``tuner run``); False only notes it
            (``tuner validate`` fetches nothing).

    Returns:
        A note for the user (e.g. that a download is pending), or None.

    Raises:
        UserError: the data source is missing or cannot be fetched, or a named column is not in the header.
    """
    if exp.data.format in ("synthetic", "synthetic-churn"):
        return None
    prefix = f"{config_file}: " if config_file else ""
    if get_task(family(exp).task).table:  # a labelled table: csv or parquet at data.path
        path = os.path.expanduser(exp.data.path or "")  # config validation requires data.path for tables
        if "://" not in path and not os.path.exists(path):
            raise UserError(f"{prefix}data.path {exp.data.path!r} does not exist")
        if "://" not in path and not (os.path.isfile(path) or os.path.isdir(path)):
            from tuner.data.formats import NOT_A_FILE

            raise UserError(prefix + NOT_A_FILE.format(path=exp.data.path))
        _check_header(exp, path, prefix, _table_columns(exp))
        return None
    from tuner.data import DataError, resolve_ratings_path, resolve_source
    from tuner.data.download import cached_ratings_path

    if not fetch and exp.data.path is None and not os.path.isfile(cached_ratings_path(exp.data)):
        return f"{exp.data.download} is not cached yet: `tuner run` downloads it into {exp.data.cache_dir}"
    try:
        fmt, source = resolve_source(resolve_ratings_path(exp.data), exp.data)
    except DataError as exc:
        raise UserError(prefix + exc.message) from None
    if fmt in ("csv", "parquet") and (fmt == "parquet" or exp.data.csv_header):
        cols = exp.data.columns
        named = [(f"data.columns.{k}", getattr(cols, k)) for k in ("user", "item", "rating")]
        _check_header(exp, source, prefix, named, fmt)
    return None


def _table_columns(exp: Experiment) -> list[tuple[str, str]]:
    """(key, column) for every column a table config names: the label and the feature lists."""
    named = [("data.label", exp.data.label)] if exp.data.label else []
    for key in ("numeric", "categorical", "ignore"):
        named += [(f"data.{key}", c) for c in getattr(exp.data, key) or []]
    return named


def _check_header(exp: Experiment, path: str, prefix: str, named: list[tuple[str, str]],
                  fmt: str | None = None) -> None:
    """Every ``(key, column)`` in ``named`` is a column of the local file or folder at ``path`` (its CSV header,
    decompressed as Spark reads it, or its Parquet schema); else one line naming the key, the file and the
    header's closest name."""
    from tuner.data import DataError
    from tuner.data.formats import NO_DATA_FILES, data_files

    if "://" in path or not named:
        return
    first = path
    if os.path.isdir(path):
        files = data_files(Path(path))
        if not files:
            raise UserError(prefix + NO_DATA_FILES.format(path=path))
        first = str(files[0])
    fmt = fmt or exp.data.format
    try:
        if fmt == "parquet" or (fmt == "auto" and first.endswith(".parquet")):
            columns = _parquet_columns(first, path)
        elif exp.data.csv_header:
            columns = _csv_header(first, exp.data.csv_separator)
        else:
            return
    except DataError as exc:
        raise UserError(prefix + exc.message) from None
    for key, name in named:
        if name not in columns:
            shown = ", ".join(shorten(c, 40) for c in columns[:12]) + (", ..." if len(columns) > 12 else "")
            where = exp.data.path if first == path else f"{exp.data.path} (its file {Path(first).name})"
            raise UserError(prefix + NOT_A_COLUMN.format(key=key, name=name, path=where, columns=shown)
                            + did_you_mean(name, columns))
    if exp.data.label and get_task(family(exp).task).table:
        _check_label(exp, _label_sample(first, fmt, exp.data.label, exp.data.csv_separator), prefix)


def _csv_header(file: str, separator: str) -> list[str]:
    from tuner.data.formats import first_line

    line = first_line(Path(file)).lstrip("\ufeff")
    return [c.strip() for c in next(csv.reader([line], delimiter=separator), [])]


def _parquet_columns(file: str, root: str) -> list[str]:
    """The Parquet schema's names, plus the partition columns of a folder (``year=2020/``), as Spark reads them."""
    import pyarrow.parquet as pq

    from tuner.data import DataError

    try:
        names = list(pq.read_schema(file).names)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a file that is not Parquet
        raise DataError(f"cannot read the Parquet schema of {file}: {str(exc).splitlines()[0]}") from None
    rel = Path(file).relative_to(root).parts[:-1] if file != root else ()
    return names + [p.split("=", 1)[0] for p in rel if "=" in p]


def _label_sample(file: str, fmt: str, label: str, separator: str) -> list[str]:
    """The label's non-blank values in the first ``SAMPLE_ROWS`` rows of ``file`` (at most ``SAMPLE_BYTES`` of a
    CSV, decompressed as Spark reads it; the first row group's batch of a Parquet file), as text."""
    if fmt == "parquet" or (fmt == "auto" and file.endswith(".parquet")):
        import pyarrow.parquet as pq

        try:
            batch = next(pq.ParquetFile(file).iter_batches(batch_size=SAMPLE_ROWS, columns=[label]), None)
        except Exception:  # noqa: BLE001 - a partition column, or a file Spark will report on
            return []
        return [str(v) for v in (batch.column(0).to_pylist() if batch is not None else []) if v is not None]
    from tuner.data.formats import COMPRESSED

    with COMPRESSED.get(Path(file).suffix, open)(file, "rb") as fh:
        head = fh.read(SAMPLE_BYTES)
    lines = head.decode("utf-8", errors="replace").splitlines()
    lines = lines[1:-1] if len(head) == SAMPLE_BYTES else lines[1:]  # the header; a last line cut short
    reader = csv.reader(lines[:SAMPLE_ROWS], delimiter=separator)
    header = _csv_header(file, separator)
    col = header.index(label)
    return [row[col].strip() for row in reader if len(row) > col and row[col].strip()]


def _check_label(exp: Experiment, values: list[str], prefix: str) -> None:
    t = get_task(family(exp).task)
    why = t.label_problem(values) if values else None
    if why:
        raise UserError(prefix + LABEL_MISFIT.format(key="data.label", label=exp.data.label, task=t.name,
                                                     rows=len(values), path=exp.data.path, why=why) + ".")
