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
#: tuner's own params (explicit ratings only): a baseline predictor, ALS fitted on what it leaves
_BIAS_DEFAULTS = {"biases": False, "biasReg": 5.0}
_OWN = {**_CONFIDENCE_DEFAULTS, **_BIAS_DEFAULTS}

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
        "biases": BOOL,
        "biasReg": NONNEG_FLOAT,
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


def baseline(train, bias_reg: float):
    """The baseline predictor of explicit ratings: the global mean ``mu`` plus regularised item and user biases
    (Koren 2008, section 2.1): ``b_i = sum(r - mu) / (bias_reg + n_i)`` over the item's ratings, then
    ``b_u = sum(r - mu - b_i) / (bias_reg + n_u)`` over the user's.

    Returns:
        ``(mu, user_biases, item_biases)``: a float and two cached frames (``user``, ``bu``) and (``item``, ``bi``).
    """
    from pyspark.sql import functions as F

    mu = float(train.agg(F.avg("rating")).first()[0])
    n = F.count(F.lit(1))
    items = train.groupBy("item").agg((F.sum(F.col("rating") - mu) / (bias_reg + n)).alias("bi")).cache()
    users = (train.join(items, "item").groupBy("user")
             .agg((F.sum(F.col("rating") - mu - F.col("bi")) / (bias_reg + n)).alias("bu")).cache())
    return mu, users, items


def with_biases(model, mu: float, users, items):
    """``model`` (ALS fitted on ``rating - mu - b_u - b_i``) as an ALSModel of rank + 2 whose dot product is the
    whole prediction: user factors ``[x_u, 1, mu + b_u]``, item factors ``[y_i, b_i, 1]``.

    Everything that reads an ALS model's factors (Spark's transform and recommendForUserSubset, save and load,
    tuner's ranking pass, recommend, predict and the MLflow pyfunc) then adds the biases without knowing of them.
    """
    from pyspark.ml.recommendation import ALSModel
    from pyspark.sql import functions as F

    one = F.lit(1.0).cast("float")
    uf = (model.userFactors.join(users.withColumnRenamed("user", "id"), "id", "left")
          .select("id", F.concat("features", F.array(one, (F.lit(mu) + F.coalesce("bu", F.lit(0.0))).cast("float")))
                  .alias("features")).cache())
    itf = (model.itemFactors.join(items.withColumnRenamed("item", "id"), "id", "left")
           .select("id", F.concat("features", F.array(F.coalesce("bi", F.lit(0.0)).cast("float"), one))
                   .alias("features")).cache())
    jvm = uf.sparkSession._jvm
    java = jvm.org.apache.spark.ml.recommendation.ALSModel(model.uid, model.rank + 2, uf._jdf, itf._jdf)
    java.setUserCol(model.getUserCol()).setItemCol(model.getItemCol()).setPredictionCol(model.getPredictionCol())
    java.setColdStartStrategy(model.getColdStartStrategy()).setBlockSize(model.getBlockSize())
    out = ALSModel(java)
    out._transfer_params_from_java()
    model.userFactors.unpersist()
    model.itemFactors.unpersist()
    users.unpersist()
    items.unpersist()
    return out


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
        out = {**params, "regParam": params.get("regParam", 0.1) / fraction}  # 0.1: Spark's default
        if params.get("biases"):  # the biases' prior is added to counts that shrink with the sample: scale it too
            out["biasReg"] = params.get("biasReg", _BIAS_DEFAULTS["biasReg"]) * fraction
        return out

    def fit(self, ctx, train, params, seed):
        from pyspark.ml.recommendation import ALS

        # ALS's default of 10 user/item blocks makes 10-task stages even on 2 cores; match the cluster instead.
        blocks = ctx.spark.sparkContext.defaultParallelism if ctx is not None else 10
        own = {k: params.get(k, v) for k, v in _OWN.items()}
        spark_params = {k: v for k, v in params.items() if k not in _OWN}
        als = ALS(coldStartStrategy="drop", seed=seed, numUserBlocks=blocks, numItemBlocks=blocks, **_COLS)
        als.setParams(**spark_params)
        biased = bool(own["biases"]) and not als.getImplicitPrefs()  # implicit feedback has no rating to centre
        if als.getImplicitPrefs():  # explicit ratings are fitted as they are: the confidence params do nothing
            data_cfg = ctx.state.get("data", {}).get("data_cfg") if ctx is not None else None
            train = confidence_values(train, own, data_cfg.relevant_rating if data_cfg else 4.0)
        if biased:
            from pyspark.sql import functions as F

            mu, users, items = baseline(train, float(own["biasReg"]))
            residual = F.col("rating") - mu - F.col("bu") - F.col("bi")
            train = train.join(users, "user").join(items, "item").withColumn("rating", residual)
        model = als.fit(train)
        if biased:
            model = with_biases(model, mu, users, items)
        model._tuner_estimator = als  # for fitted_params: an ALSModel keeps only its rank
        model._tuner_own = {k: v for k, v in own.items() if k in params}
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

            cache = ctx.state.setdefault("ranking_samples", {}) if ctx is not None else None
            out.update(ranking_metrics(model, train, frame, ks, plan.relevant_rating, _implicit(model),
                                       plan.users, plan.seed, baseline=final, cache=cache),
                       ranking_implicit=_implicit(model))
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
        """The ALS estimator's own param map (an ALSModel keeps only its rank, which is rank + 2 with biases:
        :func:`with_biases`) and tuner's own params."""
        als = model._tuner_estimator
        names = [p.name for p in als.params if p.name in SPARK_ALS.params and als.isSet(p.name)]
        return {**{k: als.getOrDefault(k) for k in names}, "rank": als.getRank(), **getattr(model, "_tuner_own", {})}

    def card(self, ctx, model) -> dict:
        out = {"format": "Spark MLlib native (load with pyspark.ml.recommendation.ALSModel.load); userFactors/ "
                         "and itemFactors/ are Parquet (id int32, features list<float>)",
               "task": "ratings", "serve": "als"}
        if getattr(model, "_tuner_own", {}).get("biases") and not _implicit(model):
            out["biases"] = ("folded into the factors: a user's last two are [1, mean + user bias], an item's "
                             "[item bias, 1], so their dot product is the whole predicted rating")
        return out

    def release(self, model):
        model.userFactors.unpersist()
        model.itemFactors.unpersist()

    def save(self, model, path):
        model.write().overwrite().save(path)

    def load(self, ctx, path):
        from pyspark.ml.recommendation import ALSModel

        return ALSModel.load(path)
