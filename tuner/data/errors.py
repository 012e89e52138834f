"""Errors the data layer raises; picklable so they cross Ray process boundaries intact."""

from __future__ import annotations

from tuner.errors import TunerError


class DataError(TunerError):
    """A problem with the data source the user can act on; ``str()`` says what and what to do (exit 1 when it
    stops a run inside Spark; the same problem found before Ray starts is a ``UserError``, exit 2)."""


class BadRowsError(DataError):
    """``data.bad_rows: fail`` and the source has rows that cleaning would drop."""
