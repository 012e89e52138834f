"""Optimisation history and parameter importance, as PNG files."""

from __future__ import annotations

import math
from pathlib import Path

from tuner.outputs.leaderboard import TrialRow


def write_plots(rows: list[TrialRow], space: dict, metric: str, mode: str, folder: Path) -> list[str]:
    """Write ``history.png`` and (with >= 3 completed trials) ``importance.png``.

    Args:
        rows: leaderboard rows in trial order.
        space: the tuned params' specs (name -> space spec).
        metric, mode: the objective.
        folder: where the PNGs go.

    Returns:
        Paths written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    pts = [(i, r) for i, r in enumerate(rows) if math.isfinite(r.metrics.get(metric, math.nan))]
    if pts:
        fig, ax = plt.subplots(figsize=(7, 4))
        for status, color in (("completed", "tab:blue"), ("pruned", "tab:gray")):
            sel = [(i, r.metrics[metric]) for i, r in pts if r.status == status]
            if sel:
                ax.scatter(*zip(*sel), color=color, label=status, s=24)
        best, line = None, []
        for i, r in pts:
            if r.status == "completed":
                v = r.metrics[metric]
                best = v if best is None or (v < best if mode == "min" else v > best) else best
            line.append((i, best))
        line = [(i, b) for i, b in line if b is not None]
        if line:
            ax.step(*zip(*line), where="post", color="tab:red", label="best so far")
        ax.set_xlabel("trial (in start order)")
        ax.set_ylabel(f"CV {metric}")
        ax.set_title("Optimisation history")
        if ax.get_legend_handles_labels()[0]:
            ax.legend()
        fig.tight_layout()
        fig.savefig(folder / "history.png", dpi=100)
        plt.close(fig)
        written.append(str(folder / "history.png"))
    importances = param_importances(rows, space, metric, mode)
    if importances:
        fig, ax = plt.subplots(figsize=(6, 0.5 + 0.5 * len(importances)))
        names = list(importances)[::-1]
        ax.barh(names, [importances[n] for n in names], color="tab:blue")
        ax.set_xlabel("importance (fANOVA, Optuna)")
        ax.set_title("Parameter importance")
        fig.tight_layout()
        fig.savefig(folder / "importance.png", dpi=100)
        plt.close(fig)
        written.append(str(folder / "importance.png"))
    return written


def param_importances(rows: list[TrialRow], space: dict, metric: str, mode: str) -> dict[str, float]:
    """Optuna's fANOVA importances over the completed trials; empty if there are too few."""
    import optuna

    from tuner.search import to_distribution

    done = [r for r in rows if r.status == "completed" and math.isfinite(r.metrics.get(metric, math.nan))]
    if len(done) < 3 or not space:
        return {}
    # conditional (branch) params are absent from other branches' trials: rate only those every trial has
    dists = {k: to_distribution(v) for k, v in space.items() if all(k in r.params for r in done)}
    if not dists:
        return {}
    study = optuna.create_study(direction="minimize" if mode == "min" else "maximize")
    for r in done:
        study.add_trial(optuna.trial.create_trial(
            params={k: r.params[k] for k in dists}, distributions=dists, value=r.metrics[metric]))
    try:
        return optuna.importance.get_param_importances(study)
    except (RuntimeError, ValueError):  # e.g. every trial has the same params
        return {}
