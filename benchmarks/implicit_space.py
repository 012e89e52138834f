"""Where implicit ALS is good on real data, and how many users a fold's ranking needs to choose as all users do.

On fold 0 of a MovieLens folder (tuner's own preparation: cleaning, test split, folds), fits configurations of a
scrambled Sobol sample over wide ranges (rank, regParam, alpha, the confidence transform), scores each on
ndcg@10 with every held-out user and with seeded samples of fewer users (the same fitted model), and reports:

  best              the best configurations and their ndcg@10 / the most-popular items' on the same users
  bounds            per parameter, where the best quarter of the configurations lies in the sampled range
  users             per sample size, Spearman's rho of the configurations' ndcg@10 with all users' (median over
                    sample seeds) and how often the sample picks all users' best configuration

Writes ``benchmarks/results/implicit_space.json`` (appended per run) and ``implicit_space.png``.

    python benchmarks/implicit_space.py --data ml-latest-small --configs 32

``--grid FILE`` fits given configurations instead of the Sobol sample (one JSON object per line: ALS params,
``maxIter`` defaulting to ``--max-iter``; or ``{"ease": lambda}`` for the EASE reference below), scores each with
all users only, and appends to ``implicit_space_grid.json``. With ``--follow`` it keeps reading lines appended
to FILE until a line ``"stop"`` (one Spark start for an interactive study).

EASE (Steck 2019), the reference of what a strong simple model reaches on the same fold: item-item weights
B = I - P / diag(P), P = (X'X + lambda I)^-1 on the fold's binary training matrix X, computed through the
users' side (Woodbury: X P = (lambda I + X X')^-1 X, a users x users solve), scored by the same
:func:`ranking_metrics` (training items excluded, the same users) as the ALS configurations.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402
import ranking  # noqa: E402

OUT = _common.RESULTS / "implicit_space.json"
RANGES = {"rank": (8, 256), "regParam": (0.01, 100.0), "alpha": (0.1, 100.0)}
CONFIDENCE = ("raw", "log", "threshold")


# ---- runs inside the Spark service (pickled by value) -------------------------------------------------------
def _frames(ctx, split: str):
    """Fold 0's (training, validation) frames; ``split="test"``: all training rows and the test set (a reference
    only: what the run's final test would say, never a basis for choosing)."""
    from tuner.models.registry import get_adapter

    adapter = get_adapter("spark-als")
    return adapter.full_frames(ctx) if split == "test" else adapter.fold_frames(ctx, 0)


def score_config(ctx, params: dict, sizes: list[int], seeds: list[int], ks=(10,), split: str = "fold0") -> dict:
    """Fit fold 0 once; ndcg@10 of the model and of the popular items with all users and with samples."""
    from tuner.models.als_ranking import ranking_metrics
    from tuner.models.registry import get_adapter

    adapter = get_adapter("spark-als")
    train, valid = _frames(ctx, split)
    t0 = time.monotonic()
    model = adapter.fit(ctx, train, params, 0)
    model.userFactors.count()
    fit_s = time.monotonic() - t0
    out = {"fit_seconds": round(fit_s, 2)}
    try:
        with PerUser() as per_user:
            full = ranking_metrics(model, train, valid, ks, implicit=True, ranking_users=10_000, seed=0)
        out["all"] = {"ndcg@10": full["ndcg@10"], "popular_ndcg@10": full["popular_ndcg@10"],
                      "users": full["ranking_users_evaluated"], **per_user.spread()}
        out["samples"] = {str(n): [ranking_metrics(model, train, valid, ks, implicit=True, ranking_users=n,
                                                   seed=s, baseline=False)["ndcg@10"] for s in seeds]
                          for n in sizes}
    finally:
        adapter.release(model)
    return out


def score_ease(ctx, lam: float, ks=(10,), split: str = "fold0") -> dict:
    """EASE with L2 ``lam`` fitted on fold 0's training rows (binary), scored like :func:`score_config`."""
    import numpy as np

    from tuner.models import als_ranking

    train, valid = _frames(ctx, split)
    t0 = time.monotonic()
    rows = train.select("user", "item").distinct().toPandas()
    user_ids, u = np.unique(rows["user"].to_numpy(np.int64), return_inverse=True)
    item_ids, i = np.unique(rows["item"].to_numpy(np.int64), return_inverse=True)
    x = np.zeros((len(user_ids), len(item_ids)))
    x[u, i] = 1.0
    z = np.linalg.solve(lam * np.eye(len(user_ids)) + x @ x.T, x)  # X P
    diag_p = (1.0 - np.einsum("uj,uj->j", x, z)) / lam
    scores = x - z / diag_p  # X B; the seen items (x = 1) are excluded by the metric anyway
    fit_s = time.monotonic() - t0
    factors = (user_ids, np.eye(len(user_ids), dtype=np.float32), item_ids,
               np.ascontiguousarray(scores.T.astype(np.float32)))
    original = als_ranking._factor_arrays
    als_ranking._factor_arrays = lambda model, users: factors  # user row u @ item column j = scores[u, j]
    try:
        with PerUser() as per_user:
            full = als_ranking.ranking_metrics(None, train, valid, ks, implicit=True, ranking_users=10_000, seed=0)
    finally:
        als_ranking._factor_arrays = original
    return {"fit_seconds": round(fit_s, 2), "all": {"ndcg@10": full["ndcg@10"],
            "popular_ndcg@10": full["popular_ndcg@10"], "users": full["ranking_users_evaluated"],
            **per_user.spread()}}


