"""Ranking metrics of a fitted ALS model (ndcg@K, map@K, precision@K, recall@K) and of the popularity baseline, in
one pass over a seeded sample of users.

Two Spark jobs bring what the sample needs to the driver of the Spark service (Arrow): one long table of its
seen items, relevant held-out items and the items' training counts, which no model changes, so it is collected
once per split (given a ``cache``, as a trial's fold is) and reused by every trial that scores there; and the
model's factors, for its users and every item. Top-k of the model and of the most-popular items then come from
numpy in blocks of users (:func:`tuner.serve.topk.top_k_rows`, the code that serves exported models), and every
metric at every K from one hit matrix. The definitions are Spark's ``RankingEvaluator``'s (binary relevance; the
parity test holds them to 1e-9), which once ran here as one Spark job per metric and K.

Users: those with held-out rows that the model knows (cold-start users cannot be ranked; counted as
``ranking_users_cold``); a seeded sample of ``ranking_users`` of them. Sampled users without a relevant held-out
item are dropped from the means (Spark would score them 0) and counted as ``ranking_users_without_relevant``.
"""

from __future__ import annotations

import numpy as np
from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from tuner.config.families import RANKING_METRICS
from tuner.config.ranking import POPULAR_PREFIX
from tuner.serve.topk import top_k_rows

__all__ = ["EVALUATOR_METRICS", "POPULAR_PREFIX", "list_metrics", "ranking_metrics", "ranking_scores",
           "sample_users"]

# tuner's metric name -> RankingEvaluator's metricName (its NDCG is binary: relevance 0/1)
EVALUATOR_METRICS = {"ndcg": "ndcgAtK", "map": "meanAveragePrecisionAtK", "precision": "precisionAtK",
                     "recall": "recallAtK"}
BLOCK_USERS = 1024  # users scored per matrix product (1024 x 59k float32 = 240 MB at the 25M shape)
CACHED_SAMPLES = 8  # samples a cache keeps (folds and the test set); the oldest goes first
_SEEN, _RELEVANT, _COUNT, _SAMPLED, _COLD = range(5)  # row kinds of the one collected table


def sample_users(valid: DataFrame, train: DataFrame, n: int, seed: int) -> DataFrame:
    """A seeded sample of ``n`` users with held-out rows and training rows (all of them when fewer)."""
    users = valid.select("user").distinct().join(train.select("user").distinct(), "user")
    return users.orderBy(F.xxhash64("user", F.lit(seed)), "user").limit(n)


def ranking_scores(frame: DataFrame, ks, prefix: str = "") -> dict[str, float]:
    """Spark's ``RankingEvaluator`` on ``frame`` (``prediction``, ``label``: array<double>) for each k in ``ks``:
    the reference :func:`list_metrics` is tested against (one Spark job per metric and k).

    Returns:
        ``{"<prefix>ndcg@K": ..., "<prefix>map@K": ..., "<prefix>precision@K": ..., "<prefix>recall@K": ...}``.
    """
    from pyspark.ml.evaluation import RankingEvaluator

    out = {}
    for k in ks:
        for name, metric in EVALUATOR_METRICS.items():
            ev = RankingEvaluator(predictionCol="prediction", labelCol="label", metricName=metric, k=int(k))
            out[f"{prefix}{name}@{k}"] = float(ev.evaluate(frame))
    return out


def list_metrics(hits: np.ndarray, relevant: np.ndarray, ks, prefix: str = "") -> dict[str, float]:
    """RankingEvaluator's four metrics at every K from one hit matrix, means over users.

    Args:
        hits: bool (users, max K): whether each user's j-th recommendation is relevant (False past a short list).
        relevant: int (users,): each user's number of relevant items, >= 1.
        ks: cut-offs (a list shorter than K has no hit past its end).

    Returns:
        ``{"<prefix>ndcg@K", "<prefix>map@K", "<prefix>precision@K", "<prefix>recall@K"}`` for each K.
    """
    width = max(int(k) for k in ks)
    hits = np.pad(hits.astype(np.float64), ((0, 0), (0, max(0, width - hits.shape[1]))))
    relevant = relevant.astype(np.float64)
    pos = np.arange(1, hits.shape[1] + 1, dtype=np.float64)
    gains = 1.0 / np.log(pos + 1)  # Spark: 1 / ln(i + 2) for 0-based i; the base cancels in the ratio
    found = np.cumsum(hits, axis=1)
    precision_terms = np.cumsum(hits * found / pos, axis=1)
    dcg = np.cumsum(hits * gains, axis=1)
    ideal = np.concatenate([[0.0], np.cumsum(gains)])
    out = {}
    for k in ks:
        values = {"ndcg": dcg[:, k - 1] / ideal[np.minimum(relevant, k).astype(np.int64)],
                  "map": precision_terms[:, k - 1] / np.minimum(relevant, k),
                  "precision": found[:, k - 1] / k, "recall": found[:, k - 1] / relevant}
        out.update({f"{prefix}{name}@{k}": float(values[name].mean()) for name in RANKING_METRICS})
    return out


