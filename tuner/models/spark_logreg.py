"""Spark MLlib logistic regression (binomial, or multinomial for a multiclass label) as one Pipeline, run inside
the Spark service; a fold's metrics in one Spark aggregation (tuner/models/_classifier.py).

Imputer (numeric medians) -> StringIndexer(handleInvalid=keep: unseen and missing categories get their own
index) -> OneHotEncoder -> VectorAssembler -> StandardScaler -> LogisticRegression.
"""

from __future__ import annotations

from typing import Any

from tuner.config.families import BOOL, NONNEG_FLOAT, POS_FLOAT, POS_INT, UNIT, ModelType, ParamRule
from tuner.models._classifier import (CLASS_WEIGHT, binary_metrics, class_weights, label_card, multiclass_metrics,
                                      table_rows)
from tuner.models.base import ModelAdapter, cache_split
from tuner.models.registry import register

SPARK_LOGREG = ModelType(
    name="spark-logreg",
    task="binary",
    tasks=("binary", "multiclass"),
    default_space="spark_logreg",
    params={
        "regParam": NONNEG_FLOAT,
        "elasticNetParam": UNIT,
        "maxIter": POS_INT,
        "fitIntercept": BOOL,
        "class_weight": CLASS_WEIGHT,
        "standardization": BOOL,
        "tol": POS_FLOAT,
        "threshold": UNIT,
        "aggregationDepth": ParamRule("int", min=2),
    },
)

LABEL, FOLD, WEIGHT = "_label", "_fold", "_weight"


def feature_stages(numeric: list[str], categorical: list[str], one_hot: bool = True) -> list:
    """Imputer -> StringIndexer -> (OneHotEncoder) -> VectorAssembler -> StandardScaler, ending in ``_features``.

    Args:
        one_hot: one-hot encode the categorical indices (linear models); trees split on the index itself.
    """
    from pyspark.ml.feature import Imputer, OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler

    stages, assembled = [], []
    if numeric:
        imputed = [f"_num_{i}" for i in range(len(numeric))]
        stages.append(Imputer(inputCols=numeric, outputCols=imputed, strategy="median"))
        assembled += imputed
    if categorical:
        idx = [f"_idx_{i}" for i in range(len(categorical))]
        ohe = [f"_ohe_{i}" for i in range(len(categorical))]
        stages.append(StringIndexer(inputCols=categorical, outputCols=idx, handleInvalid="keep"))
        if one_hot:
            stages.append(OneHotEncoder(inputCols=idx, outputCols=ohe, handleInvalid="keep"))
        assembled += ohe if one_hot else idx
    stages.append(VectorAssembler(inputCols=assembled, outputCol="_raw_features", handleInvalid="keep"))
    stages.append(StandardScaler(inputCol="_raw_features", outputCol="_features", withMean=False, withStd=True))
    return stages


def build_pipeline(numeric: list[str], categorical: list[str], params: dict, weighted: bool,
                   family: str = "binomial"):
    """The unfitted Pipeline for the given feature columns and LogisticRegression params (Spark names).

    Args:
        family: ``binomial`` (binary task) or ``multinomial`` (multiclass).

    Returns:
        pyspark.ml.Pipeline
    """
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import LogisticRegression

    stages = feature_stages(numeric, categorical)
    lr_params = {k: v for k, v in params.items() if k != "class_weight"}
    lr = LogisticRegression(featuresCol="_features", labelCol=LABEL, family=family, **lr_params)
    if weighted:
        lr.setWeightCol(WEIGHT)
    stages.append(lr)
    return Pipeline(stages=stages)


def _weighted(params: dict) -> bool:
    """``class_weight: balanced`` (families without the param never weight)."""
    return params.get("class_weight", "none") == "balanced"