class PerUser:
    """While active, :func:`ranking_metrics` also keeps each user's ndcg@10 (model and popular, the same metric code
    applied to one user at a time), for the standard errors of ``spread``."""

    def __enter__(self):
        from tuner.models import als_ranking

        self.module, self.original, self.values = als_ranking, als_ranking.list_metrics, {}

        def per_user(hits, relevant, ks, prefix=""):
            self.values[prefix] = [self.original(hits[i:i + 1], relevant[i:i + 1], (10,))["ndcg@10"]
                                   for i in range(len(hits))]
            return self.original(hits, relevant, ks, prefix)

        als_ranking.list_metrics = per_user
        return self

    def __exit__(self, *exc):
        self.module.list_metrics = self.original

    def spread(self, rounds: int = 2000) -> dict:
        """Standard errors over users of ndcg@10 and of its ratio to the popular items' (paired bootstrap)."""
        import numpy as np

        model, popular = np.array(self.values[""]), np.array(self.values["popular_"])
        at = np.random.default_rng(0).integers(0, len(model), (rounds, len(model)))
        ratios = model[at].mean(axis=1) / popular[at].mean(axis=1)
        return {"ndcg_se": round(float(model.std(ddof=1) / np.sqrt(len(model))), 4),
                "ratio_se": round(float(ratios.std()), 3),
                "ratio_90": [round(float(q), 3) for q in np.quantile(ratios, [0.05, 0.95])]}


