"""Cheaper first rungs for ALS: what a low-fidelity fit of fold 0 costs, and how well it ranks configurations.

ASHA keeps the best third of the trials at its first rung. A cheaper first rung pays only if it costs much less
than a full fold fit **and** ranks the configurations as the full fit does (Spark's ALS has no warm start: each
rung is a fresh fit, so the cheap rung's cost is added for every trial that survives it). Measured side by side
in one Spark service on the same prepared folds, for configurations drawn over the time-to-quality ranges
(rank 8..64 log-int, regParam 0.01..0.3 log-uniform; a seeded Sobol sample):

  full           fold 0, maxIter ``--max-iter`` (5, as the time-to-quality benchmark), all its training rows
  maxIter=k      fold 0 with fewer ALS iterations (the issue's "fewer iterations on fold 0")
  fraction=f     fold 0 on a fraction of its training rows (``scheduler.data_fractions``, which exists)

For each: the median cost ratio (fit + score seconds over the full fit's, per configuration), Spearman's rank
correlation of its RMSE with the full fit's, and whether the full fit's best third survives (ASHA's cut).
Writes ``benchmarks/results/low_fidelity.json`` (one entry per data set, appended) and ``low_fidelity.png``.

    python benchmarks/low_fidelity.py --data synthetic-1M
    python benchmarks/low_fidelity.py --data ml-latest-small
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
import time_to_quality as ttq  # noqa: E402

OUT = _common.RESULTS / "low_fidelity.json"


def fidelities(max_iter: int) -> list[tuple[str, dict, float]]:
    """(name, param overrides, data fraction) of every low-fidelity fit measured, the full fit first."""
    return ([("full", {}, 1.0)] + [(f"maxIter={k}", {"maxIter": k}, 1.0) for k in (1, 2, 3) if k < max_iter]
            + [(f"fraction={f:g}", {}, f) for f in (0.3, 0.5)])


def configurations(n: int, seed: int) -> list[dict]:
    """``n`` (rank, regParam) points of a scrambled Sobol sample over the benchmark's log ranges."""
    from scipy.stats import qmc

    pts = qmc.Sobol(d=2, scramble=True, seed=seed).random(n)
    (r0, r1), (g0, g1) = ttq.RANK_RANGE, ttq.REG_RANGE
    return [{"rank": int(round(math.exp(math.log(r0) + u * (math.log(r1) - math.log(r0))))),
             "regParam": round(math.exp(math.log(g0) + v * (math.log(g1) - math.log(g0))), 5)} for u, v in pts]


def measure(args) -> dict:
    """Every configuration at every fidelity on fold 0, in one Spark service (after one warm-up fit)."""
    import ray

    from tuner.cluster import kill_service, start_ray, start_service, stop_ray
    from tuner.config import Experiment
    from tuner.models import _tasks

    with tempfile.TemporaryDirectory() as out_dir:
        exp = Experiment.model_validate(ttq.base_experiment(args, "low-fidelity", out_dir))
        session = service = None
        try:
            session = start_ray(exp.ray)
            service, info = start_service(exp.name, exp.spark, str(Path(out_dir) / "ckpt"), session.logs_dir)
            rows = ray.get(service.call.remote(_tasks.prepare, "spark-als", exp.data))
            ttq.log(f"Spark started in {info['seconds']:.0f} s; {rows['train']:,} training rows, folds "
                    f"{rows['fold_rows']}")

            def fit(params: dict, fraction: float) -> dict:
                res = ray.get(service.call.remote(_tasks.fit_fold, "spark-als", params, 0, exp.seed, fraction))
                return {"rmse": res["rmse"], "seconds": round(res["fit_seconds"] + res["score_seconds"], 3)}

            fit({"rank": 16, "regParam": 0.05, "maxIter": args.max_iter}, 1.0)  # JVM and caches warm
            points = []
            for cfg in configurations(args.configs, args.seed):
                row = {**cfg}
                for name, extra, fraction in fidelities(args.max_iter):
                    row[name] = fit({**cfg, "maxIter": args.max_iter, **extra}, fraction)
                ttq.log(f"{cfg}: " + ", ".join(f"{k} {v['rmse']:.4f} in {v['seconds']:.1f} s"
                                               for k, v in row.items() if isinstance(v, dict)))
                points.append(row)
        finally:
            kill_service(service)
            stop_ray(session)
    return {"rows": rows, "points": points}


def summarise(points: list[dict], max_iter: int) -> dict[str, dict]:
    """Per fidelity: median cost ratio to the full fit, Spearman's rho with it, and the best third it keeps."""
    from scipy.stats import spearmanr

    full = [p["full"]["rmse"] for p in points]
    keep = max(1, len(points) // 3)
    best_full = set(sorted(range(len(points)), key=lambda i: full[i])[:keep])
    out = {}
    for name, _, _ in fidelities(max_iter):
        got = [p[name]["rmse"] for p in points]
        kept = set(sorted(range(len(points)), key=lambda i: got[i])[:keep])
        out[name] = {
            "cost_ratio_median": round(_common.median([p[name]["seconds"] / p["full"]["seconds"] for p in points]), 3),
            "spearman": round(float(spearmanr(got, full).statistic), 3),
            "best_third_kept": f"{len(kept & best_full)}/{keep}",
            "full_best_kept": min(best_full, key=lambda i: full[i]) in kept,
        }
    return out


def plot(entry: dict, path: Path) -> None:
    plt = _common.pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, s in entry["summary"].items():
        ax.scatter(s["cost_ratio_median"], s["spearman"], s=60)
        ax.annotate(f"{name} (best third kept {s['best_third_kept']})", (s["cost_ratio_median"], s["spearman"]),
                    textcoords="offset points", xytext=(6, 4), fontsize=8)
    ax.set_xlabel("cost of the fit / a full fold-0 fit (median over configurations)")
    ax.set_ylabel("Spearman rho of its RMSE with the full fit's")
    ax.set_xlim(0, 1.25)
    ax.set_title(f"Low-fidelity first rungs, ALS on {entry['data']} ({len(entry['points'])} configurations)")
    ax.grid(alpha=0.3)
    _common.save_figure(fig, path)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="synthetic-1M", help="synthetic-1M or a MovieLens folder, e.g. ml-latest-small")
    p.add_argument("--ratings", type=int, help="synthetic ratings; overrides the size in --data (toy runs)")
    p.add_argument("--configs", type=int, default=16, help="a power of 2 (a balanced Sobol sample)")
    p.add_argument("--max-iter", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    if args.data.startswith("synthetic") and args.ratings is None:
        args.ratings = 1_000_000 * int(args.data.removeprefix("synthetic-").removesuffix("M") or 1)
    args.folds, args.trials, args.seeds = 3, 1, [args.seed]  # what ttq.base_experiment reads
    t0 = time.monotonic()
    res = measure(args)
    entry = {"data": ttq.data_label(args), "max_iter": args.max_iter, **_common.provenance(),
             "commit": ttq.commit(), "seconds": round(time.monotonic() - t0, 1),
             "summary": summarise(res["points"], args.max_iter), **res}
    _common.append_json_entries(OUT, [entry], json.loads(OUT.read_text()) if OUT.is_file() else [])
    plot(entry, OUT.with_name(f"low_fidelity-{entry['data']}.png"))
    for name, s in entry["summary"].items():
        ttq.log(f"{name}: cost {s['cost_ratio_median']}, spearman {s['spearman']}, best third kept "
                f"{s['best_third_kept']}, full best kept {s['full_best_kept']}")
    left = _common.check_no_leaks()
    if left:
        print(f"leaked processes: {left}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
