"""The table classifiers' fold metrics in one Spark job (tuner/models/_classifier.py) give the numbers of
scikit-learn's metrics and of Spark's own evaluators (exact curves, numBins=0)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, log_loss, roc_auc_score

from tuner.models._classifier import SCORE_BINS, binary_metrics, multiclass_metrics

pytestmark = pytest.mark.spark


def _frame(spark, y, probs):
    from pyspark.ml.linalg import Vectors

    rows = [(float(t), Vectors.dense(p), float(np.argmax(p))) for t, p in zip(y, probs)]
    return spark.createDataFrame(rows, ["_label", "probability", "prediction"])


def test_binary_metrics_equal_sklearn_and_spark_exact_curves(spark):
    from pyspark.ml.evaluation import BinaryClassificationEvaluator

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 3000)
    # scores on a grid coarser than the bins (ties are real ties for every implementation), leaning to the label
    p = np.clip(np.round(0.5 + 0.25 * (y - 0.5) + rng.normal(0, 0.2, len(y)), 3), 0.0005, 0.9995)
    p = (np.floor(p * 1000) + 0.5) / 1000
    frame = _frame(spark, y, np.c_[1 - p, p])
    got = binary_metrics(frame, "_label")
    yhat = (p > 0.5).astype(int)
    assert got["rows"] == len(y)
    assert got["auc_roc"] == pytest.approx(roc_auc_score(y, p), abs=1e-9)
    assert got["log_loss"] == pytest.approx(log_loss(y, p), abs=1e-9)
    assert got["accuracy"] == pytest.approx(accuracy_score(y, yhat), abs=1e-12)
    assert got["f1"] == pytest.approx(f1_score(y, yhat), abs=1e-12)
    raw = spark.createDataFrame([(float(t), float(s)) for t, s in zip(y, p)], ["_label", "score"])
    ev = BinaryClassificationEvaluator(labelCol="_label", rawPredictionCol="score", numBins=0)
    assert got["auc_pr"] == pytest.approx(ev.setMetricName("areaUnderPR").evaluate(raw), abs=1e-9)
    assert got["auc_roc"] == pytest.approx(ev.setMetricName("areaUnderROC").evaluate(raw), abs=1e-9)


def test_binary_metrics_on_continuous_scores_are_within_the_bins_of_the_exact_ones(spark):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 5000)
    p = 1 / (1 + np.exp(-(1.5 * (y - 0.5) + rng.normal(0, 1, len(y)))))
    got = binary_metrics(_frame(spark, y, np.c_[1 - p, p]), "_label")
    assert abs(got["auc_roc"] - roc_auc_score(y, p)) < 1e-4  # only scores within 1/SCORE_BINS of each other tie
    assert got["log_loss"] == pytest.approx(log_loss(y, p), abs=1e-9)
    assert SCORE_BINS >= 10_000


def test_multiclass_metrics_equal_sklearn(spark):
    rng = np.random.default_rng(2)
    y = rng.integers(0, 4, 2000)
    logits = rng.normal(0, 1, (len(y), 4))
    logits[np.arange(len(y)), y] += 1.0
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    probs[0] = [1.0, 0.0, 0.0, 0.0]  # a zero probability of the true class: clipped, as scikit-learn does
    y[0] = 3
    got = multiclass_metrics(_frame(spark, y, probs), "_label")
    yhat = probs.argmax(1)
    assert got["rows"] == len(y)
    assert got["f1_macro"] == pytest.approx(f1_score(y, yhat, average="macro"), abs=1e-12)
    assert got["accuracy"] == pytest.approx(accuracy_score(y, yhat), abs=1e-12)
    assert got["log_loss"] == pytest.approx(log_loss(y, np.clip(probs, 1e-15, 1)), rel=1e-9)
