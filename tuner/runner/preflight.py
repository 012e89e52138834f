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
    from tuner.data import DataError, resolve_ratings_path, resolve_source

    if exp.data.format == "synthetic":
        return
    try:
        resolve_source(resolve_ratings_path(exp.data), exp.data)
    except DataError as exc:
        raise UserError(str(exc)) from None


def user_error(exc: BaseException) -> str | None:
    """The one-line message of a user-facing error (possibly wrapped by Ray), or None for a bug."""
    from tuner.cluster.errors import ClusterError
    from tuner.cluster.java import JavaNotFoundError
    from tuner.data import DataError

    cause = getattr(exc, "cause", None) or exc
    if isinstance(cause, (DataError, ClusterError, JavaNotFoundError)):
        return str(cause.args[0] if cause.args else cause)
    return None
