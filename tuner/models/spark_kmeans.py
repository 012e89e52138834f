"""Spark MLlib KMeans (``spark-kmeans``, task clustering) on the spark-logreg features (imputed, one-hot, scaled).

The objective is the silhouette of the held-out rows (Spark's ``ClusteringEvaluator``, squared Euclidean distance
on the scaled features, whatever ``distanceMeasure`` the fit used, so every configuration is judged alike). With a
reference column (``data.label``), the held-out rows' adjusted Rand index against it is reported beside the
silhouette, never tuned on and never a feature.
"""

from __future__ import annotations

from tuner.config.families import POS_FLOAT, POS_INT, ModelType, ParamRule
from tuner.models.registry import register
from tuner.models.spark_logreg import LABEL, SparkLogReg, feature_stages

SPARK_KMEANS = ModelType(
    name="spark-kmeans", task="clustering", default_space="spark_kmeans",
    params={"k": ParamRule("int", min=2), "initMode": ParamRule("str", choices=("k-means||", "random")),
            "initSteps": POS_INT, "maxIter": POS_INT, "tol": POS_FLOAT,
            "distanceMeasure": ParamRule("str", choices=("euclidean", "cosine"))},
)


def adjusted_rand(pairs: dict[tuple[float, int], int]) -> float:
    """The adjusted Rand index (Hubert and Arabie) from the contingency counts ``{(reference, cluster): rows}``,
    as scikit-learn's ``adjusted_rand_score``; 1.0 when both partitions are one group each."""
    def comb2(n: int) -> float:
        return n * (n - 1) / 2

    n = sum(pairs.values())
    rows: dict[float, int] = {}
    cols: dict[int, int] = {}
    for (a, b), v in pairs.items():
        rows[a] = rows.get(a, 0) + v
        cols[b] = cols.get(b, 0) + v
    index = sum(comb2(v) for v in pairs.values())
    sum_a, sum_b = sum(comb2(v) for v in rows.values()), sum(comb2(v) for v in cols.values())
    expected = sum_a * sum_b / comb2(n) if n > 1 else 0.0
    top = (sum_a + sum_b) / 2
    if top == expected:  # one cluster and one class (or n < 2): identical partitions
        return 1.0
    return (index - expected) / (top - expected)


def clustering_metrics(scored, features: str = "_features") -> dict:
    """silhouette (ClusteringEvaluator, squared Euclidean), rows, and adjusted_rand when the frame's ``_label``
    (the reference class index) is set on some rows.

    Raises:
        ValueError: every row fell into one cluster (the silhouette is undefined); the trial fails with it.
    """
    from pyspark.ml.evaluation import ClusteringEvaluator

    counts = scored.groupBy(LABEL, "prediction").count().collect()
    if len({r["prediction"] for r in counts}) < 2:
        raise ValueError("every held-out row fell into one cluster, so the silhouette is undefined")
    silhouette = ClusteringEvaluator(featuresCol=features, predictionCol="prediction",
                                     distanceMeasure="squaredEuclidean").evaluate(scored)
    out = {"silhouette": float(silhouette), "rows": sum(int(r["count"]) for r in counts)}
    pairs = {(float(r[LABEL]), int(r["prediction"])): int(r["count"]) for r in counts if r[LABEL] is not None}
    if pairs:
        out["adjusted_rand"] = adjusted_rand(pairs)
    return out


@register(SPARK_KMEANS)
class SparkKMeans(SparkLogReg):
    """KMeans at the end of the spark-logreg feature stages; ``tuner predict`` writes ``cluster``."""

    def pipeline(self, numeric, categorical, params, weighted, seed, ctx=None):
        from pyspark.ml import Pipeline
        from pyspark.ml.clustering import KMeans

        est = KMeans(featuresCol="_features", predictionCol="prediction", seed=seed, **params)
        return Pipeline(stages=[*feature_stages(numeric, categorical), est])

    def score(self, ctx, model, frame):
        from pyspark import StorageLevel

        scored = model.transform(frame).select(LABEL, "_features", "prediction").persist(StorageLevel.MEMORY_AND_DISK)
        try:
            return clustering_metrics(scored)
        finally:
            scored.unpersist()

    def predict(self, ctx, model, frame) -> list:
        return [int(r["prediction"]) for r in model.transform(frame).select("prediction").collect()]

    def fitted_params(self, model) -> dict:
        est = model.stages[-1]
        return {k: est.getOrDefault(k) for k in self.spec.params if est.hasParam(k)}