def _with_arrow(spark) -> None:
    conf = spark.conf
    if conf.get("spark.sql.execution.arrow.pyspark.enabled", "false") != "true":
        conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")


def _arrow(frame: DataFrame):
    """``frame`` collected to the driver as pandas through Arrow (one Spark job, no Row objects)."""
    _with_arrow(frame.sparkSession)
    return frame.toPandas()


def _arrow_frame(spark, users: np.ndarray) -> DataFrame:
    """A one-column ``user`` frame of ``users`` sent through Arrow (no Python worker when a job reads it)."""
    import pandas as pd

    _with_arrow(spark)
    return spark.createDataFrame(pd.DataFrame({"user": users}), "user int")


def _sample_table(train: DataFrame, valid: DataFrame, users: DataFrame, relevant_rating: float,
                  implicit: bool) -> DataFrame:
    """``(kind, user, item, value)`` rows: the sample's seen items, relevant held-out items, its users, every
    item's training count, and the number of cold-start held-out users; collected in one job."""
    def rows(frame, kind, value=F.lit(0.0)):
        return frame.select(F.lit(kind).cast("byte").alias("kind"), F.col("user").cast("int").alias("user"),
                            F.col("item").cast("int").alias("item"), value.cast("double").alias("value"))

    relevant = valid.join(users, "user")
    if not implicit:
        relevant = relevant.where(F.col("rating") >= relevant_rating)
    counts = train.groupBy("item").count().withColumn("user", F.lit(-1))
    cold = valid.select("user").distinct().join(train.select("user").distinct(), "user", "left_anti") \
        .agg(F.count(F.lit(1)).alias("value")).select(F.lit(-1).alias("user"), F.lit(-1).alias("item"), "value")
    return (rows(train.join(users, "user").select("user", "item").distinct(), _SEEN)
            .unionByName(rows(relevant.select("user", "item").distinct(), _RELEVANT))
            .unionByName(rows(counts, _COUNT, F.col("count")))
            .unionByName(rows(users.select("user", F.lit(-1).alias("item")), _SAMPLED))
            .unionByName(rows(cold, _COLD, F.col("value"))))


def _sample(train: DataFrame, valid: DataFrame, relevant_rating: float, implicit: bool, ranking_users: int,
            seed: int, cache: dict | None) -> dict[str, np.ndarray]:
    """The sampled users' table (:func:`_sample_table`) as arrays ``kind, user, item, value``: from ``cache`` when
    the same split (Spark's semantic hash of both frames' plans) and settings were sampled before."""
    key = (train.semanticHash(), valid.semanticHash(), float(relevant_rating), bool(implicit), int(ranking_users),
           int(seed))
    if cache is not None and key in cache:
        return cache[key]
    users = sample_users(valid, train, ranking_users, seed).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        table = _arrow(_sample_table(train, valid, users, relevant_rating, implicit))
    finally:
        users.unpersist()
    arrays = {c: table[c].to_numpy() for c in ("kind", "user", "item")} | {"value": table["value"].to_numpy(np.float64)}
    if cache is not None:
        while len(cache) >= CACHED_SAMPLES:
            cache.pop(next(iter(cache)))
        cache[key] = arrays
    return arrays


def _factor_arrays(model, users: DataFrame):
    """(user ids, user matrix, item ids, item matrix): float32, ids ascending; one job for both sides."""
    side = model.userFactors.join(users.select(F.col("user").alias("id")), "id") \
        .select(F.lit(0).alias("side"), "id", "features") \
        .unionByName(model.itemFactors.select(F.lit(1).alias("side"), "id", "features"))
    table = _arrow(side).sort_values(["side", "id"])
    out = []
    for s in (0, 1):
        part = table[table["side"] == s]
        ids = part["id"].to_numpy(np.int64)
        mat = np.stack(part["features"].to_list()).astype(np.float32) if len(part) else \
            np.zeros((0, model.rank), np.float32)
        out += [ids, np.ascontiguousarray(mat)]
    return tuple(out)


def _top_k(user_matrix, item_matrix, popularity, seen_rows, seen_cols, k):
    """Model and popular top-k columns for every user row, seen items excluded, in blocks of users."""
    n, m = len(user_matrix), len(item_matrix)
    model_top = np.zeros((n, min(k, m)), np.int64)
    model_ok = np.zeros((n, min(k, m)), bool)
    pop_top, pop_ok = model_top.copy(), model_ok.copy()
    for start in range(0, n, BLOCK_USERS):
        stop = min(start + BLOCK_USERS, n)
        at = slice(np.searchsorted(seen_rows, start), np.searchsorted(seen_rows, stop))
        r, c = seen_rows[at] - start, seen_cols[at]
        for scores, top, ok in ((user_matrix[start:stop] @ item_matrix.T, model_top, model_ok),
                                (np.tile(popularity, (stop - start, 1)), pop_top, pop_ok)):
            scores[r, c] = -np.inf
            cols, vals = top_k_rows(scores, k)
            top[start:stop], ok[start:stop] = cols, np.isfinite(vals)
    return (model_top, model_ok), (pop_top, pop_ok)


