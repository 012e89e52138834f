"""Time to quality: tuner against Spark's CrossValidator grid, side by side in one run on one machine.

Methods, run one after another on the same data, the same folds (tuner's ``fold`` column) and the same Spark
cluster shape (one RayDP executor with 2 cores inside a local Ray):
  grid                            CrossValidator(ALS(coldStartStrategy="drop"), ParamGridBuilder rank x regParam,
                                  RegressionEvaluator(rmse), parallelism=2, foldCol="fold"), run in tuner's
                                  Spark service on its cached folds
  tuner TPE+ASHA                  TPE, ASHA over the 3 folds
  tuner random+ASHA               random search, ASHA over the 3 folds
  tuner TPE+ASHA+data fractions   TPE, ASHA over fold 0 on 10% and 30% of its rows, then the 3 folds

Every tuner variant searches the grid's ranges (rank 8..64 log-int, regParam 0.01..0.3 log-uniform, same fixed
maxIter) with a time budget of ``--budget`` x the grid's CV time. A trial counts once it has all folds (its CV
mean is the same quantity as the grid's avgMetrics); the curve is the best CV RMSE so far against seconds since
the Tune run began (Spark start and data preparation excluded for every method).

Target: tuner reaches the grid's best CV RMSE + 0.002 in <= 0.33x the grid's CV time.
Writes benchmarks/results/time_to_quality.json and time_to_quality.png.

    python benchmarks/time_to_quality.py                       # 1M synthetic ratings
    python benchmarks/time_to_quality.py --ratings 50000 --budget 0.3
    python benchmarks/time_to_quality.py --path ~/data/ml-1m/ratings.dat
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

RANKS = [8, 16, 32, 64]
REG_PARAMS = [0.01, 0.03, 0.1, 0.3]
TOLERANCE = 0.002
TARGET_RATIO = 0.33
FRACTIONS = [0.1, 0.3]
VARIANTS = {
    "tuner TPE+ASHA": {"search": {"sampler": "tpe"}, "scheduler": {"type": "asha"}},
    "tuner random+ASHA": {"search": {"sampler": "random"}, "scheduler": {"type": "asha"}},
    "tuner TPE+ASHA+data fractions": {"search": {"sampler": "tpe"},
                                      "scheduler": {"type": "asha", "data_fractions": FRACTIONS}},
}


# ---- runs inside the Spark service (pickled by value: this file is __main__) --------------------------------
def cross_validate(ctx, ranks, reg_params, max_iter: int, folds: int, seed: int, parallelism: int) -> dict:
    """Spark's own CrossValidator over the cached, fold-labelled training rows tuner prepared."""
    from pyspark.ml.evaluation import RegressionEvaluator
    from pyspark.ml.recommendation import ALS
    from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

    train = ctx.state["data"]["train"]
    blocks = ctx.spark.sparkContext.defaultParallelism  # as tuner's adapter, so both fit the same ALS
    als = ALS(userCol="user", itemCol="item", ratingCol="rating", coldStartStrategy="drop", seed=seed,
              maxIter=max_iter, numUserBlocks=blocks, numItemBlocks=blocks)
    grid = ParamGridBuilder().addGrid(als.rank, ranks).addGrid(als.regParam, reg_params).build()
    cv = CrossValidator(estimator=als, estimatorParamMaps=grid, numFolds=folds, foldCol="fold", seed=seed,
                        evaluator=RegressionEvaluator(metricName="rmse", labelCol="rating"), parallelism=parallelism)
    t0 = time.monotonic()
    model = cv.fit(train)
    seconds = time.monotonic() - t0
    points = [{"rank": pm[als.rank], "regParam": pm[als.regParam], "cv_rmse": m}
              for pm, m in zip(grid, model.avgMetrics)]
    best = min(points, key=lambda p: p["cv_rmse"])
    # CrossValidator.fit ends with a refit of the best map on all rows; time one such fit to take it out.
    t1 = time.monotonic()
    refit = als.copy({als.rank: best["rank"], als.regParam: best["regParam"]}).fit(train)
    refit.userFactors.count()
    refit_seconds = time.monotonic() - t1
    return {"seconds": seconds, "refit_seconds": refit_seconds, "points": points, "best": best}


