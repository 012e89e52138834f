"""What scoring a classifier fold in one Spark job saves (issue 22, lever 4: per fold, one scoring pass).

On one local Spark (local[2]) and synthetic churn tables, spark-logreg's fold 0 is fitted once (on the cached
features, as a trial does) and its validation rows are scored two ways, alternating so both see the same machine:

  evaluators  what tuner did before: the scored rows persisted, Spark's BinaryClassificationEvaluator for
              areaUnderROC and again for areaUnderPR (a sort each), one aggregation for the rest
  one pass    ``tuner.models._classifier.binary_metrics``: one aggregation over probability bins

and reports the median seconds each way, their ratio, the metric differences, and the fit seconds beside them
(what a trial's fold costs besides scoring). Writes benchmarks/results/fold_scoring.json and fold_scoring.png.

    python benchmarks/fold_scoring.py [--rows 100000 1000000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

PARAMS = {"regParam": 0.01, "elasticNetParam": 0.0, "maxIter": 50, "class_weight": "none"}
_EPS = 1e-15


def evaluators(scored) -> dict:
    """The scoring tuner ran before (kept here as the reference being replaced)."""
    from pyspark import StorageLevel
    from pyspark.ml.evaluation import BinaryClassificationEvaluator
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    scored = scored.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        ev = BinaryClassificationEvaluator(labelCol="_label", rawPredictionCol="rawPrediction")
        auc_roc = ev.setMetricName("areaUnderROC").evaluate(scored)
        auc_pr = ev.setMetricName("areaUnderPR").evaluate(scored)
        p = F.least(F.greatest(vector_to_array("probability")[1], F.lit(_EPS)), F.lit(1 - _EPS))
        y, yhat = F.col("_label"), F.col("prediction")
        row = scored.agg(F.count(F.lit(1)).alias("n"), F.avg(-(y * F.log(p) + (1 - y) * F.log(1 - p))).alias("ll"),
                         F.avg((y == yhat).cast("double")).alias("acc")).first()
        return {"auc_roc": auc_roc, "auc_pr": auc_pr, "log_loss": row["ll"], "accuracy": row["acc"],
                "rows": row["n"]}
    finally:
        scored.unpersist()


def measure(spark, rows: int, repeats: int) -> dict:
    from pyspark.ml import PipelineModel

    from tuner.cluster.service import ServiceContext
    from tuner.config.schema import DataConfig
    from tuner.models import get_adapter
    from tuner.models._classifier import binary_metrics

    adapter = get_adapter("spark-logreg")
    ctx = ServiceContext(spark=spark)
    adapter.prepare(ctx, DataConfig(format="synthetic-churn", synthetic_churn={"rows": rows, "partitions": 4},
                                    folds=3))
    stages = adapter._trial_pipeline(ctx, PARAMS, 0).getStages()
    train, valid = adapter._fold_features(ctx, 0, stages[:-1])
    fits, old, new, diffs = [], [], [], []
    for _ in range(repeats):
        t = time.monotonic()
        model = PipelineModel(stages=[stages[-1].fit(train)])
        fits.append(time.monotonic() - t)
        cols = ("_label", "rawPrediction", "probability", "prediction")
        t = time.monotonic()
        a = evaluators(model.transform(valid).select(*cols))
        old.append(time.monotonic() - t)
        t = time.monotonic()
        b = binary_metrics(model.transform(valid).select(*cols), "_label")
        new.append(time.monotonic() - t)
        diffs.append({k: abs(float(a[k]) - float(b[k])) for k in a})
    o, n, f = statistics.median(old), statistics.median(new), statistics.median(fits)
    return {"family": "spark-logreg", "rows": rows, "validation_rows": int(b["rows"]), "repeats": repeats,
            "evaluators_s": [round(x, 3) for x in old], "one_pass_s": [round(x, 3) for x in new],
            "fit_s": [round(x, 3) for x in fits], "evaluators_median_s": round(o, 3),
            "one_pass_median_s": round(n, 3), "fit_median_s": round(f, 3),
            "ratio_one_pass_over_evaluators": round(n / o, 3),
            "fold_ratio_fit_plus_score": round((f + n) / (f + o), 3),
            "max_metric_difference": {k: max(d[k] for d in diffs) for k in diffs[0]}}


def plot(entries: list[dict], path: Path) -> None:
    labels = [f"{e['rows']:,} rows\n(score)" for e in entries] + [f"{e['rows']:,} rows\n(fit + score)" for e in entries]
    values = [e["ratio_one_pass_over_evaluators"] for e in entries] + [e["fold_ratio_fit_plus_score"] for e in entries]
    _common.ratio_bars(labels, values, ["tab:blue"] * len(entries) + ["tab:green"] * len(entries),
                       "one pass / evaluators (median)", "spark-logreg fold 0: scoring in one Spark job", path)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    from tuner.cluster.local_spark import local_spark_session, stop_local_spark

    spark = local_spark_session(cores=2, driver_memory="3g", app_name="fold-scoring")
    try:
        entries = [measure(spark, rows, args.repeats) for rows in args.rows]
    finally:
        stop_local_spark(spark)
    out = {"benchmark": "fold_scoring", **_common.provenance(), "spark": "local[2]", "entries": entries}
    _common.write_json(out, _common.RESULTS / "fold_scoring.json")
    plot(entries, _common.RESULTS / "fold_scoring.png")
    for e in entries:
        print(f"spark-logreg {e['rows']:>9,} rows: score {e['evaluators_median_s']:.2f} s -> {e['one_pass_median_s']:.2f} s "
              f"({e['ratio_one_pass_over_evaluators']:.2f}x), fit {e['fit_median_s']:.2f} s, fit + score "
              f"{e['fold_ratio_fit_plus_score']:.2f}x; metrics differ by <= "
              + ", ".join(f"{k} {v:.1e}" for k, v in e["max_metric_difference"].items()))
    return 1 if _common.check_no_leaks() else 0


if __name__ == "__main__":
    raise SystemExit(main())
