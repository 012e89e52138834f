"""A run's plan: what the runner derives from its experiment, computed once by :func:`run_plan` and passed down.

Before, the runner asked tuner.config for the objective, the trial metrics, the objectives and the ranking plan
wherever it needed one of them (17 calls across tuner/runner). Now ``run_experiment`` builds one frozen
:class:`RunPlan` and every step reads it; nothing below recomputes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tuner.config.families import Mode, ModelType, family, objective
from tuner.config.objectives import objectives, primary_metric
from tuner.config.ranking import RankingPlan, ranking_plan, trial_metrics
from tuner.config.tasks import Task
from tuner.config.tasks import task as get_task

__all__ = ["RunPlan", "run_plan"]


@dataclass(frozen=True)
class RunPlan:
    """What one run of an experiment reports, optimises and scores.

    Attributes:
        family: the model family as it runs the task (its metrics, its narrowed choices).
        task: the task (its label rule, metrics, reference metrics, what predict writes).
        metric, mode: the objective (``search.metric`` / ``search.mode``, else the task's default).
        objectives: ``((metric, mode), ...)`` of ``search.objectives``; empty for one objective.
        primary: the metric that ranks a Pareto front (None: one objective).
        trial_metrics: what every trial reports, in order (the family's, then the fold ranking metrics).
        ranking: the ranking plan, or None when the family does not rank.
    """

    family: ModelType
    task: Task
    metric: str
    mode: Mode
    objectives: tuple[tuple[str, Mode], ...]
    primary: str | None
    trial_metrics: tuple[str, ...]
    ranking: RankingPlan | None

    @property
    def objective_names(self) -> tuple[str, ...]:
        """The metric names of ``objectives`` (empty for one objective)."""
        return tuple(m for m, _ in self.objectives)

    @property
    def extra_objectives(self) -> tuple[str, ...]:
        """Objectives that are not trial metrics (the timing metrics): the leaderboard shows them too."""
        return tuple(m for m in self.objective_names if m not in self.trial_metrics)


def run_plan(exp: Any) -> RunPlan:
    """The plan of ``exp`` (a validated Experiment): the answers of tuner.config's own functions, taken once."""
    mt = family(exp)
    metric, mode = objective(exp)
    return RunPlan(family=mt, task=get_task(mt.task), metric=metric, mode=mode,
                   objectives=tuple(objectives(exp) or ()), primary=primary_metric(exp),
                   trial_metrics=trial_metrics(exp), ranking=ranking_plan(exp))
