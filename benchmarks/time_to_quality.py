"""Time to quality: tuner against Spark's CrossValidator grids, side by side on one machine, seed by seed.

On the same data, the same folds (tuner's ``fold`` column) and the same Spark cluster shape (one RayDP executor
with 2 cores inside a local Ray):
  grids    CrossValidator(ALS(coldStartStrategy="drop"), ParamGridBuilder rank x regParam, RegressionEvaluator(rmse),
           parallelism=2, foldCol="fold") in tuner's Spark service on its cached folds, once per grid:
             4x4  rank [8, 16, 32, 64] x regParam [0.01, 0.03, 0.1, 0.3]
             3x3  rank [10, 20, 40] x regParam [0.02, 0.06, 0.2]   (the same ranges, as another user would write)
  methods  tuner runs (the real product: tuner.runner.run_experiment) over rank 8..64 log-int x regParam 0.01..0.3
           log-uniform (both grids' range), ASHA over the folds, ``--budget`` x the longest grid's CV time each:
             tpe+serial+biases  tpe+serial with the baseline predictor searched too (biases true/false, biasReg)
             tpe+serial+biases-on  tpe+serial with biases always on, biasReg searched: what the defaults run
                             since 2026-12-08 (search_spaces/als.yaml)
             tpe+serial      multivariate TPE after a random start, one trial at a time: what the defaults ran
                             for ALS from 2026-12-04 (search.sampler auto; an ALS fit uses every executor core)
             tpe             the same TPE, 2 trials at a time (the executor's cores: the default concurrency before)
             qmc             TPE after a scrambled Sobol start, 2 at a time ("auto" in the entries of 12-03/04)
             qmc+serial      qmc, one trial at a time ("auto+serial" in the entries of 12-03)
             random          random search, 2 at a time
             tpe+serial+fractions  tpe+serial, ASHA over fold 0 on 10% and 30% of its rows, then the folds
             gp              Optuna's GPSampler after a Sobol start, one at a time (needs the extra tuner[gp])
             skgp            a scikit-learn Gaussian process + expected improvement after a Sobol start (no torch)
Each tuner run is compared with each grid's own best: it reaches a grid's quality when a trial that ran all folds
(its CV mean is the grid's avgMetrics quantity) has CV RMSE <= that grid's best + 0.002; the ratio is that
time (seconds since the Tune run began; Spark start and data preparation excluded for every method) over the
grid's CV time. A seed that never gets there has ratio null; the median over seeds is the figure.

Results are APPENDED to benchmarks/results/time_to_quality.json, a list of entries, one per (data, grid,
method), each with its commit, date and load average, so the matrix can be completed in parts (``--reuse-grid``
takes the grids of an earlier entry of the same data instead of measuring them again). The PNG
(time_to_quality-<data>.png) shows the latest entry of every method and grid of that data, seed by seed.

    python benchmarks/time_to_quality.py --data synthetic-1M --seeds 0,1,2,3,4
    python benchmarks/time_to_quality.py --data ml-latest-small --seeds 0,1,2,3,4
    python benchmarks/time_to_quality.py --data synthetic-1M --ratings 20000 --seeds 0 --methods tpe+serial --trials 4
"""

from __future__ import annotations

import argparse
import datetime
import glob
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

GRIDS = {"4x4": ([8, 16, 32, 64], [0.01, 0.03, 0.1, 0.3]), "3x3": ([10, 20, 40], [0.02, 0.06, 0.2])}
RANK_RANGE = (8, 64)  # covers every grid
REG_RANGE = (0.01, 0.3)
TOLERANCE = 0.002
TARGET_RATIO = 0.33
FRACTIONS = [0.1, 0.3]
PARALLEL = 2  # trials at a time of the methods without "+serial": the executor's cores (the default before 12-04)
#: Every method names its sampler and its concurrency, so that a later change of the defaults cannot change
#: what an entry of the JSON measured. DEFAULT_METHOD is the one the defaults run for ALS (SearchConfig():
#: sampler auto -> TPE; tuner.runner.resources: one trial at a time; search_spaces/als.yaml: biases on).
DEFAULT_METHOD = "tpe+serial+biases-on"
#: search_spaces/als.yaml's baseline predictor (issue 22, lever 6), added to the benchmark's rank x regParam space
BIASES = {"biases": {"type": "choice", "values": [True, False]},
          "biasReg": {"type": "loguniform", "low": 1.0, "high": 30.0}}