def _hits(top, ok, label_codes, m):
    codes = np.arange(len(top))[:, None] * m + top
    return np.isin(codes, label_codes) & ok


def ranking_metrics(model, train: DataFrame, valid: DataFrame, ks=(10,), relevant_rating: float = 4.0,
                    implicit: bool = False, ranking_users: int = 10_000, seed: int = 0,
                    baseline: bool = True, cache: dict | None = None) -> dict:
    """ndcg/map/precision/recall@K of ``model`` and of the most-popular baseline on the same sampled users.

    Args:
        model: a fitted ``pyspark.ml.recommendation.ALSModel`` (columns user, item).
        train: the frame it was fitted on (its items are excluded from each user's recommendations).
        valid: held-out ``user, item, rating`` rows (a fold's validation part or the test set).
        ks: cut-offs (positive ints).
        relevant_rating: a held-out rating >= this is relevant (ignored when ``implicit``: every row is).
        ranking_users: how many users to sample; seed: the sample's seed.
        baseline: also score the most-popular items (``popular_*`` keys) on the same users.
        cache: a dict kept between calls (the Spark service's state): the sample of a split scored before is
            reused, so a fold's users, seen and relevant items are collected once for all trials.

    Returns:
        Floats ``ndcg@K``, ``map@K``, ``precision@K``, ``recall@K`` (and ``popular_<same>``) for each K, plus
        ints ``ranking_users_evaluated``, ``ranking_users_without_relevant``, ``ranking_users_cold``.
        Users with no relevant held-out item are left out of the means (RankingEvaluator would count them as 0).
    """
    arrays = _sample(train, valid, relevant_rating, implicit, ranking_users, seed, cache)
    kind, user, item, value = (arrays[c] for c in ("kind", "user", "item", "value"))
    sampled_ids = np.unique(user[kind == _SAMPLED]).astype(np.int32)
    # the sample's users as a small local frame: the factors job joins them without recomputing the sample
    users = _arrow_frame(train.sparkSession, sampled_ids)
    user_ids, user_matrix, item_ids, item_matrix = _factor_arrays(model, users)
    sampled = len(sampled_ids)
    rel_user, rel_item = user[kind == _RELEVANT], item[kind == _RELEVANT]
    evaluated_ids, relevant = np.unique(rel_user, return_counts=True)
    out = {"ranking_users_evaluated": len(evaluated_ids), "ranking_users_without_relevant": sampled -
           len(evaluated_ids), "ranking_users_cold": int(value[kind == _COLD].sum())}
    prefixes = ("", POPULAR_PREFIX) if baseline else ("",)
    if len(evaluated_ids) == 0:
        return {**{f"{p}{n}@{x}": float("nan") for p in prefixes for n in EVALUATOR_METRICS for x in ks}, **out}
    # rows: the evaluated users (every one has factors: sampled users have training rows); columns: items
    rows = np.searchsorted(user_ids, evaluated_ids)
    m = len(item_ids)
    popularity = np.zeros(m, np.float64)
    count_at = np.searchsorted(item_ids, item[kind == _COUNT])
    popularity[count_at] = value[kind == _COUNT]
    seen = kind == _SEEN
    seen_user, seen_col = np.searchsorted(evaluated_ids, user[seen]), np.searchsorted(item_ids, item[seen])
    keep = (seen_user < len(evaluated_ids)) & (evaluated_ids[np.minimum(seen_user, len(evaluated_ids) - 1)]
                                               == user[seen])
    order = np.argsort(seen_user[keep], kind="stable")
    (model_top, model_ok), (pop_top, pop_ok) = _top_k(user_matrix[rows], item_matrix, popularity,
                                                       seen_user[keep][order], seen_col[keep][order],
                                                       max(int(x) for x in ks))
    rel_col = np.searchsorted(item_ids, rel_item)
    known = (rel_col < m) & (item_ids[np.minimum(rel_col, m - 1)] == rel_item)  # unknown items: never hit
    label_codes = np.searchsorted(evaluated_ids, rel_user[known]) * m + rel_col[known]
    out.update(list_metrics(_hits(model_top, model_ok, label_codes, m), relevant, ks))
    if baseline:
        out.update(list_metrics(_hits(pop_top, pop_ok, label_codes, m), relevant, ks, POPULAR_PREFIX))
    return out
