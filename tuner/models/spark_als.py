"""Spark MLlib ALS for explicit ratings or implicit feedback (``implicitPrefs``), run inside the Spark service.

Ranking metrics (ndcg@K, ...) and the serving export follow the run's ``RankingPlan`` in ``ctx.state["ranking"]``
(set by the runner; absent, e.g. in the adapter contract tests, only RMSE/MAE are scored and nothing is exported).
"""

from __future__ import annotations

import os
from typing import Any

from tuner.config.families import BOOL, NONNEG_FLOAT, POS_FLOAT, POS_INT, ModelType, ParamRule
from tuner.models.base import ModelAdapter, cache_split
from tuner.models.registry import register

_COLS = {"userCol": "user", "itemCol": "item", "ratingCol": "rating"}
#: tuner's own params (implicit feedback only): how a row's value becomes Spark's confidence 1 + alpha * value
CONFIDENCE = ("raw", "log", "threshold")
_CONFIDENCE_DEFAULTS = {"confidence": "raw", "confidence_eps": 1.0, "confidence_threshold": None}

SPARK_ALS = ModelType(
    name="spark-als",
    task="ratings",
    metrics={"rmse": "min", "mae": "min"},
    default_metric="rmse",
    default_space="als",
    ranking=True,
    params={
        "rank": POS_INT,
        "maxIter": POS_INT,
        "regParam": NONNEG_FLOAT,
        "alpha": NONNEG_FLOAT,
        "implicitPrefs": BOOL,
        "nonnegative": BOOL,
        "numUserBlocks": POS_INT,
        "numItemBlocks": POS_INT,
        "checkpointInterval": POS_INT,
        "confidence": ParamRule("str", choices=CONFIDENCE),
        "confidence_eps": POS_FLOAT,
        "confidence_threshold": ParamRule("float"),
    },
)


def confidence_values(train, params: dict, relevant_rating: float):
    """``train`` with its ``rating`` replaced by the value implicit ALS turns into a confidence.

    ``raw``: the value itself (Spark's default); ``log``: log(1 + value / confidence_eps), which damps heavy
    users' counts (Hu, Koren and Volinsky 2008); ``threshold``: 1 for a value >= confidence_threshold (default:
    ``data.relevant_rating``), else 0, so a row below it counts as unobserved (preference 0, confidence 1).
    """
    from pyspark.sql import functions as F

    kind = params.get("confidence", "raw")
    if kind == "log":
        value = F.log1p(F.col("rating") / float(params.get("confidence_eps", 1.0)))
    elif kind == "threshold":
        cut = params.get("confidence_threshold")
        value = F.when(F.col("rating") >= float(relevant_rating if cut is None else cut), 1.0).otherwise(0.0)
    else:
        return train
    return train.withColumn("rating", value.cast("double"))


def _implicit(model) -> bool:
    est = getattr(model, "_tuner_estimator", None)
    return bool(est is not None and est.getImplicitPrefs())