METHODS = {
    "tpe+serial+biases": {"search": {"sampler": "tpe", "max_concurrent_trials": 1}, "scheduler": {"type": "asha"},
                          "params": BIASES},
    "tpe+serial+biases-on": {"search": {"sampler": "tpe", "max_concurrent_trials": 1}, "scheduler": {"type": "asha"},
                             "params": {**BIASES, "biases": True}},
    "tpe+serial": {"search": {"sampler": "tpe", "max_concurrent_trials": 1}, "scheduler": {"type": "asha"}},
    "tpe": {"search": {"sampler": "tpe", "max_concurrent_trials": PARALLEL}, "scheduler": {"type": "asha"}},
    "qmc": {"search": {"sampler": "qmc", "max_concurrent_trials": PARALLEL}, "scheduler": {"type": "asha"}},
    "qmc+serial": {"search": {"sampler": "qmc", "max_concurrent_trials": 1}, "scheduler": {"type": "asha"}},
    "random": {"search": {"sampler": "random", "max_concurrent_trials": PARALLEL}, "scheduler": {"type": "asha"}},
    "tpe+serial+fractions": {"search": {"sampler": "tpe", "max_concurrent_trials": 1},
                      "scheduler": {"type": "asha", "data_fractions": FRACTIONS}},
    "gp": {"search": {"sampler": "gp", "max_concurrent_trials": 1}, "scheduler": {"type": "asha"}},
    "skgp": {"search": {"sampler": "skgp", "max_concurrent_trials": PARALLEL}, "scheduler": {"type": "asha"}},
}
#: names the JSON's entries of 2026-12-03/04 used while ``auto`` meant TPE after a Sobol start (qmc)
RENAMED = {"auto": "qmc", "auto+serial": "qmc+serial"}
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"  # ../shared/data from the repository root
MOVIELENS = Path(os.environ.get("TUNER_MOVIELENS", SHARED / "movielens"))
OUT_NAME = "time_to_quality.json"


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
def data_label(args) -> str:
    """``ml-latest-small``, or ``synthetic-1M`` / ``synthetic-20k`` for the synthetic size actually run."""
    if not args.data.startswith("synthetic"):
        return args.data
    n = args.ratings
    return f"synthetic-{n // 1_000_000}M" if n % 1_000_000 == 0 else f"synthetic-{n // 1000}k"


def data_block(args) -> dict:
    if args.data.startswith("synthetic"):
        return _common.synthetic_block(args.ratings, folds=args.folds)
    path = MOVIELENS / args.data / "ratings.csv"  # read in place, never copied into the project
    if not path.is_file():
        raise SystemExit(f"{path}: not found; set TUNER_MOVIELENS to the folder that holds {args.data}/")
    return {"format": "movielens-csv", "path": str(path), "folds": args.folds}


def base_experiment(args, name: str, out_dir: str) -> dict:
    return {
        "name": name,
        "data": data_block(args),
        "model": {"type": "spark-als", "space": None, "params": {
            "rank": {"type": "logint", "low": RANK_RANGE[0], "high": RANK_RANGE[1]},
            "regParam": {"type": "loguniform", "low": REG_RANGE[0], "high": REG_RANGE[1]},
            "maxIter": args.max_iter}},
        "search": {"num_samples": args.trials, "seed": args.seeds[0]},
        "spark": _common.SPARK,
        "ray": _common.RAY,
        "trial": {"timeout_s": 1800},
        "output": {"dir": out_dir, "plots": False, "export_model": False},
    }


