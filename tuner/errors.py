"""The one error type of tuner: every user-facing failure is a ``TunerError`` with its message and exit code.

Each layer raises its own subclass (``ConfigError``, ``DataError``, ``ClusterError``, ``ServeError``, ...);
``tuner.cli`` catches ``TunerError`` in one place and prints ``error: <message>`` with ``exit_code``.
All of them pickle with their message, so they cross Ray process boundaries intact.
"""

from __future__ import annotations

__all__ = ["EXIT_FAILED", "EXIT_USAGE", "MESSAGE_LIMIT", "TunerError", "UserError", "find_tuner_error", "shorten"]

EXIT_USAGE = 2  # a user mistake: a wrong config, argument, path or input file
EXIT_FAILED = 1  # the run itself failed (every trial failed, Spark could not start, ...)
MESSAGE_LIMIT = 2000  # characters of one error line; a value shown in it is cut to far less (shorten)


def shorten(text: str, limit: int = 200) -> str:
    """``text`` cut to ``limit`` characters, saying how many were cut: a value a file or an input holds (a
    megabyte string, the first line of a data file) never floods a message, nor shows a secret whole."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit} more characters)"


class TunerError(Exception):
    """A failure the user can act on; ``str()`` says what happened and what to do.

    Attributes:
        message: the one-line message (no traceback is shown for it); ``str()`` is the full line the CLI
            prints (a ``ConfigError`` puts its file in front).
        exit_code: what the ``tuner`` command exits with.
    """

    exit_code: int = EXIT_FAILED

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __reduce__(self):
        return (type(self), (self.message,))


class UserError(TunerError):
    """A mistake in what the user gave (arguments, files, paths): exit code 2."""

    exit_code = EXIT_USAGE


def find_tuner_error(exc: BaseException) -> TunerError | None:
    """The ``TunerError`` inside ``exc``: itself, its cause/context chain, or the one a Ray task raised.

    Ray wraps an exception raised in a worker in ``RayTaskError`` (whose ``cause`` is the original) and Tune
    wraps that again; this walks every link so the CLI prints the user's message, not the wrapper.
    """
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        cur = todo.pop()
        if cur is None or id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, TunerError):
            return cur
        todo.extend([getattr(cur, "cause", None), cur.__cause__, cur.__context__])
    return None