@register(SPARK_ALS)
class SparkALS(ModelAdapter):
    """ALS with ``coldStartStrategy="drop"``: rows of users/items unseen in training are dropped and counted."""

    fit_uses_every_core = True  # numUserBlocks = numItemBlocks = defaultParallelism (fit_fold)

    def prepare(self, ctx, data_cfg: Any) -> dict:
        from pyspark.sql import functions as F

        from tuner.data import prepare_ratings

        prepared = prepare_ratings(ctx.spark, data_cfg)
        train, test, fold_rows = cache_split(prepared.train, prepared.test, "fold")
        test_rows = test.count()
        ctx.state["data"] = {"train": train, "test": test, "fold_rows": fold_rows, "source": prepared.source,
                             "data_cfg": data_cfg}
        stats = train.agg(F.countDistinct("user").alias("users"), F.countDistinct("item").alias("items"),
                          F.stddev("rating").alias("rating_std")).first()
        return {
            **prepared.rows.as_dict(),
            "train": sum(fold_rows.values()),
            "test": test_rows,
            "fold_rows": [fold_rows.get(k, 0) for k in range(data_cfg.folds)],
            "users": int(stats["users"]),
            "items": int(stats["items"]),
            "rating_std": float(stats["rating_std"] or 0.0),
            "source": prepared.source,
            "format": prepared.format,
        }

    def fold_frames(self, ctx, fold):
        train = ctx.state["data"]["train"]
        return train.where(train.fold != fold), train.where(train.fold == fold)

    def full_frames(self, ctx):
        data = ctx.state["data"]
        return data["train"], data["test"]

    def mlflow_input(self, ctx, test):
        return test.select("user", "item")

    def save_mlflow(self, ctx, model, test, path):
        """A pyfunc that scores every row in order (NaN where unknown), as ``tuner predict``; not ``mlflow.spark``,
        whose ALS join drops and may reorder rows."""
        from tuner.models.mlflow_flavour import save_als_model

        save_als_model(model, path, self.mlflow_input(ctx, test))

    def fraction_params(self, params, fraction):
        """regParam / fraction. Spark's ALS weights regParam by each user's and item's number of ratings
        (ALS-WR), so on a sample the penalty shrinks with the counts while the regularisation a factor needs
        (noise over prior variance) does not: a configuration's sample fit matches it when regParam is divided
        by the fraction. Measured without this: on 10% samples heavily regularised configurations ranked
        first and ASHA pruned the best full-data one (docs/benchmarks.md)."""
        return {**params, "regParam": params.get("regParam", 0.1) / fraction}  # 0.1: Spark's default

    def fit(self, ctx, train, params, seed):
        from pyspark.ml.recommendation import ALS

        # ALS's default of 10 user/item blocks makes 10-task stages even on 2 cores; match the cluster instead.
        blocks = ctx.spark.sparkContext.defaultParallelism if ctx is not None else 10
        own = {k: params.get(k, v) for k, v in _CONFIDENCE_DEFAULTS.items()}
        spark_params = {k: v for k, v in params.items() if k not in _CONFIDENCE_DEFAULTS}
        als = ALS(coldStartStrategy="drop", seed=seed, numUserBlocks=blocks, numItemBlocks=blocks, **_COLS)
        als.setParams(**spark_params)
        if als.getImplicitPrefs():  # explicit ratings are fitted as they are: the confidence params do nothing
            data_cfg = ctx.state.get("data", {}).get("data_cfg") if ctx is not None else None
            train = confidence_values(train, own, data_cfg.relevant_rating if data_cfg else 4.0)
        model = als.fit(train)
        model._tuner_estimator = als  # for fitted_params: an ALSModel keeps only its rank
        model._tuner_confidence = {k: v for k, v in own.items() if k in params}
        return model

    def score(self, ctx, model, frame):
        from pyspark.sql import functions as F

        err = F.col("prediction") - F.col("rating")
        row = model.transform(frame).agg(
            F.count(F.lit(1)).alias("n"), F.sqrt(F.avg(err * err)).alias("rmse"), F.avg(F.abs(err)).alias("mae")
        ).first()
        total = frame.count()
        return {
            "rmse": float(row["rmse"]) if row["rmse"] is not None else float("nan"),
            "mae": float(row["mae"]) if row["mae"] is not None else float("nan"),
            "rows": int(row["n"]),
            "cold_start_dropped": int(total - row["n"]),
        }

    def score_split(self, ctx, model, train, frame, final=False):
        """RMSE/MAE, plus the plan's ranking metrics (per fold only when the objective is one; on the test set
        always, with the most-popular baseline on the same users)."""
        out = self.score(ctx, model, frame)
        plan = ctx.state.get("ranking") if ctx is not None else None
        ks = (plan.test_ks if final else plan.fold_ks) if plan else ()
        if ks:
            from tuner.models.als_ranking import ranking_metrics

            out.update(ranking_metrics(model, train, frame, ks, plan.relevant_rating, _implicit(model),
                                       plan.users, plan.seed, baseline=final), ranking_implicit=_implicit(model))
        return out

    def export(self, ctx, model, train, path):
        """recommendations/, seen/, popular.parquet beside the native folder (its factors are served in place),
        and the data fingerprint of the model card."""
        plan = ctx.state.get("ranking")
        if plan is None:
            return {}
        from tuner.data.fingerprint import source_fingerprint
        from tuner.models.als_export import export_for_serving

        data = ctx.state["data"]
        serving = export_for_serving(model, train, os.path.dirname(path.rstrip("/")), plan.top_k,
                                     native=os.path.basename(path.rstrip("/")))
        fingerprint = {**serving["fingerprint"], "source": source_fingerprint(data["source"], data["data_cfg"])}
        return {"serving": serving, "data_fingerprint": fingerprint, "implicit": _implicit(model)}

    def predict(self, ctx, model, frame) -> list:
        """Predicted ratings of the (user, item) pairs of ``frame`` that the model can score, in frame order
        (Spark ``transform``; cold-start pairs are dropped, as in scoring)."""
        from pyspark.sql import functions as F

        ordered = frame.select("user", "item").withColumn("_order", F.monotonically_increasing_id())
        rows = model.transform(ordered).orderBy("_order").select("prediction").collect()
        return [float(r["prediction"]) for r in rows]

    def fitted_params(self, model) -> dict:
        """``rank`` from the fitted model, the other params from the ALS estimator's own param map (an
        ALSModel keeps only its rank)."""
        als = model._tuner_estimator
        names = [p.name for p in als.params if p.name in SPARK_ALS.params and als.isSet(p.name)]
        return {**{k: als.getOrDefault(k) for k in names}, "rank": model.rank,
                **getattr(model, "_tuner_confidence", {})}

    def card(self, ctx, model) -> dict:
        return {"format": "Spark MLlib native (load with pyspark.ml.recommendation.ALSModel.load); userFactors/ "
                          "and itemFactors/ are Parquet (id int32, features list<float>)",
                "task": "ratings", "serve": "als"}

    def release(self, model):
        model.userFactors.unpersist()
        model.itemFactors.unpersist()

    def save(self, model, path):
        model.write().overwrite().save(path)

    def load(self, ctx, path):
        from pyspark.ml.recommendation import ALSModel

        return ALSModel.load(path)