def run_grids(args, names: list[str], out_dir: str) -> dict[str, dict]:
    """Each grid's CrossValidator in one Spark service (started once, data prepared once)."""
    import ray

    from tuner.cluster import kill_service, start_ray, start_service, stop_ray
    from tuner.config import Experiment
    from tuner.models import _tasks

    exp = Experiment.model_validate(base_experiment(args, "ttq-grid", out_dir))
    session = service = None
    out = {}
    try:
        session = start_ray(exp.ray)
        service, info = start_service(exp.name, exp.spark, str(Path(out_dir) / "grid-checkpoints"), session.logs_dir)
        t0 = time.monotonic()
        rows = ray.get(service.call.remote(_tasks.prepare, "spark-als", exp.data))
        prep = time.monotonic() - t0
        log(f"grids: Spark started in {info['seconds']:.0f} s, data prepared in {prep:.0f} s "
            f"({rows['train']:,} training rows in folds {rows['fold_rows']})")
        for name in names:
            ranks, regs = GRIDS[name]
            res = ray.get(service.call.remote(cross_validate, ranks, regs, args.max_iter, args.folds, exp.seed, 2))
            res.update(cv_seconds=res["seconds"] - res["refit_seconds"], rows=rows)
            log(f"grid {name}: best CV RMSE {res['best']['cv_rmse']:.4f} at {res['best']}; CV {res['cv_seconds']:.0f} s")
            out[name] = res
        return out
    finally:
        kill_service(service)
        stop_ray(session)


def reused_grids(args, names: list[str], entries: list[dict]) -> dict[str, dict]:
    """The grids of the latest earlier entries with the same data, folds and maxIter (``--reuse-grid``)."""
    out = {}
    for name in names:
        old = [e for e in entries if e.get("data") == data_label(args) and e.get("grid") == name
               and e.get("folds") == args.folds and e.get("maxIter") == args.max_iter and e.get("grid_best")]
        if not old:
            raise SystemExit(f"--reuse-grid: no earlier entry for {data_label(args)} grid {name} "
                             f"(folds {args.folds}, maxIter {args.max_iter}) in the JSON")
        e = old[-1]
        out[name] = {"cv_seconds": e["grid_cv_seconds"], "best": e["grid_best"], "points": e.get("grid_avg_metrics"),
                     "rows": e.get("rows"), "reused_from": e.get("commit")}
    return out


def run_method(args, method: str, budget_s: float, out_dir: str, seed: int) -> dict:
    """One tuner run of ``method`` through the real runner; its best-so-far curve and overhead."""
    from tuner.config import Experiment
    from tuner.runner import run_experiment

    cfg = base_experiment(args, "ttq-" + method.replace("+", "-"), out_dir)
    for key, block in METHODS[method].items():
        if key == "params":  # searched besides rank and regParam
            cfg["model"]["params"].update(block)
            continue
        cfg[key] = {**cfg.get(key, {}), **block}
    cfg["search"].update(time_budget_s=budget_s, seed=seed)
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
        "phase_seconds": s.get("phase_seconds"),  # the run's fixed-cost split: all but "search"
        "concurrency": s.get("concurrency"),
        "trials": s.get("trials"),
        "stop_reason": s.get("stop_reason"),  # once the runner writes it
        # overhead.py's ratio: Tune wall time over the trials' own work spread over the concurrency (since 1f20a19
        # the budget lets a running trial finish its fold, so no partial step is left out of work_seconds)
        "overhead": round(s["tune_seconds"] / (s["work_seconds"] / s["concurrency"]), 3)
        if s.get("work_seconds") and s.get("tune_seconds") else None,
        "best_cv_rmse": curve[-1][1] if curve else None,
        "best_so_far": [{"seconds": t, "cv_rmse": v} for t, v in curve],
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


def seed_record(run: dict, grid: dict) -> dict:
    """One seed against one grid: its time to the grid's quality and the ratio to the grid's CV time."""
    ttq = time_to(run["best_so_far"], grid["best"]["cv_rmse"] + TOLERANCE)
    return {**{k: run.get(k) for k in ("seed", "status", "best_cv_rmse", "overhead", "tune_seconds", "trials",
                                        "stop_reason", "error")},
            "time_to_quality_s": ttq, "ratio": round(ttq / grid["cv_seconds"], 3) if ttq is not None else None,
            "best_so_far": run["best_so_far"]}


def median_ratio(seeds: list[dict]) -> float | None:
    """The median ratio over seeds; a seed that never got there is slower than all that did (inf), so if the
    median is such a seed the method did not reach the grid's quality in the median: None."""
    mid = _common.median([s["ratio"] if s["ratio"] is not None else math.inf for s in seeds])
    return None if math.isinf(mid) else mid


