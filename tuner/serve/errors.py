"""The error of the no-JVM serving commands (``tuner recommend`` / ``tuner predict``): a user mistake, exit 2."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pyarrow as pa

from tuner.errors import UserError, shorten

__all__ = ["ServeError", "reading"]


class ServeError(UserError):
    """A model folder, user id or input file that cannot be served; ``str()`` says which and what to do."""


@contextlib.contextmanager
def reading(path, what: str = "the exported model's files") -> Iterator[None]:
    """Turn a failure to read a file of an export (corrupt or truncated Parquet, a missing column, a folder
    where a file belongs) into one ``ServeError`` naming ``path``, instead of pyarrow's traceback."""
    try:
        yield
    except (pa.ArrowException, OSError, KeyError, IndexError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ServeError(f"{path}: cannot read {what} ({shorten(first)}); re-export the model.") from None
