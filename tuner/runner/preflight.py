"""Checks that run before any cluster starts: the data source exists, its format can be told, a table's header
has the columns the config names, and a sample of its label fits the task. ``tuner validate`` runs them too."""

from __future__ import annotations

import csv
import os

from tuner.config import Experiment, did_you_mean
from tuner.config._errors import LABEL_MISFIT
from tuner.config.families import family
from tuner.config.tasks import task as get_task
from tuner.errors import UserError

NOT_A_COLUMN = "{key} {name!r} is not a column of {path} (columns: {columns})"
#: rows of a CSV read to check the label against the task (a few ms; no JVM)
SAMPLE_ROWS = 2000


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
        _check_header(exp, path, prefix)
        return None
    from tuner.data import DataError, resolve_ratings_path, resolve_source
    from tuner.data.download import cached_ratings_path

    if not fetch and exp.data.path is None and not os.path.isfile(cached_ratings_path(exp.data)):
        return f"{exp.data.download} is not cached yet: `tuner run` downloads it into {exp.data.cache_dir}"
    try:
        resolve_source(resolve_ratings_path(exp.data), exp.data)
    except DataError as exc:
        raise UserError(prefix + exc.message) from None
    return None


def _check_header(exp: Experiment, path: str, prefix: str) -> None:
    """A local CSV's header holds data.label and every column named in numeric / categorical / ignore, and the
    label's values in its first ``SAMPLE_ROWS`` rows fit the task (a text label for regression, seven classes
    for binary: a config error naming the file, the key and what was seen)."""
    fmt = exp.data.format
    if "://" in path or not exp.data.csv_header or os.path.isdir(path) or fmt == "parquet" or (
            fmt == "auto" and path.endswith(".parquet")):
        return
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f, delimiter=exp.data.csv_separator)
        header = next(reader, [])
        sample = [row for _, row in zip(range(SAMPLE_ROWS), reader)]
    columns = [c.strip() for c in header]
    named = [("data.label", exp.data.label)] if exp.data.label else []
    for key in ("numeric", "categorical", "ignore"):
        named += [(f"data.{key}", c) for c in getattr(exp.data, key) or []]
    for key, name in named:
        if name not in columns:
            shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
            raise UserError(prefix + NOT_A_COLUMN.format(key=key, name=name, path=exp.data.path, columns=shown)
                            + did_you_mean(name, columns))
    if exp.data.label:
        _check_label(exp, columns.index(exp.data.label), sample, prefix)


def _check_label(exp: Experiment, col: int, sample: list[list[str]], prefix: str) -> None:
    values = [row[col].strip() for row in sample if len(row) > col and row[col].strip()]
    t = get_task(family(exp).task)
    why = t.label_problem(values) if values else None
    if why:
        raise UserError(prefix + LABEL_MISFIT.format(key="data.label", label=exp.data.label, task=t.name,
                                                     rows=len(sample), path=exp.data.path, why=why) + ".")
