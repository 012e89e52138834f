"""RayDP cost: one ALS fit inside tuner's Spark service against the same fit in plain local Spark.

Both sides get the same data (synthetic ratings, same seed, prepared by the same adapter code), the same params
(including the ALS block counts, which otherwise follow each cluster's default parallelism), 2 task slots
(RayDP: 1 executor x 2 cores; local: local[2]), and the same repeats. The two sides alternate, fit by fit, so
load from other users of the machine hits both alike; one warm-up fit per side is not counted.

ratio = median RayDP fit seconds / median local fit seconds (target <= 1.2). Writes
benchmarks/results/raydp_vs_local.json and raydp_vs_local.png.

    python benchmarks/raydp_vs_local.py                   # 1M synthetic ratings, 3 repeats
    python benchmarks/raydp_vs_local.py --ratings 50000 --repeats 2
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

TARGET = 1.2


# ---- runs inside the Spark service, or in this process against local Spark ----------------------------------
def fit_once(ctx, params: dict, seed: int) -> dict:
    """Fit ALS on all training folds (fold 0 held out) and score fold 0, with tuner's adapter."""
    from tuner.models.registry import get_adapter

    res = get_adapter("spark-als").fit_fold(ctx, params, 0, seed)
    return {k: res[k] for k in ("fit_seconds", "score_seconds", "rmse")}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ratings", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--rank", type=int, default=16)
    p.add_argument("--max-iter", type=int, default=10)
    p.add_argument("--out", type=Path, default=_common.RESULTS)
    args = p.parse_args()
    params = {"rank": args.rank, "regParam": 0.05, "maxIter": args.max_iter, "numUserBlocks": 4, "numItemBlocks": 4}

    import ray

    from tuner.cluster import ServiceContext, kill_service, start_ray, start_service, stop_ray
    from tuner.cluster.local_spark import local_spark_session, stop_local_spark
    from tuner.config import Experiment
    from tuner.models import _tasks
    from tuner.models.registry import get_adapter

    exp = Experiment.model_validate({
        "name": "raydp-vs-local", "data": _common.synthetic_block(args.ratings),
        "model": {"type": "spark-als"}, "spark": _common.SPARK, "ray": _common.RAY,
    })
    runs = {"raydp": [], "local": []}
    session = service = local = None
    with tempfile.TemporaryDirectory() as tmp:
        try:
            session = start_ray(exp.ray)
            service, info = start_service(exp.name, exp.spark, f"{tmp}/ckpt-raydp", session.logs_dir)
            rows = ray.get(service.call.remote(_tasks.prepare, "spark-als", exp.data))
            # local[2] in this process: driver heap = RayDP's executor heap (both hold the cached data).
            local = local_spark_session(cores=2, driver_memory=exp.spark.executor_memory, app_name="raydp-vs-local")
            local.sparkContext.setLogLevel("ERROR")
            os.makedirs(f"{tmp}/ckpt-local", exist_ok=True)
            local.sparkContext.setCheckpointDir(f"{tmp}/ckpt-local")
            ctx = ServiceContext(spark=local, checkpoint_dir=f"{tmp}/ckpt-local")
            local_rows = get_adapter("spark-als").prepare(ctx, exp.data)
            assert local_rows["fold_rows"] == rows["fold_rows"], (local_rows["fold_rows"], rows["fold_rows"])
            for i in range(args.repeats + 1):
                r = ray.get(service.call.remote(fit_once, params, exp.seed, group="bench"))
                loc = fit_once(ctx, params, exp.seed)
                tag = "warm-up" if i == 0 else f"repeat {i}"
                print(f"[raydp_vs_local] {tag}: RayDP fit {r['fit_seconds']:.1f} s, local {loc['fit_seconds']:.1f} s",
                      file=sys.stderr, flush=True)
                if i:
                    runs["raydp"].append(r)
                    runs["local"].append(loc)
        finally:
            kill_service(service)
            stop_ray(session)
            if local is not None:
                stop_local_spark(local)

    med = {side: {k: _common.median([r[k] for r in rs]) for k in ("fit_seconds", "score_seconds")}
           for side, rs in runs.items()}
    result = {
        "ratings": args.ratings,
        "rows": {k: rows[k] for k in ("train", "fold_rows", "users", "items")},
        "params": params,
        "repeats": args.repeats,
        "raydp": {"fit_seconds": [round(r["fit_seconds"], 2) for r in runs["raydp"]],
                  "score_seconds": [round(r["score_seconds"], 2) for r in runs["raydp"]],
                  "rmse": runs["raydp"][0]["rmse"], "median": med["raydp"],
                  "spark_start_seconds": round(info["seconds"], 2)},
        "local": {"fit_seconds": [round(r["fit_seconds"], 2) for r in runs["local"]],
                  "score_seconds": [round(r["score_seconds"], 2) for r in runs["local"]],
                  "rmse": runs["local"][0]["rmse"], "median": med["local"]},
        "ratio_fit": round(med["raydp"]["fit_seconds"] / med["local"]["fit_seconds"], 3),
        "ratio_fit_plus_score": round(
            (med["raydp"]["fit_seconds"] + med["raydp"]["score_seconds"])
            / (med["local"]["fit_seconds"] + med["local"]["score_seconds"]), 3),
        "target": TARGET,
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "command": " ".join(["python", "benchmarks/raydp_vs_local.py", *sys.argv[1:]]),
    }
    result["target_met"] = result["ratio_fit"] <= TARGET
    _common.write_json(result, args.out / "raydp_vs_local.json")
    plot(result, args.out / "raydp_vs_local.png")
    left = _common.check_no_leaks()  # stop_local_spark ended the local gateway JVM too
    if left:
        print(f"[raydp_vs_local] warning: still alive: {left}", file=sys.stderr)
    print(_common.json.dumps({k: result[k] for k in ("raydp", "local", "ratio_fit", "ratio_fit_plus_score",
                                                     "target_met")}, indent=2))
    return 0


def plot(r: dict, path: Path) -> None:
    plt = _common.pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for i, side in enumerate(("local", "raydp")):
        ys = r[side]["fit_seconds"]
        ax.scatter([i] * len(ys), ys, color="tab:gray", s=18, zorder=3)
        ax.bar(i, r[side]["median"]["fit_seconds"], color="tab:blue" if side == "raydp" else "tab:orange", alpha=0.7)
    ax.set_xticks([0, 1], ["plain local[2] Spark", "tuner service (RayDP, 1x2 cores)"])
    ax.set_ylabel("ALS fit seconds (bar: median)")
    ax.set_title(f"RayDP / local fit time: {r['ratio_fit']:.2f}x (target <= {r['target']})")
    _common.save_figure(fig, path)


if __name__ == "__main__":
    sys.exit(main())
