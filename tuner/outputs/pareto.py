"""The Pareto front of a multi-objective search, the member ``search.select`` chooses, and its plot."""

from __future__ import annotations

import math
from pathlib import Path

from tuner.outputs.leaderboard import TrialRow

NO_MEMBER_WITHIN = "no front member has {bounds}; chose among the whole front instead"


def _values(r: TrialRow, objectives: list[tuple[str, str]]) -> list[float] | None:
    vals = [r.metrics.get(m) for m, _ in objectives]
    if r.status != "completed" or any(v is None or not math.isfinite(v) for v in vals):
        return None
    return [v if mode == "min" else -v for v, (_, mode) in zip(vals, objectives)]  # all minimised


def pareto_front(rows: list[TrialRow], objectives: list[tuple[str, str]]) -> list[TrialRow]:
    """The completed trials no other completed trial dominates (at least as good on every objective and
    better on one), in trial order.

    Args:
        rows: leaderboard rows; their ``metrics`` hold every objective's value.
        objectives: ``[(metric, mode), ...]``.
    """
    pts = [(r, v) for r in rows if (v := _values(r, objectives)) is not None]

    def dominated(v):
        return any(all(a <= b for a, b in zip(w, v)) and any(a < b for a, b in zip(w, v)) for _, w in pts)

    return [r for r, v in pts if not dominated(v)]


def choose(front: list[TrialRow], objectives: list[tuple[str, str]], metric: str,
           bounds: dict[str, tuple[str, float]]) -> tuple[TrialRow | None, str]:
    """The member of ``front`` within ``bounds`` that is best on ``metric``, and a sentence saying why.

    Args:
        front: the Pareto front.
        objectives: ``[(metric, mode), ...]``.
        metric: the objective that ranks the members (``search.select.metric``, else the first objective).
        bounds: ``search.select`` bounds, e.g. ``{"max_fit_seconds": ("fit_seconds", 30.0)}``.

    Returns:
        (the chosen row or None for an empty front, the statement printed and written to summary.json).
    """
    if not front:
        return None, "no trial completed every objective: nothing to choose"
    mode = dict(objectives)[metric]

    def within(r: TrialRow) -> bool:
        return all(r.metrics[m] <= v if key.startswith("max_") else r.metrics[m] >= v
                   for key, (m, v) in bounds.items())

    said = " and ".join(f"{m} {'<=' if k.startswith('max_') else '>='} {v:g}" for k, (m, v) in bounds.items())
    inside = [r for r in front if within(r)]
    note = ""
    if bounds and not inside:
        inside, note = front, "; " + NO_MEMBER_WITHIN.format(bounds=said)
    best = (min if mode == "min" else max)(inside, key=lambda r: r.metrics[metric])
    rule = f"the best {metric} ({mode}) of the {len(front)} front members" + (f" with {said}" if said else "")
    return best, f"chose trial {best.trial_id}: {rule}{note}"


def front_summary(front: list[TrialRow], objectives: list[tuple[str, str]]) -> list[dict]:
    """summary.json ``pareto.front``: each member's trial id, params and objective values."""
    return [{"trial_id": r.trial_id, "params": r.params, "values": {m: r.metrics[m] for m, _ in objectives}}
            for r in front]


def write_pareto_plot(rows: list[TrialRow], front_ids: set[str], objectives: list[tuple[str, str]],
                      path: Path) -> Path | None:
    """``pareto.png``: the completed trials on the first two objectives, the front highlighted and joined."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    (mx, _), (my, _) = objectives[0], objectives[1]
    done = [r for r in rows if _values(r, objectives) is not None]
    if not done:
        return None
    fig, ax = plt.subplots(figsize=(6, 4))
    rest = [r for r in done if r.trial_id not in front_ids]
    if rest:
        ax.scatter([r.metrics[mx] for r in rest], [r.metrics[my] for r in rest], color="tab:gray", s=22,
                   label="dominated")
    front = sorted((r for r in done if r.trial_id in front_ids), key=lambda r: r.metrics[mx])
    ax.plot([r.metrics[mx] for r in front], [r.metrics[my] for r in front], "o-", color="tab:red", ms=6,
            label="Pareto front")
    ax.set_xlabel(mx)
    ax.set_ylabel(my)
    ax.set_title("Pareto front" + (f" (first two of {len(objectives)} objectives)" if len(objectives) > 2 else ""))
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
