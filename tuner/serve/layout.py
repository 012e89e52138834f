"""The on-disk layout of an exported ALS model for serving: one place for the names the Spark writer
(``tuner.models.als_export``) and the numpy readers (``tuner.serve``) share.

    <model dir>/                   the folder holding model_card.json (``runs/<run>/model/``)
      model_card.json              ``model_type``, ``path`` (the native model), ``serving`` (what
                                   tuner.models.als_export.export_for_serving returns: layout version, top_k,
                                   data fingerprint)
      spark-als/                   Spark's native ALSModel folder: metadata/, userFactors/, itemFactors/
                                   (Parquet: ``id`` int32, ``features`` list<float>), read in place
      recommendations/             each user's top-k, training items excluded: ``user`` int32,
                                   ``items`` list<int32>, ``scores`` list<float> (best first), sorted by user
      seen/                        each user's training items: ``user`` int32, ``items`` list<int32>; range-
                                   partitioned and sorted by user, small row groups, so a filter on ``user``
                                   reads one row group (its min/max statistics) instead of the training set
      popular.parquet              the most-rated training items: ``item`` int32, ``count`` int64 (a file, or
                                   Spark's one-part folder of that name); readers sort by count

This module imports nothing but the standard library.
"""

from __future__ import annotations

__all__ = ["LAYOUT_VERSION", "NATIVE_DEFAULT", "POPULAR", "RECOMMENDATIONS", "SEEN", "SEEN_ROW_GROUP_BYTES",
           "USER_FACTORS", "ITEM_FACTORS", "MODEL_CARD", "POPULAR_KEEP"]

LAYOUT_VERSION = 1
MODEL_CARD = "model_card.json"
NATIVE_DEFAULT = "spark-als"
USER_FACTORS = "userFactors"
ITEM_FACTORS = "itemFactors"
RECOMMENDATIONS = "recommendations"
SEEN = "seen"
POPULAR = "popular.parquet"
POPULAR_KEEP = 1000  # most-rated items stored: enough for any k a fallback answer asks for
# Parquet row-group target of seen/: ~1 MiB holds the lists of a few thousand users, so one user's lookup
# reads one small row group (Spark's default, 128 MiB, would make each file one row group).
SEEN_ROW_GROUP_BYTES = 1 << 20
