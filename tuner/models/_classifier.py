"""What the table families share: the class_weight rule, Spark metrics of the multiclass and regression tasks,
the label facts of a model card, row accounting for summary.json."""

from __future__ import annotations

import math

from tuner.config.families import ParamRule
from tuner.config.tasks import task as get_task

#: class_weight is tuner's own: 'balanced' weights rows by n / (classes * rows of their class)
CLASS_WEIGHT = ParamRule("str", choices=("balanced", "none"))


def class_weights(train, label: str, weight: str):
    """``train`` with a ``weight`` column: n / (k * rows of the row's class), k classes (sklearn's 'balanced')."""
    from pyspark.sql import functions as F

    counts = {float(r[label]): int(r["count"]) for r in train.groupBy(label).count().collect()}
    n, k = sum(counts.values()), max(len(counts), 1)
    w = F.lit(1.0)
    for cls, rows in counts.items():
        w = F.when(F.col(label) == cls, n / (k * rows)).otherwise(w)
    return train.withColumn(weight, w)


def macro_f1(confusion: dict[tuple[float, float], int]) -> tuple[float, float]:
    """(macro F1, accuracy) from ``{(label, prediction): rows}``; classes are those in labels or predictions
    (as scikit-learn's ``f1_score(average="macro")``), a class with no true or predicted row scores 0."""
    classes = sorted({c for pair in confusion for c in pair})
    n = sum(confusion.values())
    f1s = []
    for c in classes:
        tp = confusion.get((c, c), 0)
        fp = sum(v for (y, p), v in confusion.items() if p == c and y != c)
        fn = sum(v for (y, p), v in confusion.items() if y == c and p != c)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    correct = sum(v for (y, p), v in confusion.items() if y == p)
    return (sum(f1s) / len(f1s) if f1s else 0.0), (correct / n if n else math.nan)


#: probabilities are clipped to [EPS, 1 - EPS] for the log loss (as Spark's and scikit-learn's evaluators do)
EPS = 1e-15
#: the binary metrics group scores into this many equal-width probability bins: AUCs of a sort of at most this
#: many bins, whatever the table's size (Spark's evaluator down-samples its curves to 1,000 points)
SCORE_BINS = 100_000


def binary_metrics(scored, label: str) -> dict:
    """auc_roc, auc_pr, log_loss, accuracy, f1 and rows of a scored frame, in one Spark job.

    One aggregation groups the rows by their probability of the positive class (``SCORE_BINS`` bins) with the
    counts, log-loss sums and confusion counts each bin holds; the driver gets at most ``SCORE_BINS`` rows,
    never the table, and computes both AUCs from them exactly as Spark's ``BinaryClassificationMetrics`` does
    from its sorted scores (trapezoids; PR starts at recall 0 with the first point's precision; rows of one bin
    are tied). Spark's evaluator took one sort per AUC plus a pass for the rest, three jobs in all, and 2-3x the
    time of this one (docs/benchmarks.md, section 11).

    Args:
        scored: a transformed frame with ``label`` (0/1), ``probability`` and ``prediction``.
    """
    import numpy as np
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    p = F.least(F.greatest(vector_to_array("probability")[1], F.lit(EPS)), F.lit(1 - EPS))
    y, yhat = F.col(label), F.col("prediction")
    bins = (scored.groupBy(F.floor(p * SCORE_BINS).alias("bin")).agg(
        F.count(F.lit(1)).alias("n"), F.sum(y).alias("pos"),
        F.sum(-(y * F.log(p) + (1 - y) * F.log(1 - p))).alias("loss"),
        F.sum((y == yhat).cast("long")).alias("correct"),
        F.sum(((y == 1) & (yhat == 1)).cast("long")).alias("tp"),
        F.sum(((y == 0) & (yhat == 1)).cast("long")).alias("fp"),
        F.sum(((y == 1) & (yhat == 0)).cast("long")).alias("fn")).collect())
    bins.sort(key=lambda r: -r["bin"])  # most confident first, as Spark's curves
    col = {k: np.array([r[k] for r in bins], dtype=float) for k in ("n", "pos", "loss", "correct", "tp", "fp", "fn")}
    rows = int(col["n"].sum())
    if not rows:
        return {"auc_roc": math.nan, "auc_pr": math.nan, "log_loss": math.nan, "accuracy": math.nan, "f1": 0.0,
                "rows": 0}
    tp = np.concatenate([[0.0], np.cumsum(col["pos"])])
    fp = np.concatenate([[0.0], np.cumsum(col["n"] - col["pos"])])
    tpr = tp / tp[-1] if tp[-1] else np.zeros_like(tp)
    fpr = fp / fp[-1] if fp[-1] else np.zeros_like(fp)
    precision = tp[1:] / (tp[1:] + fp[1:])
    recall = np.concatenate([[0.0], tpr[1:]])
    t, f, m = (float(col[k].sum()) for k in ("tp", "fp", "fn"))
    return {"auc_roc": float(np.trapezoid(tpr, fpr)),
            "auc_pr": float(np.trapezoid(np.concatenate([precision[:1], precision]), recall)),
            "log_loss": float(col["loss"].sum()) / rows, "accuracy": float(col["correct"].sum()) / rows,
            "f1": 2 * t / (2 * t + f + m) if t else 0.0, "rows": rows}