@register(SPARK_LOGREG)
class SparkLogReg(ModelAdapter):
    """The MLlib pipeline above; ``class_weight: balanced`` weights rows by n / (2 * rows of their class)."""

    def prepare(self, ctx, data_cfg: Any) -> dict:
        from tuner.data.tabular import prepare_table

        prepared = prepare_table(ctx.spark, data_cfg, self.spec.task)
        ctx.state["task"] = prepared.facts["task"]
        train, test, folds = cache_split(prepared.train, prepared.test, FOLD)
        ctx.state["data"] = {"train": train, "test": test, "numeric": prepared.numeric,
                             "categorical": prepared.categorical, "facts": prepared.facts}
        return table_rows(prepared, folds, test.count(), data_cfg.folds)

    def fold_frames(self, ctx, fold):
        train = ctx.state["data"]["train"]
        return train.where(train[FOLD] != fold), train.where(train[FOLD] == fold)

    def fit_fold(self, ctx, params, fold, seed, fraction=1.0):
        """A trial's fold on the fold's features, fitted and cached once for all trials.

        The feature stages (imputer, indexer, encoder, assembler, scaler) take no trial param, so fitting them
        for every trial redid the same Spark jobs; here the first trial of a fold fits them on the fold's
        training rows and caches both sides' ``_features``, and each trial fits only its estimator. The
        numbers are those of the whole pipeline fitted on the fold (tests/spark/test_adapter_contracts.py).
        """
        import time

        from pyspark.ml import PipelineModel

        if fraction < 1.0:
            params = self.fraction_params(params, fraction)
        stages = self._trial_pipeline(ctx, params, seed).getStages()
        train, valid = self._fold_features(ctx, fold, stages[:-1])
        if fraction < 1.0:
            train = self.subsample(train, fraction, seed)
        t0 = time.monotonic()
        if _weighted(params):
            train = class_weights(train, LABEL, WEIGHT)
        model = PipelineModel(stages=[stages[-1].fit(train)])  # scores the cached features as they are
        t1 = time.monotonic()
        result = self.score(ctx, model, valid)
        return {**result, "fit_seconds": t1 - t0, "score_seconds": time.monotonic() - t1}

    def _trial_pipeline(self, ctx, params, seed):
        """The unfitted pipeline of a trial on the prepared table's feature columns."""
        data = ctx.state["data"]
        return self.pipeline(data["numeric"], data["categorical"], params, _weighted(params), seed, ctx)

    def _fold_features(self, ctx, fold: int, feature_stages: list) -> tuple:
        """The fold's training and validation rows with ``_features`` (the fitted ``feature_stages``), cached.

        Trials of a run share one feature pipeline (the family's); concurrent trials of one fold wait for the
        first to fit it (a lock per service)."""
        import threading

        from pyspark import StorageLevel
        from pyspark.ml import Pipeline

        lock = ctx.state.setdefault("_features_lock", threading.Lock())
        key = (fold, tuple(type(s).__name__ for s in feature_stages))
        with lock:
            cache = ctx.state.setdefault("_fold_features", {})
            if key not in cache:
                train, valid = self.fold_frames(ctx, fold)
                fitted = Pipeline(stages=feature_stages).fit(train)
                keep = [LABEL, "_features"]
                sides = [fitted.transform(f).select(*keep).persist(StorageLevel.MEMORY_AND_DISK)
                         for f in (train, valid)]
                for side in sides:
                    side.count()  # materialised once, here, not inside the first trial's timed fit
                cache[key] = tuple(sides)
            return cache[key]

    def full_frames(self, ctx):
        data = ctx.state["data"]
        return data["train"], data["test"]

    def mlflow_input(self, ctx, test):
        data = ctx.state["data"]
        return test.select(*data["numeric"], *data["categorical"])

    def fit(self, ctx, train, params, seed):
        if _weighted(params):
            train = class_weights(train, LABEL, WEIGHT)
        return self._trial_pipeline(ctx, params, seed).fit(train)

    def pipeline(self, numeric: list[str], categorical: list[str], params: dict, weighted: bool, seed: int,
                 ctx=None):
        """The unfitted Pipeline of one trial (subclasses swap the estimator; LogisticRegression has no seed)."""
        family = "multinomial" if ctx is not None and self.task_of(ctx) == "multiclass" else "binomial"
        return build_pipeline(numeric, categorical, params, weighted, family)

    def score(self, ctx, model, frame):
        """The task's metrics in one Spark job over the scored rows (nothing cached: one pass reads them once)."""
        scored = model.transform(frame).select(LABEL, "probability", "prediction")
        if self.task_of(ctx) == "multiclass":
            return multiclass_metrics(scored, LABEL)
        return binary_metrics(scored, LABEL)

    def predict(self, ctx, model, frame) -> list:
        from pyspark.ml.functions import vector_to_array

        if self.task_of(ctx) == "multiclass":
            rows = model.transform(frame).select(vector_to_array("probability").alias("p")).collect()
            return [list(r["p"]) for r in rows]
        rows = model.transform(frame).select(vector_to_array("probability")[1].alias("p")).collect()
        return [r["p"] for r in rows]

    def fitted_params(self, model) -> dict:
        lr = model.stages[-1]
        out = {k: lr.getOrDefault(k) for k in SPARK_LOGREG.params if k != "class_weight"}
        out["class_weight"] = "balanced" if lr.isSet("weightCol") else "none"
        return out

    def save(self, model, path):
        model.write().overwrite().save(path)

    def load(self, ctx, path):
        from pyspark.ml import PipelineModel

        return PipelineModel.load(path)

    def card(self, ctx, model) -> dict:
        data = ctx.state["data"]
        return {"format": "Spark MLlib PipelineModel, native (pyspark.ml.PipelineModel.load(path)); "
                          "input: the feature columns below, numeric as double, categorical as string",
                **label_card(data["facts"], self.task_of(ctx), serve="spark"),
                "input_columns": {"numeric": data["numeric"], "categorical": data["categorical"]}}
