"""What a ranking fold costs next to an RMSE fold: ALS fold 0 fitted and scored for the same configurations, side
by side in one Spark service on the same prepared folds.

  rmse              fit + RMSE/MAE (what a trial tuned on rmse pays per fold)
  ranking           fit + RMSE/MAE + ndcg/map/precision/recall@10 on the sampled users (tuner.models.als_ranking:
                    one pass, top-k in numpy on the service's driver), what a trial tuned on ndcg@10 pays
  evaluator         (``--evaluator``, first configuration only) the same metrics as before: Spark's top-k
                    (recommendForUserSubset) and one RankingEvaluator job per metric, the reference

Each configuration runs rmse then ranking, ``--repeats`` times (a fresh fit each time, so the two differ only
by the ranking work and the machine's noise). A fold's sample of users (their seen and held-out items, the items'
counts) is collected once per fold and reused by every later trial there (``ranking_metrics``' cache): the first
ranking repeat of each configuration starts with an empty cache (``ranking_first``: what a run's first trial pays
on a fold), the others find it (``ranking``: every later trial). The ratio of a run is the mean ranking fold of a
``--trials``-trial run (one first, the rest reused) over the RMSE fold, per configuration, then the median.
Writes ``benchmarks/results/ranking.json`` (one entry per data set, appended) and ``ranking.png``.

    python benchmarks/ranking.py --data synthetic-1M
    python benchmarks/ranking.py --data ml-latest-small      # read from ../shared/data/movielens (repo root)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402

OUT = _common.RESULTS / "ranking.json"
SHARED = Path(os.environ.get("TUNER_SHARED_DATA", _common.HERE.parent.parent / "shared" / "data"))
# explicit as experiments/quickstart.yaml tuned on ndcg@10, implicit as experiments/als_implicit.yaml
CONFIGS = [
    {"rank": 10, "regParam": 0.05, "maxIter": 8},
    {"rank": 48, "regParam": 0.1, "maxIter": 8},
    {"rank": 16, "regParam": 0.05, "alpha": 1.0, "implicitPrefs": True, "maxIter": 8},
    {"rank": 64, "regParam": 0.5, "alpha": 10.0, "implicitPrefs": True, "maxIter": 8},
]


# ---- runs inside the Spark service (pickled by value: this file is __main__) --------------------------------
def timed_fold(ctx, params: dict, plan, seed: int, fresh: bool = False) -> dict:
    """Fold 0 with the ranking plan ``plan`` (None: RMSE only), as a trial runs it; ``fresh``: as the first
    trial on the fold (no sample collected yet)."""
    from tuner.models import _tasks

    if fresh:
        ctx.state.pop("ranking_samples", None)
    ctx.state["ranking"] = plan
    res = _tasks.fit_fold(ctx, "spark-als", params, 0, seed)
    return {k: res[k] for k in ("fit_seconds", "score_seconds", "rmse") if k in res} | \
        {k: v for k, v in res.items() if k.startswith(("ndcg@", "ranking_users"))}


def evaluator_fold(ctx, params: dict, plan, seed: int) -> dict:
    """Fold 0 scored the way tuner did before the one-pass code: Spark top-k and RankingEvaluator jobs."""
    from pyspark.sql import functions as F

    from tuner.models.als_ranking import ranking_scores, sample_users
    from tuner.models.als_topk import model_top_k, seen_counts
    from tuner.models.registry import get_adapter

    adapter = get_adapter("spark-als")
    train, valid = adapter.fold_frames(ctx, 0)
    t0 = time.monotonic()
    model = adapter.fit(ctx, train, params, seed)
    t1 = time.monotonic()
    out = adapter.score(ctx, model, valid)
    users = sample_users(valid, train, plan.users, plan.seed).cache()
    rows = valid.join(users, "user")
    if not params.get("implicitPrefs"):
        rows = rows.where(F.col("rating") >= plan.relevant_rating)
    labels = rows.groupBy("user").agg(F.array_sort(F.collect_set(F.col("item").cast("double"))).alias("label"))
    top = model_top_k(model, train, seen_counts(train, labels), max(plan.fold_ks))
    frame = labels.join(top.select("user", F.col("items").cast("array<double>").alias("prediction")), "user",
                        "left_outer")
    frame = frame.withColumn("prediction", F.coalesce("prediction", F.array().cast("array<double>")))
    out.update(ranking_scores(frame, plan.fold_ks))
    users.unpersist()
    adapter.release(model)
    return {"fit_seconds": t1 - t0, "score_seconds": time.monotonic() - t1, "rmse": out["rmse"],
            "ndcg@10": out["ndcg@10"]}


# ---- driver ------------------------------------------------------------------------------------------------
def data_block(name: str) -> dict:
    if name.startswith("synthetic"):
        return _common.synthetic_block(1_000_000 * int(name.removeprefix("synthetic-").removesuffix("M")))
    path = SHARED / "movielens" / name / "ratings.csv"  # read in place, never copied into the project
    if not path.is_file():
        raise SystemExit(f"{path}: not found; set TUNER_SHARED_DATA to the folder that holds movielens/{name}/")
    return {"format": "movielens-csv", "path": str(path), "folds": 3}


def measure(args) -> dict:
    import ray

    from tuner.cluster import kill_service, start_ray, start_service, stop_ray
    from tuner.config import Experiment
    from tuner.config.ranking import ranking_plan
    from tuner.models import _tasks

    with tempfile.TemporaryDirectory() as out_dir:
        exp = Experiment.model_validate({
            "name": "ranking-bench", "data": data_block(args.data),
            "model": {"type": "spark-als", "space": None, "params": {"rank": 10}},
            "search": {"metric": "ndcg@10", "mode": "max", "ranking_users": args.users},
            "spark": _common.SPARK, "ray": _common.RAY, "output": {"dir": out_dir, "plots": False}})
        plan = ranking_plan(exp)
        session = service = None
        try:
            session = start_ray(exp.ray)
            service, info = start_service(exp.name, exp.spark, str(Path(out_dir) / "ckpt"), session.logs_dir)
            rows = ray.get(service.call.remote(_tasks.prepare, "spark-als", exp.data, plan))
            print(f"Spark started in {info['seconds']:.0f} s; {rows['train']:,} training rows, folds "
                  f"{rows['fold_rows']}", file=sys.stderr)
            ray.get(service.call.remote(timed_fold, CONFIGS[0], plan, 0))  # JVM, caches and numpy warm
            points = []
            for cfg in CONFIGS[:args.configs]:
                runs = {"rmse": [], "ranking_first": [], "ranking": []}
                for r in range(args.repeats):
                    runs["rmse"].append(ray.get(service.call.remote(timed_fold, cfg, None, r)))
                    runs["ranking" if r else "ranking_first"].append(
                        ray.get(service.call.remote(timed_fold, cfg, plan, r, fresh=r == 0)))
                point = {"params": cfg, **{n: _summary(v) for n, v in runs.items()}}
                if args.evaluator and not points:
                    point["evaluator"] = _summary([ray.get(service.call.remote(evaluator_fold, cfg, plan, 0))])
                rmse, first, reused = (point[k]["seconds"] for k in ("rmse", "ranking_first", "ranking"))
                point["ratio_first"] = round(first / rmse, 3)
                point["ratio_reused"] = round(reused / rmse, 3)
                point["ratio"] = round((first + (args.trials - 1) * reused) / args.trials / rmse, 3)
                print(json.dumps(point), file=sys.stderr)
                points.append(point)
        finally:
            kill_service(service)
            stop_ray(session)
    return {"rows": rows, "ranking_users": args.users, "points": points}


def _summary(runs: list[dict]) -> dict:
    """Median seconds of fit + score over repeats, the ranking part, and the metrics of the first run."""
    total = [r["fit_seconds"] + r["score_seconds"] for r in runs]
    return {"seconds": _common.median(total), "fit_seconds": _common.median([r["fit_seconds"] for r in runs]),
            "score_seconds": _common.median([r["score_seconds"] for r in runs]), "runs": [round(t, 3) for t in total],
            **{k: v for k, v in runs[0].items() if not k.endswith("seconds")}}


def plot(entries: list[dict], path: Path) -> None:
    plt = _common.pyplot()
    latest = {}
    for e in entries:
        latest[e["data"]] = e
    fig, axes = plt.subplots(1, len(latest), figsize=(6 * len(latest), 4.2), squeeze=False)
    for ax, (data, e) in zip(axes[0], sorted(latest.items())):
        labels = [f"r{p['params']['rank']}{' imp' if p['params'].get('implicitPrefs') else ''}" for p in e["points"]]
        x = range(len(labels))
        ax.bar([i - 0.2 for i in x], [p["rmse"]["seconds"] for p in e["points"]], 0.4, label="RMSE fold")
        ax.bar([i + 0.2 for i in x], [p["ranking"]["seconds"] for p in e["points"]], 0.4,
               label="ranking fold (ndcg@10, one pass, fold's sample reused)")
        for i, p in enumerate(e["points"]):
            if "ranking_first" in p:
                ax.plot([i + 0.05, i + 0.35], [p["ranking_first"]["seconds"]] * 2, color="black", lw=1,
                        label="the fold's first ranking trial" if i == 0 else None)
            ax.annotate(f"{p['ratio']:.2f}x", (i + 0.2, p["ranking"]["seconds"]), ha="center", va="bottom", fontsize=8)
            if "evaluator" in p:
                ax.bar(i + 0.6, p["evaluator"]["seconds"], 0.4, color="grey", label="ranking fold before "
                       "(RankingEvaluator)")
        over = f" over a {e['trials']}-trial run" if "trials" in e else ""
        ax.set_title(f"{data}: fold 0, ranking / RMSE median {e['median_ratio']:.2f}x{over}\n(load average "
                     f"{e['loadavg'][0]:.1f} at the end)", fontsize=9)
        ax.set(xticks=list(x), xticklabels=labels, ylabel="seconds (fit + score)")
        ax.legend(fontsize=8)
    _common.save_figure(fig, path)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="synthetic-1M", help="synthetic-<N>M or a MovieLens folder (ml-latest-small)")
    p.add_argument("--users", type=int, default=10_000, help="search.ranking_users (the default)")
    p.add_argument("--repeats", type=int, default=3, help="per configuration; the first without a cached sample")
    p.add_argument("--trials", type=int, default=10, help="the run a fold's ratio is averaged over (quickstart: 10)")
    p.add_argument("--configs", type=int, default=len(CONFIGS), help="the first N configurations only")
    p.add_argument("--evaluator", action=argparse.BooleanOptionalAction, default=True,
                   help="also time the RankingEvaluator path once (the first configuration)")
    args = p.parse_args()
    if args.repeats < 2:
        p.error("--repeats must be at least 2: the first ranking fold of a configuration collects the sample")
    t0 = time.monotonic()
    res = measure(args)
    ratios = [pt["ratio"] for pt in res["points"]]
    entry = {"data": args.data, **_common.provenance(), "seconds": round(time.monotonic() - t0, 1),
             "trials": args.trials, "median_ratio": _common.median(ratios), "max_ratio": max(ratios),
             "median_ratio_first": _common.median([pt["ratio_first"] for pt in res["points"]]),
             "median_ratio_reused": _common.median([pt["ratio_reused"] for pt in res["points"]]),
             "note": "ratios are side by side in one run; loadavg says how busy the machine was", **res}
    entries = _common.append_json_entries(OUT, [entry], json.loads(OUT.read_text()) if OUT.is_file() else [])
    plot(entries, OUT.with_suffix(".png"))
    print(f"{args.data}: ranking fold / RMSE fold median {entry['median_ratio']}x, max {entry['max_ratio']}x",
          file=sys.stderr)
    left = _common.check_no_leaks()
    if left:
        print(f"leaked processes: {left}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
