"""Searchers and schedulers for Ray Tune, built from the config."""

from __future__ import annotations

from typing import Any, Mapping

from tuner.config.schema import SchedulerConfig, SearchConfig
from tuner.search.space import DefineByRun


def make_searcher(cfg: SearchConfig, params: Mapping[str, Any], metric: str, mode: str):
    """An OptunaSearch over ``params`` with the sampler of ``cfg`` (see :func:`tuner.search.samplers.build_sampler`).

    Returns:
        ray.tune.search.optuna.OptunaSearch
    """
    from ray.tune.search.optuna import OptunaSearch

    from tuner.search.samplers import build_sampler

    return OptunaSearch(space=DefineByRun(params), metric=metric, mode=mode, sampler=build_sampler(cfg, params))


def make_scheduler(cfg: SchedulerConfig, steps: int, metric: str, mode: str):
    """ASHA over budget steps (a data fraction or a CV fold = one training iteration), or FIFO."""
    from ray.tune.schedulers import ASHAScheduler, FIFOScheduler

    if cfg.type == "fifo":
        return FIFOScheduler()
    return ASHAScheduler(time_attr="training_iteration", metric=metric, mode=mode, max_t=steps,
                         grace_period=min(cfg.grace_period, steps), reduction_factor=cfg.reduction_factor)
