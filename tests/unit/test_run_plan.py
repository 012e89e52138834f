"""One plan per run: ``run_plan`` derives, once, what the runner used to recompute at each step (objective,
objectives, trial metrics, ranking plan, task), and tuner/runner reads only the plan."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tuner.config import load_experiment, objective
from tuner.config.families import family
from tuner.config.objectives import objectives, primary_metric
from tuner.config.plan import run_plan
from tuner.config.ranking import ranking_plan, trial_metrics
from tuner.config.tasks import task as get_task

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.yaml"))


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_the_plan_of_every_shipped_experiment_is_what_the_config_functions_say(path):
    exp = load_experiment(path)
    plan = run_plan(exp)
    assert (plan.metric, plan.mode) == objective(exp)
    assert plan.trial_metrics == trial_metrics(exp) and plan.ranking == ranking_plan(exp)
    assert list(plan.objectives) == (objectives(exp) or []) and plan.primary == primary_metric(exp)
    assert plan.family == family(exp) and plan.task == get_task(family(exp).task)


def test_objectives_a_ranking_objective_and_timing_metrics_are_in_the_plan():
    exp = load_experiment(ROOT / "experiments" / "als.yaml", [
        "search.metric=ndcg@10", "search.mode=max", "scheduler.type=fifo", "search.sampler=random"])
    plan = run_plan(exp)
    assert plan.ranking.fold_ks == (10,) and plan.trial_metrics[-4:] == ("ndcg@10", "map@10", "precision@10",
                                                                           "recall@10")
    multi = run_plan(load_experiment(ROOT / "experiments" / "als.yaml", [
        "search.objectives=[{metric: rmse}, {metric: fit_seconds}]", "scheduler.type=fifo", "search.sampler=tpe",
        "search.patience=null"]))
    assert multi.objectives == (("rmse", "min"), ("fit_seconds", "min")) and multi.extra_objectives == ("fit_seconds",)
    assert multi.objective_names == ("rmse", "fit_seconds") and multi.primary == "rmse"


_RECOMPUTED = {"objective", "objectives", "trial_metrics", "ranking_plan", "primary_metric", "family"}


def test_the_runner_reads_the_plan_instead_of_recomputing_it():
    """No module of tuner/runner but preflight (which checks a config before any plan exists) calls the config
    functions the plan holds the answers of."""
    calls = []
    for path in sorted((ROOT / "tuner" / "runner").glob("*.py")):
        if path.name == "preflight.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _RECOMPUTED:
                calls.append(f"{path.name}:{node.lineno} {node.func.id}()")
    assert calls == []
