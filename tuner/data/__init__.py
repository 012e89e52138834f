"""Ratings sources (MovieLens formats, CSV, Parquet, synthetic), cleaning with exact accounting, splits."""

from tuner.data.cleaning import clean_ratings
from tuner.data.counts import REASONS, RowCounts
from tuner.data.download import resolve_ratings_path
from tuner.data.errors import BadRowsError, DataError
from tuner.data.formats import FORMATS, resolve_source
from tuner.data.prepare import PreparedRatings, prepare_ratings
from tuner.data.readers import raw_from_typed, read_raw
from tuner.data.splits import split_ratings
from tuner.data.synthetic import synthetic_ratings

__all__ = [
    "FORMATS",
    "REASONS",
    "BadRowsError",
    "DataError",
    "PreparedRatings",
    "RowCounts",
    "clean_ratings",
    "prepare_ratings",
    "raw_from_typed",
    "read_raw",
    "resolve_ratings_path",
    "resolve_source",
    "split_ratings",
    "synthetic_ratings",
]