def multiclass_metrics(scored, label: str) -> dict:
    """f1_macro, accuracy, log_loss and rows of a frame with ``label`` (class index), ``prediction`` and
    ``probability``, in one Spark job: the confusion counts with each cell's log-loss sum (Spark's
    ``MulticlassClassificationEvaluator`` took a second pass for the log loss)."""
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    p_true = F.element_at(vector_to_array("probability"), F.col(label).cast("int") + 1)
    cells = scored.groupBy(label, "prediction").agg(
        F.count(F.lit(1)).alias("n"), F.sum(-F.log(F.greatest(p_true, F.lit(EPS)))).alias("loss")).collect()
    confusion = {(float(r[label]), float(r["prediction"])): int(r["n"]) for r in cells}
    f1, accuracy = macro_f1(confusion)
    rows = sum(confusion.values())
    return {"f1_macro": f1, "accuracy": accuracy,
            "log_loss": sum(float(r["loss"]) for r in cells) / rows if rows else math.nan, "rows": rows}


def regression_metrics(scored, label: str, prediction: str = "prediction") -> dict:
    """rmse, mae, r2 and rows in one Spark aggregation."""
    from pyspark.sql import functions as F

    err = F.col(prediction) - F.col(label)
    row = scored.agg(F.count(F.lit(1)).alias("n"), F.sum(err * err).alias("sse"), F.sum(F.abs(err)).alias("sae"),
                     (F.var_pop(label) * F.count(F.lit(1))).alias("sst")).first()
    n, sst = int(row["n"]), row["sst"]
    sse = float(row["sse"] or 0.0)
    return {"rmse": math.sqrt(sse / n) if n else math.nan, "mae": float(row["sae"] or 0.0) / n if n else math.nan,
            "r2": 1.0 - sse / sst if sst else math.nan, "rows": n}


def label_card(facts: dict, task: str, serve: str) -> dict:
    """The model card's task keys: what serving dispatches on (``task``, ``serve``: ``spark`` or ``skops``), the
    label and its classes, and what ``tuner predict`` writes."""
    out = {"task": task, "serve": serve, "label": facts.get("label"), "output": get_task(task).predicts}
    if task == "binary":
        out["positive_label"] = facts.get("positive_label")
    if facts.get("classes") is not None:
        out["classes"] = facts["classes"]
    return out


def table_rows(prepared, train_folds: dict[int, int], test_rows: int, folds: int) -> dict:
    """summary.json ``rows`` for a labelled table (same keys as for ratings, plus the table's facts).

    Args:
        prepared: the PreparedTable.
        train_folds: training rows per fold.
        test_rows: held-out rows.
        folds: number of folds.
    """
    return {
        **prepared.counts.as_dict(),
        "train": sum(train_folds.values()),
        "test": test_rows,
        "fold_rows": [train_folds.get(k, 0) for k in range(folds)],
        **prepared.facts,
    }
