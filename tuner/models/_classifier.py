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


def multiclass_metrics(scored, label: str) -> dict:
    """f1_macro, accuracy (one Spark job: the confusion counts), log_loss (MulticlassClassificationEvaluator)
    and rows of a frame with ``label``, ``prediction`` and ``probability``."""
    from pyspark.ml.evaluation import MulticlassClassificationEvaluator

    confusion = {(float(r[0]), float(r[1])): int(r[2]) for r in scored.groupBy(label, "prediction").count().collect()}
    f1, accuracy = macro_f1(confusion)
    log_loss = MulticlassClassificationEvaluator(labelCol=label, metricName="logLoss").evaluate(scored)
    return {"f1_macro": f1, "accuracy": accuracy, "log_loss": float(log_loss), "rows": sum(confusion.values())}


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
