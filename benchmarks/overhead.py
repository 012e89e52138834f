"""Platform overhead of a tuner run, measured in one run.

overhead = Tune wall time / (sum of per-fold fit+score seconds / concurrency)

1.0 means trials kept the executors busy the whole time; the target is <= 1.15 under FIFO and <= 1.10 under
ASHA (most trials stop after one fold there, so a trial's start weighs more) with trials of >= 5 s.
Also records the one-time Spark (RayDP) start. Writes benchmarks/results/overhead.json (one entry per
scheduler, the latest run of each) and overhead.png.

    python benchmarks/overhead.py                     # 1M synthetic ratings, 6 trials x 3 folds, FIFO
    python benchmarks/overhead.py --scheduler asha --trials 12
    python benchmarks/overhead.py --ratings 200000 --trials 4
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common  # noqa: E402


def experiment(args, out_dir: str):
    from tuner.config import Experiment

    return Experiment.model_validate({
        "name": "overhead",
        "data": {"format": "synthetic", "synthetic": {"ratings": args.ratings, "users": args.ratings // 160,
                                                      "items": args.ratings // 250}, "folds": args.folds},
        "model": {"type": "spark-als", "params": {
            "rank": {"type": "int", "low": 8, "high": 16}, "regParam": {"type": "loguniform", "low": 0.01,
                                                                         "high": 0.3},
            "maxIter": args.max_iter}},
        "search": {"num_samples": args.trials, "seed": 0},
        "scheduler": {"type": args.scheduler},
        "spark": {"executors": 1, "executor_cores": 2, "executor_memory": "3g", "driver_memory": "2g"},
        "output": {"dir": out_dir, "plots": False},
    })


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ratings", type=int, default=1_000_000)
    p.add_argument("--trials", type=int, default=6)
    p.add_argument("--folds", type=int, default=3)
    p.add_argument("--max-iter", type=int, default=10)
    p.add_argument("--scheduler", choices=("fifo", "asha"), default="fifo")
    p.add_argument("--out", type=Path, default=_common.RESULTS)
    args = p.parse_args()

    from tuner.runner import run_experiment

    with tempfile.TemporaryDirectory() as tmp:
        outcome = run_experiment(experiment(args, tmp), echo=lambda *a: print(*a, file=sys.stderr))
        s = outcome.summary
    if s["status"] != "completed":
        print(f"run ended {s['status']}", file=sys.stderr)
        return 1
    ideal = s["work_seconds"] / s["concurrency"]
    result = {
        "scheduler": args.scheduler,
        "trials_by_status": s["trials"],
        "reused_actors": _reused(s),
        "ratings": args.ratings,
        "trials": args.trials,
        "folds": args.folds,
        "concurrency": s["concurrency"],
        "tune_wall_seconds": s["tune_seconds"],
        "sum_fit_score_seconds": s["work_seconds"],
        "ideal_seconds": round(ideal, 2),
        "overhead": round(s["tune_seconds"] / ideal, 3),
        "mean_fold_seconds": round(s["work_seconds"] / sum(len(v) for v in s["service_calls"].values()), 2),
        "spark_start_seconds": s["spark_start_seconds"],
        "run_wall_seconds": s["wall_seconds"],
        "target": 1.15 if args.scheduler == "fifo" else 1.10,
        "versions": s["versions"],
        **_common.provenance(),
    }
    path = args.out / "overhead.json"
    previous = json.loads(path.read_text()) if path.is_file() else {}
    runs = previous if "fifo" in previous or "asha" in previous else {"fifo": previous} if previous else {}
    runs[args.scheduler] = result
    _common.write_json(runs, path)
    _plot(runs, args.out / "overhead.png")
    print(json.dumps(result, indent=2))
    return 0


def _reused(s: dict) -> int:
    """How many trials ran in an actor an earlier trial had used (trials minus distinct trial processes)."""
    return s["trials"]["completed"] + s["trials"]["pruned"] - s["trial_actors"]


def _plot(runs: dict, path: Path) -> None:
    plt = _common.pyplot()
    fig, ax = plt.subplots(figsize=(7, 1.2 + 1.2 * len(runs)))
    labels, ideal, wall = [], [], []
    for name, r in runs.items():
        labels.append(f"{name}: {r['overhead']:.2f}x (target <= {r['target']})")
        ideal.append(r["ideal_seconds"])
        wall.append(r["tune_wall_seconds"])
    y = range(len(runs))
    ax.barh([i + 0.2 for i in y], wall, height=0.4, color="tab:blue", label="Tune wall time")
    ax.barh([i - 0.2 for i in y], ideal, height=0.4, color="tab:gray", label="ideal (work / concurrency)")
    ax.set_yticks(list(y), labels)
    ax.set_xlabel("seconds")
    ax.legend(loc="lower right")
    ax.set_title("Platform overhead, Tune wall / ideal")
    _common.save_figure(fig, path)


if __name__ == "__main__":
    sys.exit(main())
