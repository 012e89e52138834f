"""Searchers and schedulers for Ray Tune, built from the config."""

from __future__ import annotations

from typing import Any, Mapping

from tuner.config.schema import SchedulerConfig, SearchConfig
from tuner.search.space import DefineByRun, flat_space


def startup_trials(num_samples: int, dims: int, explicit: int | None = None) -> int:
    """Random trials before TPE models the space.

    Args:
        num_samples: the trial budget.
        dims: how many parameters are searched (branch parameters included).
        explicit: ``search.startup_trials`` if the user set it; it wins.

    Returns:
        ``explicit``, else ``2 * (dims + 1)`` (the usual space-filling start of model-based search) capped by a
        third of the budget and by Optuna's default of 10, and at least 3.
    """
    if explicit is not None:
        return explicit
    return max(3, min(10, num_samples // 3, 2 * (dims + 1)))


def make_searcher(cfg: SearchConfig, params: Mapping[str, Any], metric: str | list[str], mode: str | list[str],
                  study: Mapping[str, Any] | None = None):
    """An OptunaSearch over ``params`` (TPE, random or qmc-start TPE, seeded).

    Args:
        metric, mode: one objective, or lists of them (a multi-objective study; Optuna's TPE and random
            samplers handle several objectives).
        study: ``study_name`` and ``storage`` (an Optuna ``BaseStorage``) of the study to write to (or
            continue), e.g. ``tuner.tracking.searcher_args(run_dir)``; None: an in-memory study.

    Returns:
        ray.tune.search.optuna.OptunaSearch
    """
    from ray.tune.search.optuna import OptunaSearch

    from tuner.search.samplers import make_sampler

    startup = startup_trials(cfg.num_samples, len(flat_space(params)), cfg.startup_trials)
    sampler = make_sampler(cfg.sampler, cfg.seed, startup)
    return OptunaSearch(space=DefineByRun(params), metric=metric, mode=mode, sampler=sampler, **(study or {}))


def make_scheduler(cfg: SchedulerConfig, steps: int, metric: str, mode: str):
    """ASHA over budget steps (a data fraction or a CV fold = one training iteration), or FIFO."""
    from ray.tune.schedulers import ASHAScheduler, FIFOScheduler

    if cfg.type == "fifo":
        return FIFOScheduler()
    return ASHAScheduler(time_attr="training_iteration", metric=metric, mode=mode, max_t=steps,
                         grace_period=min(cfg.grace_period, steps), reduction_factor=cfg.reduction_factor)
