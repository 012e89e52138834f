"""Checks that run before any cluster starts: the data source exists and its format can be told."""

from __future__ import annotations

import os

from tuner.config import Experiment, model_type
from tuner.errors import UserError


def preflight(exp: Experiment) -> None:
    """Resolve the data source and its format (downloading into the cache if needed), so a wrong path or an
    undetectable format fails before Ray and Java start.

    Raises:
        UserError: the data source is missing or cannot be fetched.
    """
    if exp.data.format in ("synthetic", "synthetic-churn"):
        return
    if model_type(exp.model.type).task == "binary":  # a classification table: csv or parquet at data.path
        path = exp.data.path or ""  # config validation requires data.path for classifiers
        if "://" not in path and not os.path.exists(os.path.expanduser(path)):
            raise UserError(f"data.path {exp.data.path!r} does not exist")
        return
    from tuner.data import DataError, resolve_ratings_path, resolve_source

    try:
        resolve_source(resolve_ratings_path(exp.data), exp.data)
    except DataError as exc:
        raise UserError(exc.message) from None
