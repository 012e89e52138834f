"""Does spark-als's baseline predictor (``biases: true``) pay in test RMSE on real ratings? (issue 22, lever 6)

On one local Spark (local[2]) and tuner's own split of MovieLens ml-latest-small (80/20, seed 0), the same ALS
configurations are fitted on all training rows with and without ``biases`` (through the adapter, as a run does)
and scored on the test set; also the baseline predictor alone (global mean + biases, no factors). Writes
benchmarks/results/als_biases.json and als_biases.png.

    python benchmarks/als_biases.py [--configs "10,0.1,10 10,0.2,10 32,0.15,15 ..."] [--bias-reg 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"  # ../shared/data from the repository root
MOVIELENS = Path(os.environ.get("TUNER_MOVIELENS", SHARED / "movielens"))
CONFIGS = "10,0.1,10 10,0.2,10 32,0.15,15 16,0.3,15 64,0.3,15 32,0.5,15 8,0.05,10"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--configs", default=CONFIGS, help="rank,regParam,maxIter triples, space-separated")
    p.add_argument("--bias-reg", type=float, default=5.0)
    args = p.parse_args()
    from pyspark.sql import functions as F

    from tuner.cluster.local_spark import local_spark_session, stop_local_spark
    from tuner.cluster.service import ServiceContext
    from tuner.config.schema import DataConfig
    from tuner.models import get_adapter
    from tuner.models.spark_als import baseline

    spark = local_spark_session(cores=2, driver_memory="3g", app_name="als-biases")
    points = []
    try:
        adapter, ctx = get_adapter("spark-als"), ServiceContext(spark=spark)
        path = MOVIELENS / "ml-latest-small" / "ratings.csv"
        rows = adapter.prepare(ctx, DataConfig(path=str(path), test_fraction=0.2, folds=3))
        train, test = adapter.full_frames(ctx)
        mu, users, items = baseline(train, args.bias_reg)
        alone = test.join(users, "user").join(items, "item").withColumn("prediction", mu + F.col("bu") + F.col("bi"))
        err = F.col("prediction") - F.col("rating")
        baseline_rmse = float(alone.agg(F.sqrt(F.avg(err * err))).first()[0])
        print(f"baseline predictor alone (biasReg {args.bias_reg:g}): test RMSE {baseline_rmse:.4f}")
        for triple in args.configs.split():
            rank, reg, iters = triple.split(",")
            params = {"rank": int(rank), "regParam": float(reg), "maxIter": int(iters)}
            point = {"params": params}
            for name, extra in (("plain", {}), ("biases", {"biases": True, "biasReg": args.bias_reg})):
                t0 = time.monotonic()
                model = adapter.fit(ctx, train, {**params, **extra}, 0)
                point[name] = {"test_rmse": round(adapter.score(ctx, model, test)["rmse"], 4),
                               "seconds": round(time.monotonic() - t0, 1)}
                adapter.release(model)
            points.append(point)
            print(f"rank {rank} regParam {reg} maxIter {iters}: plain {point['plain']['test_rmse']:.4f}, "
                  f"biases {point['biases']['test_rmse']:.4f}", flush=True)
    finally:
        stop_local_spark(spark)
    out = {"benchmark": "als_biases", **_common.provenance(), "data": "ml-latest-small", "split": "80/20 seed 0",
           "train_rows": rows["train"], "test_rows": rows["test"], "bias_reg": args.bias_reg,
           "baseline_alone_test_rmse": round(baseline_rmse, 4), "points": points}
    _common.write_json(out, _common.RESULTS / "als_biases.json")
    plt = _common.pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    labels = [f"{q['params']['rank']}/{q['params']['regParam']:g}/{q['params']['maxIter']}" for q in points]
    ax.plot(labels, [q["plain"]["test_rmse"] for q in points], "o-", label="ALS")
    ax.plot(labels, [q["biases"]["test_rmse"] for q in points], "o-", label="ALS + biases")
    ax.axhline(baseline_rmse, ls="--", c="grey", lw=1, label="biases alone")
    ax.set(xlabel="rank / regParam / maxIter", ylabel="test RMSE", title="ml-latest-small, tuner's 80/20 split")
    ax.legend()
    _common.save_figure(fig, _common.RESULTS / "als_biases.png")
    return 1 if _common.check_no_leaks() else 0


if __name__ == "__main__":
    raise SystemExit(main())
