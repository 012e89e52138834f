"""What caching a fold's features saves a Spark classifier trial (issue 22, lever 4: no work twice in a trial).

On one local Spark (local[2]) and synthetic churn tables, for spark-logreg and spark-trees (RandomForest) fold 0,
the same trial configurations are fitted and scored two ways, alternating so both see the same machine:

  whole     the whole pipeline per trial (imputer, indexer, encoder, assembler, scaler, estimator), as before
  cached    ``fit_fold``: the fold's feature stages fitted and applied once (not timed: paid by the first
            trial of a fold), then the estimator alone per trial

and reports the median seconds of a trial's fold (fit + score) each way, their ratio, and that the metrics agree.
Writes benchmarks/results/fold_features.json and fold_features.png.

    python benchmarks/fold_features.py [--rows 20000 200000] [--trials 4]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

CONFIGS = {
    "spark-logreg": [{"regParam": r, "elasticNetParam": e, "maxIter": 50, "class_weight": w}
                     for r, e, w in ((0.01, 0.0, "none"), (0.001, 0.5, "balanced"), (0.1, 1.0, "none"),
                                     (0.0001, 0.2, "balanced"))],
    "spark-trees": [{"estimator": "RandomForestClassifier", "class_weight": w, "RandomForestClassifier.numTrees": n,
                     "RandomForestClassifier.maxDepth": d} for n, d, w in ((20, 5, "none"), (40, 8, "balanced"),
                                                                            (20, 10, "none"), (60, 6, "none"))],
}


def measure(spark, family: str, rows: int, trials: int) -> dict:
    from tuner.cluster.service import ServiceContext
    from tuner.config.schema import DataConfig
    from tuner.models import get_adapter

    adapter = get_adapter(family)
    ctx = ServiceContext(spark=spark)
    adapter.prepare(ctx, DataConfig(format="synthetic-churn", synthetic_churn={"rows": rows, "partitions": 4},
                                    folds=3))
    t = time.monotonic()
    adapter.fit_fold(ctx, CONFIGS[family][0], 0, 0)  # fits and caches fold 0's features (the first trial's cost)
    first = time.monotonic() - t
    whole, cached, diffs = [], [], []
    for params in CONFIGS[family][:trials]:
        train, valid = adapter.fold_frames(ctx, 0)
        t = time.monotonic()
        a = adapter.timed_fit_score(ctx, train, valid, params, 0)
        whole.append(time.monotonic() - t)
        t = time.monotonic()
        b = adapter.fit_fold(ctx, params, 0, 0)
        cached.append(time.monotonic() - t)
        diffs.append(max(abs(a[m] - b[m]) for m in adapter.metric_names(ctx)))
    w, c = statistics.median(whole), statistics.median(cached)
    return {"family": family, "rows": rows, "trials": len(whole), "whole_s": [round(x, 2) for x in whole],
            "cached_s": [round(x, 2) for x in cached], "whole_median_s": round(w, 2), "cached_median_s": round(c, 2),
            "ratio_cached_over_whole": round(c / w, 3), "first_trial_with_feature_fit_s": round(first, 2),
            "max_metric_difference": max(diffs)}


def plot(entries: list[dict], path: Path) -> None:
    _common.ratio_bars([f"{e['family']}\n{e['rows']:,} rows" for e in entries],
                       [e["ratio_cached_over_whole"] for e in entries], "tab:blue",
                       "trial fold seconds, cached / whole pipeline", "features fitted once per fold (median)", path)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, nargs="+", default=[20_000, 200_000])
    p.add_argument("--trials", type=int, default=4)
    args = p.parse_args()
    from tuner.cluster.local_spark import local_spark_session, stop_local_spark

    spark = local_spark_session(cores=2, driver_memory="3g", app_name="fold-features")
    try:
        entries = [measure(spark, family, rows, args.trials) for rows in args.rows for family in CONFIGS]
    finally:
        stop_local_spark(spark)
    out = {"benchmark": "fold_features", **_common.provenance(), "spark": "local[2]", "entries": entries}
    _common.write_json(out, _common.RESULTS / "fold_features.json")
    plot(entries, _common.RESULTS / "fold_features.png")
    for e in entries:
        print(f"{e['family']:13s} {e['rows']:>8,} rows: whole {e['whole_median_s']:.2f} s, cached "
              f"{e['cached_median_s']:.2f} s per trial fold ({e['ratio_cached_over_whole']:.2f}x); metrics differ by "
              f"<= {e['max_metric_difference']:.1e}")
    return 1 if _common.check_no_leaks() else 0


if __name__ == "__main__":
    raise SystemExit(main())
