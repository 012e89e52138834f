"""Which trial is refit: the best CV metric, or with ``search.objectives`` the ``search.select`` member of the
Pareto front (said in the output and in summary.json ``pareto``)."""

from __future__ import annotations

from tuner.config import Experiment
from tuner.config.plan import RunPlan
from tuner.outputs import TrialRow, best_row
from tuner.outputs.pareto import choose, front_summary, pareto_front


def choose_best(exp: Experiment, plan: RunPlan, rows: list[TrialRow], echo) -> tuple[TrialRow | None, dict | None]:
    """The trial to refit, test and export (None: no trial completed), and summary.json's ``pareto``.

    ``pareto`` is None for one objective; with several: the objectives, the front (trial id, params, objective
    values), the chosen trial and the sentence saying why.
    """
    several = list(plan.objectives)
    if not several:
        return best_row(rows, plan.metric, plan.mode), None
    front = pareto_front(rows, several)
    select = exp.search.select
    best, statement = choose(front, several, plan.primary, select.bounds() if select else {})
    pareto = {"objectives": [{"metric": m, "mode": d} for m, d in several],
              "front": front_summary(front, several), "selected": best.trial_id if best else None,
              "selection": statement}
    done = sum(r.status == "completed" for r in rows)
    echo(f"[tuner] Pareto front: {len(front)} of {done} completed trials on "
         f"{' x '.join(m for m, _ in several)}; {statement}")
    return best, pareto
