"""Checks that run before any cluster starts: the data source exists, its format can be told, and a
classification table's header has the columns the config names. ``tuner validate`` runs them too."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from tuner.config import Experiment, did_you_mean, model_type
from tuner.errors import UserError, shorten

NOT_A_COLUMN = "{key} {name!r} is not a column of {path} (columns: {columns})"


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
    if model_type(exp.model.type).task == "binary":  # a classification table: csv or parquet at data.path
        path = os.path.expanduser(exp.data.path or "")  # config validation requires data.path for classifiers
        if "://" not in path and not os.path.exists(path):
            raise UserError(f"{prefix}data.path {exp.data.path!r} does not exist")
        if "://" not in path and not (os.path.isfile(path) or os.path.isdir(path)):
            from tuner.data.formats import NOT_A_FILE

            raise UserError(prefix + NOT_A_FILE.format(path=exp.data.path))
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
    """A local CSV's header holds data.label and every column named in numeric / categorical / ignore."""
    fmt = exp.data.format
    if "://" in path or not exp.data.csv_header or os.path.isdir(path) or fmt == "parquet" or (
            fmt == "auto" and path.endswith(".parquet")):
        return
    from tuner.data.formats import first_line  # at most 64 KiB of the file: a one-line gigabyte is not read

    header = next(csv.reader([first_line(Path(path))], delimiter=exp.data.csv_separator), [])
    columns = [shorten(c.strip(), 40) for c in header]
    named = [("data.label", exp.data.label)] if exp.data.label else []
    for key in ("numeric", "categorical", "ignore"):
        named += [(f"data.{key}", c) for c in getattr(exp.data, key) or []]
    for key, name in named:
        if name not in columns:
            shown = ", ".join(columns[:12]) + (", ..." if len(columns) > 12 else "")
            raise UserError(prefix + NOT_A_COLUMN.format(key=key, name=name, path=exp.data.path, columns=shown)
                            + did_you_mean(name, columns))
