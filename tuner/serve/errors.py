"""The error of the no-JVM serving commands (``tuner recommend`` / ``tuner predict``): a user mistake, exit 2."""

from __future__ import annotations

from tuner.errors import UserError

__all__ = ["ServeError"]


class ServeError(UserError):
    """A model folder, user id or input file that cannot be served; ``str()`` says which and what to do."""
