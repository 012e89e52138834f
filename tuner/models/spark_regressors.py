"""Spark MLlib regressors on the spark-logreg features: ``spark-linreg`` (LinearRegression), ``spark-gbt-regressor``
(GBTRegressor) and ``spark-rf-regressor`` (RandomForestRegressor); rmse, mae and r2 by one Spark aggregation.

Linear regression gets the one-hot, scaled features of spark-logreg; the tree ensembles the StringIndexer index of
each categorical column (trees split on it), as spark-trees.
"""

from __future__ import annotations

from tuner.config.families import BOOL, NONNEG_FLOAT, POS_FLOAT, POS_INT, UNIT, ModelType, ParamRule
from tuner.models._classifier import regression_metrics
from tuner.models.registry import register
from tuner.models.spark_logreg import LABEL, SparkLogReg, feature_stages

_SUBSAMPLING = ParamRule("float", min=0, max=1, min_exclusive=True)
_TREES = {"maxDepth": ParamRule("int", min=0, max=30), "minInstancesPerNode": POS_INT, "maxBins": ParamRule("int", min=2),
          "subsamplingRate": _SUBSAMPLING,
          "featureSubsetStrategy": ParamRule("str", choices=("auto", "all", "sqrt", "log2", "onethird"))}

SPARK_LINREG = ModelType(
    name="spark-linreg", task="regression", default_space="spark_linreg",
    params={"regParam": NONNEG_FLOAT, "elasticNetParam": UNIT, "maxIter": POS_INT, "fitIntercept": BOOL,
            "standardization": BOOL, "tol": POS_FLOAT, "loss": ParamRule("str", choices=("squaredError", "huber")),
            "aggregationDepth": ParamRule("int", min=2)},
)
SPARK_GBT_REGRESSOR = ModelType(
    name="spark-gbt-regressor", task="regression", default_space="spark_gbt_regressor",
    params={**_TREES, "maxIter": POS_INT, "stepSize": ParamRule("float", min=0, max=1, min_exclusive=True),
            "lossType": ParamRule("str", choices=("squared", "absolute"))},
)
SPARK_RF_REGRESSOR = ModelType(
    name="spark-rf-regressor", task="regression", default_space="spark_rf_regressor",
    params={**_TREES, "numTrees": POS_INT},
)


class _SparkRegressor(SparkLogReg):
    """The spark-logreg pipeline with a regressor at its end (``estimator``: its pyspark.ml.regression class)."""

    estimator = "LinearRegression"
    one_hot = False

    def pipeline(self, numeric, categorical, params, weighted, seed, ctx=None):
        from pyspark.ml import Pipeline
        from pyspark.ml import regression

        cls = getattr(regression, self.estimator)
        kwargs = {**params, **({"seed": seed} if cls().hasParam("seed") else {})}
        est = cls(featuresCol="_features", labelCol=LABEL, **kwargs)
        return Pipeline(stages=[*feature_stages(numeric, categorical, one_hot=self.one_hot), est])

    def score(self, ctx, model, frame):
        from pyspark import StorageLevel

        scored = model.transform(frame).select(LABEL, "prediction").persist(StorageLevel.MEMORY_AND_DISK)
        try:
            return regression_metrics(scored, LABEL)
        finally:
            scored.unpersist()

    def predict(self, ctx, model, frame) -> list:
        return [r["prediction"] for r in model.transform(frame).select("prediction").collect()]

    def fitted_params(self, model) -> dict:
        est = model.stages[-1]
        return {k: est.getOrDefault(k) for k in self.spec.params if est.hasParam(k)}


@register(SPARK_LINREG)
class SparkLinReg(_SparkRegressor):
    """LinearRegression (regParam, elasticNetParam: ridge to lasso) on one-hot, scaled features."""

    estimator, one_hot = "LinearRegression", True


@register(SPARK_GBT_REGRESSOR)
class SparkGBTRegressor(_SparkRegressor):
    """Gradient-boosted regression trees."""

    estimator = "GBTRegressor"


@register(SPARK_RF_REGRESSOR)
class SparkRFRegressor(_SparkRegressor):
    """A random forest of regression trees."""

    estimator = "RandomForestRegressor"
