"""The serving commands' argument checks: an id or ``-k`` the user typed, as a one-line ServeError."""

from __future__ import annotations

from tuner.serve.errors import ServeError

__all__ = ["id_arg", "k_arg"]


def id_arg(text: str, name: str = "--user") -> int:
    """``text`` as an integer id (ALS ids are ints)."""
    try:
        return int(text)
    except ValueError:
        raise ServeError(f"{name} must be an integer id, got {text!r}.") from None


def k_arg(text: str) -> int:
    """``-k`` as an int >= 1."""
    try:
        k = int(text)
    except ValueError:
        k = 0
    if k < 1:
        raise ServeError(f"-k must be an int >= 1, got {text!r}.")
    return k