def entry(args, method: str, grid_name: str, grid: dict, runs: list[dict]) -> dict:
    """The JSON entry of one (data, grid, method)."""
    seeds = [seed_record(r, grid) for r in runs]
    overheads = [s["overhead"] for s in seeds if s.get("overhead")]
    ratio = median_ratio(seeds)
    return {
        "data": data_label(args), "grid": grid_name, "method": method, "default": method == DEFAULT_METHOD,
        "grid_cv_seconds": round(grid["cv_seconds"], 2),
        "seeds": seeds,
        "median_ratio_to_grid_cv": ratio,
        "overhead_median": _common.median(overheads) if overheads else None,
        "target_ratio": TARGET_RATIO, "target_met": bool(ratio is not None and ratio <= TARGET_RATIO),
        "grid_best": grid["best"], "grid_values": dict(zip(("rank", "regParam"), GRIDS[grid_name])),
        "grid_avg_metrics": grid.get("points"), "grid_reused_from": grid.get("reused_from"),
        "quality_threshold": round(grid["best"]["cv_rmse"] + TOLERANCE, 5), "tolerance": TOLERANCE,
        "search": METHODS[method], "search_range": {"rank": RANK_RANGE, "regParam": REG_RANGE},
        "budget_fraction": args.budget, "trials_max": args.trials, "folds": args.folds, "maxIter": args.max_iter,
        "rows": grid.get("rows"),
        "commit": commit(), "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "command": " ".join(["python", "benchmarks/time_to_quality.py", *sys.argv[1:]]),
    }


def commit() -> str | None:
    """HEAD of the checkout the benchmark runs from, ``+dirty`` when it has uncommitted changes."""
    here = Path(__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=here, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ":/",
                                ":(exclude,top)benchmarks/results"],  # its own output does not make it dirty
                               cwd=here, capture_output=True, text=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def read_entries(path: Path) -> list[dict]:
    """The JSON's entries. The one-run dict of before this format becomes entries marked ``legacy``."""
    if not path.is_file():
        return []
    old = json.loads(path.read_text())
    return [current_names(e) for e in old] if isinstance(old, list) else legacy_entries(old)


def current_names(e: dict) -> dict:
    """An entry under today's method names and default: an entry whose search said ``sampler: auto`` ran
    qmc (what auto meant until 2026-12-04) and is renamed by :data:`RENAMED`; ``default`` says whether the
    method is today's :data:`DEFAULT_METHOD`, and ``default_when_measured`` keeps the flag the run wrote."""
    e = dict(e)
    if (e.get("search") or {}).get("search", {}).get("sampler") == "auto" and e["method"] in RENAMED:
        e["method_when_measured"], e["method"] = e["method"], RENAMED[e["method"]]
    e.setdefault("default_when_measured", e.get("default"))
    e["default"] = e["method"] == DEFAULT_METHOD and not e.get("legacy")
    return e


def legacy_entries(old: dict) -> list[dict]:
    """The one-run dict (synthetic ratings, the 4x4 grid, ``methods`` by label) as entries of the list format."""
    n = old["data"].get("synthetic_ratings")
    data = (f"synthetic-{n // 1_000_000}M" if n and n % 1_000_000 == 0 else f"synthetic-{n}" if n
            else old["data"].get("path"))
    g = old["grid"]
    # all three ran 2 trials at a time
    names = {"tuner TPE+ASHA": "tpe", "tuner random+ASHA": "random", "tuner TPE+ASHA+data fractions": "tpe+fractions"}
    out = []
    for label, m in old["methods"].items():
        seeds = [{"seed": r.get("seed"), "ratio": r.get("ratio_to_grid_cv"), "time_to_quality_s":
                  r.get("time_to_quality_s"), "best_cv_rmse": r.get("best_cv_rmse"), "overhead": r.get("overhead"),
                  "tune_seconds": r.get("tune_seconds"), "trials": r.get("trials"),
                  "best_so_far": r.get("best_so_far", [])} for r in m.get("runs", [])]
        out.append({"data": data, "grid": "4x4", "method": names.get(label, label),
                    "default": label == "tuner TPE+ASHA",  # sampler tpe was the default then
                    "grid_cv_seconds": g["cv_seconds"], "seeds": seeds,
                    "median_ratio_to_grid_cv": m.get("median_ratio_to_grid_cv"),
                    "overhead_median": m.get("overhead_median"), "grid_best": g["best"],
                    "grid_avg_metrics": g.get("avg_metrics"), "quality_threshold": old.get("quality_threshold"),
                    "budget_fraction": old.get("tuner_budget_fraction"), "folds": old.get("folds"),
                    "maxIter": old.get("maxIter"), "rows": old.get("rows"), "commit": None, "date": None,
                    "loadavg": old.get("load_average_at_end"), "command": old.get("command"), "legacy": True})
    return out


