"""Errors the data layer raises; picklable so they cross Ray process boundaries intact."""

from __future__ import annotations


class DataError(Exception):
    """A problem with the ratings source the user can act on; ``str()`` says what and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __reduce__(self):
        return (type(self), (self.message,))


class BadRowsError(DataError):
    """``data.bad_rows: fail`` and the source has rows that cleaning would drop."""
