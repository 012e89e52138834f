"""Checks that run before any cluster starts, and the mapping of worker-side errors to user messages."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix, found before Ray starts."""


def preflight(exp) -> None:
    """Resolve the data source and its format (downloading into the cache if needed), so a wrong path or an
    undetectable format fails before Ray and Java start.

    Raises:
        UserError: the data source is missing or cannot be fetched.
    """
    import os

    from tuner.config import MODEL_TYPES

    if exp.data.format in ("synthetic", "synthetic-churn"):
        return
    if MODEL_TYPES[exp.model.type].task == "binary":  # a classification table: csv or parquet at data.path
        if "://" not in exp.data.path and not os.path.exists(os.path.expanduser(exp.data.path)):
            raise UserError(f"data.path {exp.data.path!r} does not exist")
        return
    from tuner.data import DataError, resolve_ratings_path, resolve_source

    try:
        resolve_source(resolve_ratings_path(exp.data), exp.data)
    except DataError as exc:
        raise UserError(str(exc)) from None


def user_error(exc: BaseException) -> str | None:
    """The one-line message of a user-facing error (possibly wrapped by Ray), or None for a bug."""
    from tuner.cluster.errors import ClusterError
    from tuner.cluster.java import JavaNotFoundError
    from tuner.data import DataError
    from tuner.data.tabular import TableError

    cause = getattr(exc, "cause", None) or exc
    if isinstance(cause, (DataError, TableError, ClusterError, JavaNotFoundError)):
        return str(cause.args[0] if cause.args else cause)
    return None
