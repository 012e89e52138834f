"""Searchers and schedulers for Ray Tune, built from the config."""

from __future__ import annotations

from typing import Any, Mapping

from tuner.config.schema import SchedulerConfig, SearchConfig
from tuner.search.space import DefineByRun


def startup_trials(num_samples: int) -> int:
    """Random trials before TPE models the space: a third of the budget, between 3 and 10 (Optuna's default)."""
    return max(3, min(10, num_samples // 3))


def make_searcher(cfg: SearchConfig, params: Mapping[str, Any], metric: str, mode: str):
    """An OptunaSearch over ``params`` (TPE or random, seeded).

    Returns:
        ray.tune.search.optuna.OptunaSearch
    """
    import optuna
    from ray.tune.search.optuna import OptunaSearch

    if cfg.sampler == "tpe":
        sampler = optuna.samplers.TPESampler(
            seed=cfg.seed, n_startup_trials=startup_trials(cfg.num_samples), constant_liar=True, multivariate=True
        )
    else:
        sampler = optuna.samplers.RandomSampler(seed=cfg.seed)
    return OptunaSearch(space=DefineByRun(params), metric=metric, mode=mode, sampler=sampler)


def make_scheduler(cfg: SchedulerConfig, steps: int, metric: str, mode: str):
    """ASHA over budget steps (a data fraction or a CV fold = one training iteration), or FIFO."""
    from ray.tune.schedulers import ASHAScheduler, FIFOScheduler

    if cfg.type == "fifo":
        return FIFOScheduler()
    return ASHAScheduler(time_attr="training_iteration", metric=metric, mode=mode, max_t=steps,
                         grace_period=min(cfg.grace_period, steps), reduction_factor=cfg.reduction_factor)