def append_entries(path: Path, new: list[dict]) -> list[dict]:
    return _common.append_json_entries(path, new, read_entries(path))


def log(msg: str) -> None:
    print(f"[ttq {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="synthetic-1M",
                   help="synthetic-1M | synthetic-5M (synthetic-<N>M) | ml-latest-small (read from $TUNER_MOVIELENS)")
    p.add_argument("--ratings", type=int, help="synthetic ratings; overrides the size in --data (toy runs)")
    p.add_argument("--grids", default=",".join(GRIDS), help="comma-separated subset of: " + ", ".join(GRIDS))
    p.add_argument("--methods", default="tpe+serial,tpe,qmc",
                   help="comma-separated subset of: " + ", ".join(METHODS))
    p.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated search seeds (data and folds stay)")
    p.add_argument("--folds", type=int, default=3)
    p.add_argument("--max-iter", type=int, default=5)
    p.add_argument("--trials", type=int, default=40, help="most trials per run (the time budget ends it first)")
    p.add_argument("--budget", type=float, default=0.45,
                   help="tuner time budget as a fraction of the longest grid's CV time (at least --min-budget-s)")
    p.add_argument("--min-budget-s", type=float, default=30.0)
    p.add_argument("--reuse-grid", action="store_true",
                   help="take the grids from the latest earlier entries of the same data instead of measuring them")
    p.add_argument("--out", type=Path, default=_common.RESULTS)
    p.add_argument("--plot-only", action="store_true", help="draw the PNG of --data from the JSON, run nothing")
    p.add_argument("--until", help="with --plot-only: only entries dated up to this day (YYYY-MM-DD), drawn to "
                                   "time_to_quality-<data>-<day>.png: the side-by-side run of an earlier day")
    args = p.parse_args(argv)
    args.seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    args.grids = [g.strip() for g in args.grids.split(",") if g.strip()]
    args.methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    for kind, given, known in (("grids", args.grids, GRIDS), ("methods", args.methods, METHODS)):
        if set(given) - set(known):
            p.error(f"unknown {kind} {sorted(set(given) - set(known))}; choose from {list(known)}")
    if args.data.startswith("synthetic"):
        size = args.data.removeprefix("synthetic-").removeprefix("synthetic")
        if args.ratings is None:
            if not size.endswith("M") or not size[:-1].isdigit():
                p.error(f"--data {args.data!r}: use synthetic-<N>M, e.g. synthetic-1M, or give --ratings")
            args.ratings = int(size[:-1]) * 1_000_000
    elif args.data != "ml-latest-small":
        p.error(f"--data {args.data!r}: choose synthetic-1M, synthetic-5M or ml-latest-small")
    return args


def main() -> int:
    args = parse_args()
    path = args.out / OUT_NAME
    if args.plot_only:
        entries = read_entries(path)
        name = f"time_to_quality-{data_label(args)}"
        if args.until:
            entries = [e for e in entries if e.get("legacy") or (e.get("date") or "")[:10] <= args.until]
            name += f"-{args.until}"
        plot(entries, data_label(args), args.out / f"{name}.png")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        grids = reused_grids(args, args.grids, read_entries(path)) if args.reuse_grid else \
            run_grids(args, args.grids, tmp)
        budget = max(args.min_budget_s, args.budget * max(g["cv_seconds"] for g in grids.values()))
        for method in args.methods:
            runs = []
            for seed in args.seeds:
                log(f"{method}, seed {seed}: budget {budget:.0f} s")
                try:
                    runs.append(run_method(args, method, budget, tmp, seed))
                except Exception as exc:  # noqa: BLE001 - record the failure, keep the other runs
                    log(f"{method}, seed {seed} failed: {exc!r}")
                    runs.append({"seed": seed, "error": repr(exc)[:500], "best_so_far": [], "best_cv_rmse": None})
                leftover = _common.check_no_leaks()
                if leftover:
                    log(f"warning: processes still alive after {method}: {leftover}")
            new = [entry(args, method, name, grid, runs) for name, grid in grids.items()]
            entries = append_entries(path, new)  # after every method: a cut-off matrix keeps what ran
            for e in new:
                log(f"{e['data']} {e['grid']} {method}: median ratio {e['median_ratio_to_grid_cv']} "
                    f"(seeds {[s['ratio'] for s in e['seeds']]}), overhead {e['overhead_median']}")
            try:
                plot(entries, data_label(args), args.out / f"time_to_quality-{data_label(args)}.png")
            except Exception as exc:  # noqa: BLE001 - the JSON is the record; a plotting bug must not lose it
                log(f"plot failed: {exc!r}")
    return 0