# ---- driver ------------------------------------------------------------------------------------------------
def base_experiment(args, name: str, out_dir: str) -> dict:
    if args.path:
        data = {"format": args.format, "path": args.path, "folds": args.folds}
    else:
        data = _common.synthetic_block(args.ratings, folds=args.folds)
    return {
        "name": name,
        "data": data,
        "model": {"type": "spark-als", "params": {
            "rank": {"type": "logint", "low": min(RANKS), "high": max(RANKS)},
            "regParam": {"type": "loguniform", "low": min(REG_PARAMS), "high": max(REG_PARAMS)},
            "maxIter": args.max_iter}},
        "search": {"num_samples": args.trials, "seed": args.seeds[0]},
        "spark": _common.SPARK,
        "ray": _common.RAY,
        "trial": {"timeout_s": 1800},
        "output": {"dir": out_dir, "plots": False, "export_model": False},
    }


def run_grid(args, out_dir: str) -> dict:
    import ray

    from tuner.cluster import kill_service, start_ray, start_service, stop_ray
    from tuner.config import Experiment
    from tuner.models import _tasks

    exp = Experiment.model_validate(base_experiment(args, "ttq-grid", out_dir))
    session = service = None
    try:
        session = start_ray(exp.ray)
        service, info = start_service(exp.name, exp.spark, str(Path(out_dir) / "grid-checkpoints"), session.logs_dir)
        t0 = time.monotonic()
        rows = ray.get(service.call.remote(_tasks.prepare, "spark-als", exp.data))
        prep = time.monotonic() - t0
        log(f"grid: Spark started in {info['seconds']:.0f} s, data prepared in {prep:.0f} s "
            f"({rows['train']:,} training rows in folds {rows['fold_rows']}); {len(RANKS) * len(REG_PARAMS)} maps x "
            f"{args.folds} folds, parallelism 2")
        res = ray.get(service.call.remote(cross_validate, RANKS, REG_PARAMS, args.max_iter, args.folds, exp.seed, 2))
        res.update(spark_start_seconds=round(info["seconds"], 2), prepare_seconds=round(prep, 2), rows=rows)
        return res
    finally:
        kill_service(service)
        stop_ray(session)


def load_grid(path: Path) -> tuple[dict, dict]:
    """The grid result and methods of an earlier run's JSON, in the form :func:`run_grid` returns."""
    old = json.loads(path.read_text())
    for label, m in old["methods"].items():  # a JSON from before --seeds holds one run per method
        if "runs" not in m:
            old["methods"][label] = summarize([{**m, "seed": 0}], old["grid"]["cv_seconds"])
    g = old["grid"]
    grid = {"seconds": g["crossvalidator_fit_seconds"], "refit_seconds": g["refit_seconds"], "points": g["avg_metrics"],
            "best": g["best"], "spark_start_seconds": g["spark_start_seconds"], "prepare_seconds": g["prepare_seconds"],
            "rows": old["rows"], "reused_from": old.get("command")}
    return grid, old["methods"]