def grid_lines(path: Path, follow: bool):
    """The configurations of ``path`` (JSON lines), then with ``follow`` those appended until ``"stop"``."""
    done = 0
    while True:
        lines = [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
        for ln in lines[done:]:
            done += 1
            item = json.loads(ln)
            if item == "stop":
                return
            yield item
        if not follow:
            return
        time.sleep(2)


# ---- driver ------------------------------------------------------------------------------------------------
def configurations(n: int, seed: int) -> list[dict]:
    """``n`` points of a scrambled Sobol sample: log-uniform rank/regParam/alpha, the confidence by thirds."""
    from scipy.stats import qmc

    pts = qmc.Sobol(d=4, scramble=True, seed=seed).random(n)
    out = []
    for u in pts:
        cfg = {name: math.exp(math.log(lo) + x * (math.log(hi) - math.log(lo)))
               for (name, (lo, hi)), x in zip(RANGES.items(), u)}
        out.append({"rank": int(round(cfg["rank"])), "regParam": round(cfg["regParam"], 4),
                    "alpha": round(cfg["alpha"], 4), "confidence": CONFIDENCE[min(int(u[3] * 3), 2)],
                    "implicitPrefs": True})
    return out


def summarise(points: list[dict], sizes: list[int]) -> dict:
    from scipy.stats import spearmanr

    full = [p["all"]["ndcg@10"] for p in points]
    best = max(range(len(points)), key=lambda i: full[i])
    order = sorted(range(len(points)), key=lambda i: -full[i])
    top = order[: max(2, len(points) // 4)]
    bounds = {}
    for name, (lo, hi) in RANGES.items():
        where = [(math.log(points[i]["params"][name]) - math.log(lo)) / (math.log(hi) - math.log(lo)) for i in top]
        bounds[name] = {"best_quarter_min": round(min(where), 2), "best_quarter_max": round(max(where), 2),
                        "best": points[best]["params"][name]}
    users = {}
    for n in sizes:
        per_seed = list(zip(*[p["samples"][str(n)] for p in points]))
        rhos = [float(spearmanr(s, full).statistic) for s in per_seed]
        picks = [max(range(len(points)), key=lambda i: s[i]) == best for s in per_seed]
        loss = [full[best] - full[max(range(len(points)), key=lambda i: s[i])] for s in per_seed]
        users[str(n)] = {"spearman_median": _common.median(rhos), "spearman_min": round(min(rhos), 3),
                         "picks_best": f"{sum(picks)}/{len(picks)}", "ndcg_lost_median": _common.median(loss)}
    return {"best": {**points[best]["params"], **points[best]["all"],
                     "ratio": round(points[best]["all"]["ndcg@10"] / points[best]["all"]["popular_ndcg@10"], 3)},
            "by_confidence": {c: round(max((p["all"]["ndcg@10"] for p in points if p["params"]["confidence"] == c),
                                           default=float("nan")), 4) for c in CONFIDENCE},
            "bounds": bounds, "users": users}


def plot(entry: dict, path: Path) -> None:
    plt = _common.pyplot()
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.8))
    pts = entry["points"]
    colors = {"raw": "tab:blue", "log": "tab:orange", "threshold": "tab:green"}
    for ax, name in zip(axes[:3], RANGES):
        for c in CONFIDENCE:
            sel = [p for p in pts if p["params"]["confidence"] == c]
            ax.scatter([p["params"][name] for p in sel], [p["all"]["ndcg@10"] for p in sel], s=18, c=colors[c],
                       label=c)
        ax.axhline(2 * pts[0]["all"]["popular_ndcg@10"], ls="--", c="grey", lw=1)
        ax.set(xscale="log", xlabel=name, ylabel="ndcg@10, fold 0, all users")
    axes[0].legend(fontsize=8, title="confidence")
    sizes = list(entry["summary"]["users"])
    axes[3].plot([int(s) for s in sizes], [entry["summary"]["users"][s]["spearman_median"] for s in sizes], "o-")
    axes[3].set(xlabel="users sampled", ylabel="Spearman rho vs all users", xscale="log",
                title="configurations ranked by a sample")
    fig.suptitle(f"implicit ALS on {entry['data']} ({len(pts)} configurations; dashed: 2x popularity)")
    _common.save_figure(fig, path)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="ml-latest-small")
    p.add_argument("--configs", type=int, default=32, help="a power of 2 (a balanced Sobol sample)")
    p.add_argument("--max-iter", type=int, default=10)
    p.add_argument("--sizes", default="50,100,200,400")
    p.add_argument("--sample-seeds", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--folds", type=int, default=3, help="data.folds of the split (experiments/als_implicit: 2)")
    p.add_argument("--grid", type=Path, help="JSON lines of configurations to fit instead of the Sobol sample")
    p.add_argument("--follow", action="store_true", help="with --grid: read appended lines until \"stop\"")
    args = p.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] if not args.grid else []
    import ray

    from tuner.cluster import kill_service, start_ray, start_service, stop_ray
    from tuner.config import Experiment
    from tuner.config.ranking import ranking_plan
    from tuner.models import _tasks

    t0 = time.monotonic()
    points = []
    with tempfile.TemporaryDirectory() as out_dir:
        exp = Experiment.model_validate({
            "name": "implicit-space", "data": {**ranking.data_block(args.data), "folds": args.folds},
            "model": {"type": "spark-als", "space": None, "params": {"rank": 10}},
            "search": {"metric": "ndcg@10", "mode": "max"},
            "spark": _common.SPARK, "ray": _common.RAY, "output": {"dir": out_dir, "plots": False}})
        session = service = None
        try:
            session = start_ray(exp.ray)
            service, _ = start_service(exp.name, exp.spark, str(Path(out_dir) / "ckpt"), session.logs_dir)
            rows = ray.get(service.call.remote(_tasks.prepare, "spark-als", exp.data, ranking_plan(exp)))
            configs = grid_lines(args.grid, args.follow) if args.grid else configurations(args.configs, args.seed)
            for cfg in configs:
                split = cfg.pop("split", "fold0")  # "test": a reference on the run's own test set
                if "ease" in cfg:
                    res = ray.get(service.call.remote(score_ease, float(cfg["ease"]), split=split))
                else:
                    cfg = {"implicitPrefs": True, "maxIter": args.max_iter, **cfg}
                    res = ray.get(service.call.remote(score_config, cfg, sizes, list(range(args.sample_seeds)),
                                                      split=split))
                cfg = {**cfg, "split": split}
                points.append({"params": cfg, **res})
                ratio = res["all"]["ndcg@10"] / res["all"]["popular_ndcg@10"]
                print(json.dumps({**cfg, **res["all"], "ratio": round(ratio, 3), "fit_s": res["fit_seconds"]}),
                      file=sys.stderr, flush=True)
        finally:
            kill_service(service)
            stop_ray(session)
    if args.grid:
        entry = {"data": args.data, "folds": args.folds, **_common.provenance(),
                 "seconds": round(time.monotonic() - t0, 1), "rows": rows, "points": points}
        grid_out = OUT.with_name("implicit_space_grid.json")
        _common.append_json_entries(grid_out, [entry], json.loads(grid_out.read_text()) if grid_out.is_file() else [])
        return 1 if _common.check_no_leaks() else 0
    entry = {"data": args.data, **_common.provenance(), "seconds": round(time.monotonic() - t0, 1),
             "rows": rows, "ranges": RANGES, "max_iter": args.max_iter, "summary": summarise(points, sizes),
             "points": points}
    _common.append_json_entries(OUT, [entry], json.loads(OUT.read_text()) if OUT.is_file() else [])
    plot(entry, OUT.with_suffix(".png"))
    print(json.dumps(entry["summary"], indent=1), file=sys.stderr)
    left = _common.check_no_leaks()
    return 1 if left else 0


if __name__ == "__main__":
    raise SystemExit(main())