def latest(entries: list[dict], data: str) -> dict[tuple[str, str], dict]:
    """The latest entry per (grid, method) of ``data`` measured against the latest measurement of each grid
    (the same ``grid_cv_seconds``: that run's grid or a ``--reuse-grid`` of it), so one panel compares methods
    that ran side by side, never against a grid timed on another day."""
    mine = [e for e in entries if e.get("data") == data]
    if any(not e.get("legacy") for e in mine):  # an older run's grid took another time: not on the same axis
        mine = [e for e in mine if not e.get("legacy")]
    grid_time = {e["grid"]: e["grid_cv_seconds"] for e in mine}  # the last one of each grid
    return {(e["grid"], e["method"]): e for e in mine if e["grid_cv_seconds"] == grid_time[e["grid"]]}


def plot(entries: list[dict], data: str, path: Path) -> None:
    """One panel per grid: every method's best-so-far curve per seed, time as a ratio of that grid's CV time."""
    plt = _common.pyplot()
    chosen = latest(entries, data)
    grids = sorted({g for g, _ in chosen}, reverse=True)
    fig, axes = plt.subplots(1, len(grids), figsize=(6.5 * len(grids), 4.5), squeeze=False)
    palette = ["tab:blue", "tab:purple", "tab:orange", "tab:green", "tab:red", "tab:brown", "tab:pink", "tab:cyan",
               "tab:olive", "tab:gray"]
    names = [*METHODS, *sorted({m for _, m in chosen} - set(METHODS))]
    colors = dict(zip(names, palette * 2))
    for ax, grid in zip(axes[0], grids):
        ref = None
        for (g, method), e in sorted(chosen.items()):
            if g != grid:
                continue
            ref = e
            name = f"{method}{' (default)' if e['default'] else ''}: median {e['median_ratio_to_grid_cv'] or 'not reached'}"
            for i, s in enumerate(e["seeds"]):
                pts = s.get("best_so_far") or []
                if not pts:
                    continue
                xs = [p["seconds"] / e["grid_cv_seconds"] for p in pts]
                xs.append((s.get("tune_seconds") or pts[-1]["seconds"]) / e["grid_cv_seconds"])
                ys = [p["cv_rmse"] for p in pts] + [pts[-1]["cv_rmse"]]
                ax.step(xs, ys, where="post", color=colors.get(method), alpha=0.6, marker="o", markersize=2,
                        label=name if i == 0 else None)
        if ref is None:
            continue
        ax.axhline(ref["grid_best"]["cv_rmse"], color="black", linewidth=1, label=f"grid {grid} best (at 1.0)")
        ax.axhline(ref["quality_threshold"], color="gray", linestyle="--", linewidth=1, label="grid best + 0.002")
        ax.axvline(TARGET_RATIO, color="red", linestyle=":", linewidth=1, label=f"{TARGET_RATIO}x grid CV time")
        ends = [p["cv_rmse"] for (g, _), e in chosen.items() if g == grid for s in e["seeds"]
                for p in (s.get("best_so_far") or [])[-1:]]
        lo = min([ref["grid_best"]["cv_rmse"], *ends])  # every seed's end stays in view, low or high
        hi = max([ref["grid_best"]["cv_rmse"] + 0.06, *(x + 0.005 for x in ends)])
        ax.set_ylim(lo - 0.005, hi)
        ax.set_xlabel(f"time / grid {grid} CV time ({ref['grid_cv_seconds']:.0f} s)")
        ax.set_ylabel("best CV RMSE so far")
        ax.set_title(f"{data}, grid {grid}")
        ax.legend(fontsize=7)
    _common.save_figure(fig, path)


if __name__ == "__main__":
    sys.exit(main())