def run_variant(args, label: str, budget_s: float, out_dir: str, seed: int) -> dict:
    from tuner.config import Experiment
    from tuner.runner import run_experiment

    cfg = base_experiment(args, "ttq-" + label.replace("tuner ", "").replace("+", "-").replace(" ", "-"), out_dir)
    for key, block in VARIANTS[label].items():
        cfg[key] = {**cfg.get(key, {}), **block}
    cfg["search"]["time_budget_s"] = budget_s
    cfg["search"]["seed"] = seed
    marks = {}

    def echo(*a):
        text = " ".join(str(x) for x in a)
        if text.startswith("[tuner] data:"):  # printed just before the Tune run starts
            marks["tune_start"] = time.time()
        print(text, file=sys.stderr)

    outcome = run_experiment(Experiment.model_validate(cfg), echo=echo)
    s = outcome.summary
    trials = completions(outcome.run_dir / "tune", args.folds, marks.get("tune_start"))
    curve = best_so_far([(t["completed_at_s"], t["cv_rmse"]) for t in trials if t["cv_rmse"] is not None])
    return {
        "seed": seed,
        "status": s["status"],
        "tune_seconds": s.get("tune_seconds"),
        "time_budget_s": round(budget_s, 1),
        "spark_start_seconds": s.get("spark_start_seconds"),
        "trials": s.get("trials"),
        "work_seconds": s.get("work_seconds"),
        "concurrency": s.get("concurrency"),
        # overhead.py's ratio; here the budget cuts running trials, whose last partial step is not in work_seconds
        "overhead": round(s["tune_seconds"] / (s["work_seconds"] / s["concurrency"]), 3)
        if s.get("work_seconds") and s.get("tune_seconds") else None,
        "best_cv_rmse": curve[-1][1] if curve else None,
        "best_so_far": [{"seconds": t, "cv_rmse": v} for t, v in curve],
        "trial_log": trials,
    }


def completions(tune_dir: Path, folds: int, tune_start: float | None) -> list[dict]:
    """Every trial from Tune's result.json files: params, steps run, and (if it ran all folds) its CV RMSE and
    when it finished, in seconds since ``tune_start``. Tune's timestamps are whole seconds: +1 s is added, so
    the error is never in tuner's favour."""
    out = []
    for path in glob.glob(str(tune_dir / "*" / "result.json")):
        lines = [json.loads(x) for x in Path(path).read_text().splitlines() if x.strip()]
        if not lines:
            continue
        last = lines[-1]
        full = [r for r in lines if r.get("folds_done", 0) >= folds]
        done = full[0] if full else None
        start = tune_start if tune_start is not None else min(r["timestamp"] - r["time_total_s"] for r in lines)
        out.append({
            "trial_id": last.get("trial_id"),
            "rank": last["config"].get("rank"),
            "regParam": last["config"].get("regParam"),
            "steps": len(lines),
            "cv_rmse": done["rmse"] if done else None,
            "completed_at_s": round(done["timestamp"] + 1 - start, 1) if done else None,
            "work_seconds": round(last.get("work_seconds", 0.0), 2),
        })
    return sorted(out, key=lambda t: (t["completed_at_s"] is None, t["completed_at_s"] or 0))


