"""Spark MLlib tree ensembles, RandomForestClassifier or GBTClassifier, as branches of one conditional space
(a multiclass label: RandomForestClassifier only; Spark's GBTClassifier is binary).

The same Spark pipeline and metrics as spark-logreg (:mod:`tuner.models.spark_logreg`), except that categorical
columns enter as their StringIndexer index (trees split on it; one-hot would only widen the vectors).
"""

from __future__ import annotations

from tuner.config.families import POS_INT, ModelType, ParamRule, short_name
from tuner.models._classifier import CLASS_WEIGHT
from tuner.models.registry import register
from tuner.models.spark_logreg import LABEL, WEIGHT, SparkLogReg, feature_stages

_SUBSAMPLING = ParamRule("float", min=0, max=1, min_exclusive=True)
_COMMON = {"maxDepth": ParamRule("int", min=0, max=30), "minInstancesPerNode": POS_INT,
           "maxBins": ParamRule("int", min=2), "subsamplingRate": _SUBSAMPLING}
ESTIMATORS = {
    "RandomForestClassifier": {
        **_COMMON,
        "numTrees": POS_INT,
        "featureSubsetStrategy": ParamRule("str", choices=("auto", "all", "sqrt", "log2", "onethird")),
        "impurity": ParamRule("str", choices=("gini", "entropy")),
    },
    "GBTClassifier": {
        **_COMMON,
        "maxIter": POS_INT,
        "stepSize": ParamRule("float", min=0, max=1, min_exclusive=True),
        "featureSubsetStrategy": ParamRule("str", choices=("auto", "all", "sqrt", "log2", "onethird")),
    },
}

SPARK_TREES = ModelType(
    name="spark-trees",
    task="binary",
    tasks=("binary", "multiclass"),
    default_space="spark_trees",
    params={"estimator": ParamRule("str", choices=tuple(ESTIMATORS)), "class_weight": CLASS_WEIGHT},
    branch_params=ESTIMATORS,
    task_choices={"estimator": {"binary": tuple(ESTIMATORS), "multiclass": ("RandomForestClassifier",)}},
)


@register(SPARK_TREES)
class SparkTrees(SparkLogReg):
    """A random forest or gradient-boosted trees on the spark-logreg features; ``class_weight`` as there."""

    def pipeline(self, numeric, categorical, params, weighted, seed, ctx=None):
        from pyspark.ml import Pipeline
        from pyspark.ml import classification

        name = params["estimator"]
        prefix = short_name(name) + "."
        kwargs = {k[len(prefix):]: v for k, v in params.items() if k.startswith(prefix)}
        est = getattr(classification, name)(featuresCol="_features", labelCol=LABEL, seed=seed, **kwargs)
        if weighted:
            est.setWeightCol(WEIGHT)
        return Pipeline(stages=[*feature_stages(numeric, categorical, one_hot=False), est])

    def fitted_params(self, model) -> dict:
        est = model.stages[-1]
        name = {"RandomForestClassificationModel": "RandomForestClassifier",
                "GBTClassificationModel": "GBTClassifier"}[type(est).__name__]
        out = {"estimator": name, "class_weight": "balanced" if est.isSet("weightCol") else "none"}
        for k in ESTIMATORS[name]:
            if est.hasParam(k) and est.isSet(k):
                out[f"{name}.{k}"] = est.getOrDefault(k)
        return out