def best_so_far(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The points where the best value so far improves, in time order."""
    curve, best = [], math.inf
    for t, v in sorted(points):
        if v < best:
            best = v
            curve.append((t, v))
    return curve


def time_to(curve: list[dict], threshold: float) -> float | None:
    return next((p["seconds"] for p in curve if p["cv_rmse"] <= threshold), None)


def summarize(runs: list[dict], grid_cv: float | None) -> dict:
    """One method over its search seeds: the median time to quality (a seed that never got there counts as
    slower than every seed that did; if that is the median, the method did not get there) and its ratio."""
    times = sorted(r["time_to_quality_s"] if r.get("time_to_quality_s") is not None else math.inf for r in runs)
    mid = _common.median(times)
    med = None if math.isinf(mid) else round(mid, 1)
    ratio = round(med / grid_cv, 3) if med is not None and grid_cv else None
    return {
        "runs": runs,
        "seeds": [r["seed"] for r in runs],
        "reached": f"{sum(r.get('time_to_quality_s') is not None for r in runs)}/{len(runs)}",
        "median_time_to_quality_s": med,
        "median_ratio_to_grid_cv": ratio,
        "target_met": bool(ratio is not None and ratio <= TARGET_RATIO),
        "best_cv_rmse": min((r["best_cv_rmse"] for r in runs if r.get("best_cv_rmse") is not None), default=None),
        "overhead_median": _common.median([r["overhead"] for r in runs if r.get("overhead")]) if any(
            r.get("overhead") for r in runs) else None,
    }


def log(msg: str) -> None:
    print(f"[ttq {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ratings", type=int, default=1_000_000, help="synthetic ratings (ignored with --path)")
    p.add_argument("--path", help="a ratings file or folder instead of synthetic data (MovieLens, CSV, Parquet)")
    p.add_argument("--format", default="auto", help="data.format for --path (default: auto)")
    p.add_argument("--folds", type=int, default=3)
    p.add_argument("--max-iter", type=int, default=10)
    p.add_argument("--trials", type=int, default=40, help="most trials per tuner variant (the budget ends it first)")
    p.add_argument("--budget", type=float, default=0.5, help="tuner time budget as a fraction of the grid's CV time")
    p.add_argument("--seeds", default="0", help="comma-separated search seeds; each variant runs once per seed "
                   "and the median time to quality counts (data and folds stay the same)")
    p.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated subset of: " + ", ".join(VARIANTS))
    p.add_argument("--grid-from", type=Path, help="reuse the grid (and methods) of an earlier time_to_quality.json "
                   "with the same data instead of measuring it again; the listed variants are run and merged in")
    p.add_argument("--out", type=Path, default=_common.RESULTS)
    args = p.parse_args()
    args.seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    labels = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = set(labels) - set(VARIANTS)
    if unknown:
        p.error(f"unknown variants {sorted(unknown)}; choose from {list(VARIANTS)}")

    started = time.time()
    methods: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        if args.grid_from:
            grid, methods = load_grid(args.grid_from)
            for label in labels:
                methods.pop(label, None)
            log(f"grid and {sorted(methods)} taken from {args.grid_from}")
        else:
            grid = run_grid(args, tmp)
        grid_cv = grid["seconds"] - grid["refit_seconds"]
        threshold = grid["best"]["cv_rmse"] + TOLERANCE
        log(f"grid: best CV RMSE {grid['best']['cv_rmse']:.4f} at {grid['best']}; CrossValidator.fit "
            f"{grid['seconds']:.0f} s, of which one refit ~{grid['refit_seconds']:.0f} s")
        budget = max(30.0, args.budget * grid_cv)
        result = report(args, grid, methods, started)  # written after every method: a cut-off run keeps the rest
        for label in labels:
            runs = []
            for seed in args.seeds:
                log(f"{label}, seed {seed}: budget {budget:.0f} s")
                try:
                    m = run_variant(args, label, budget, tmp, seed)
                except Exception as exc:  # noqa: BLE001 - record the failure, keep the other runs
                    log(f"{label}, seed {seed} failed: {exc!r}")
                    m = {"seed": seed, "error": repr(exc)[:500], "best_so_far": [], "best_cv_rmse": None,
                         "trials": None, "tune_seconds": None}
                ttq = time_to(m["best_so_far"], threshold)
                m.update(time_to_quality_s=ttq, ratio_to_grid_cv=round(ttq / grid_cv, 3) if ttq else None)
                log(f"{label}, seed {seed}: best {m['best_cv_rmse']}, reached {threshold:.4f} at "
                    f"{'%.0f s' % ttq if ttq else 'never within the budget'}")
                runs.append(m)
                methods[label] = summarize(runs, grid_cv)
                result = report(args, grid, methods, started)
                leftover = _common.check_no_leaks()
                if leftover:
                    log(f"warning: processes still alive after {label}: {leftover}")
        result = report(args, grid, methods, started)

    print(json.dumps({k: result[k] for k in ("grid", "quality_threshold")} | {
        "methods": {k: {x: v[x] for x in ("best_cv_rmse", "reached", "median_time_to_quality_s",
                                           "median_ratio_to_grid_cv", "target_met")} for k, v in methods.items()}},
        indent=2))
    return 0


def report(args, grid: dict, methods: dict, started: float) -> dict:
    """Assemble the result, write the JSON and the PNG; returns the result."""
    grid_cv = grid["seconds"] - grid["refit_seconds"]
    result = {
        "data": {"path": args.path, "format": args.format} if args.path else {"synthetic_ratings": args.ratings},
        "rows": grid["rows"],
        "folds": args.folds,
        "maxIter": args.max_iter,
        "grid": {
            "ranks": RANKS, "regParams": REG_PARAMS, "parallelism": 2,
            "crossvalidator_fit_seconds": round(grid["seconds"], 2),
            "refit_seconds": round(grid["refit_seconds"], 2),
            "cv_seconds": round(grid_cv, 2),
            "best": grid["best"],
            "avg_metrics": grid["points"],
            "spark_start_seconds": grid["spark_start_seconds"],
            "prepare_seconds": grid["prepare_seconds"],
            "reused_from_earlier_run": grid.get("reused_from"),
        },
        "tolerance": TOLERANCE,
        "quality_threshold": round(grid["best"]["cv_rmse"] + TOLERANCE, 5),
        "target_ratio": TARGET_RATIO,
        "tuner_budget_fraction": args.budget,
        "search_seeds": args.seeds,
        "data_fractions": FRACTIONS,
        "methods": methods,
        "wall_seconds": round(time.time() - started, 1),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "command": " ".join(["python", "benchmarks/time_to_quality.py", *sys.argv[1:]]),
    }
    if grid.get("reused_from"):
        result["grid_command"] = grid["reused_from"]
    _common.write_json(result, args.out / "time_to_quality.json")
    try:
        plot(result, args.out / "time_to_quality.png")
    except Exception as exc:  # noqa: BLE001 - the JSON is the record; a plotting bug must not lose it
        log(f"plot failed: {exc!r}")
    return result


def plot(r: dict, path: Path) -> None:
    plt = _common.pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    g = r["grid"]
    horizon = g["crossvalidator_fit_seconds"]
    colors = {"tuner TPE+ASHA": "tab:blue", "tuner random+ASHA": "tab:orange",
              "tuner TPE+ASHA+data fractions": "tab:green"}
    for label, m in r["methods"].items():
        shown = False
        for run in m["runs"]:
            pts = run["best_so_far"]
            if not pts:
                continue
            xs = [p["seconds"] for p in pts] + [run["tune_seconds"] or pts[-1]["seconds"]]
            ys = [p["cv_rmse"] for p in pts] + [pts[-1]["cv_rmse"]]
            name = f"{label} (median of {len(m['runs'])} seeds: {m['median_ratio_to_grid_cv'] or 'not reached'})"
            ax.step(xs, ys, where="post", color=colors.get(label), label=None if shown else name, marker="o",
                    markersize=3, alpha=0.8 if len(m["runs"]) == 1 else 0.5)
            shown = True
    ax.scatter([g["cv_seconds"]], [g["best"]["cv_rmse"]], color="black", marker="s", zorder=5,
               label=f"CrossValidator grid ({len(g['avg_metrics'])} maps; CV part)")
    ax.scatter([horizon], [g["best"]["cv_rmse"]], color="black", marker="x", zorder=5, label="grid incl. final refit")
    ax.axhline(r["quality_threshold"], color="gray", linestyle="--", linewidth=1, label="grid best + 0.002")
    ax.axvline(r["target_ratio"] * g["cv_seconds"], color="red", linestyle=":", linewidth=1,
               label=f"{r['target_ratio']}x grid CV time")
    ys = [p["cv_rmse"] for m in r["methods"].values() for run in m["runs"] for p in run["best_so_far"]]
    ys.append(g["best"]["cv_rmse"])
    lo = min(ys)
    ax.set_ylim(lo - 0.005, min(max(ys), lo + 0.08) + 0.005)
    ax.set_xlabel("seconds since the search began (Spark start and data preparation excluded)")
    ax.set_ylabel("best CV RMSE so far")
    ax.set_title(f"Time to quality, ALS, {r['rows']['train']:,} training rows, {r['folds']} folds, 2 cores")
    ax.legend(fontsize=8)
    _common.save_figure(fig, path)


if __name__ == "__main__":
    sys.exit(main())
