"""Searchers and schedulers for Ray Tune, built from the config."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from tuner.config.schema import SchedulerConfig, SearchConfig
from tuner.search.space import DefineByRun


def make_searcher(cfg: SearchConfig, params: Mapping[str, Any], metric: str | list[str], mode: str | list[str],
                  study: Mapping[str, Any] | None = None, budget=None, folds: int | None = None,
                  starts: Sequence[Mapping[str, Any]] = ()):
    """An OptunaSearch over ``params`` with the sampler of ``cfg`` (see :func:`tuner.search.samplers.build_sampler`).

    Args:
        metric, mode: one objective, or lists of them (a multi-objective study; Optuna's TPE and random
            samplers handle several objectives).
        study: ``study_name`` and ``storage`` (an Optuna ``BaseStorage``) of the study to write to (or
            continue), e.g. ``tuner.tracking.searcher_args(run_dir)``; None: an in-memory study.
        budget: a :class:`tuner.search.budget.Budget`: no trial is suggested once it is spent; None: no budget.
        folds: the CV folds of a completed trial: the study records one stopped before them as PRUNED and a
            failed one as FAIL; None: as Ray's OptunaSearch (every trial that reported is COMPLETE).
        starts: known-good configurations (``model.starts``) the study tries first, before the sampler's own
            picks (Optuna's ``enqueue_trial``, through Ray's ``points_to_evaluate``); a param a start leaves
            out is drawn by the sampler. Pass them to a new study only: a resumed or continued one has them.

    Returns:
        a ray.tune.search.optuna.OptunaSearch (:class:`tuner.search.resumable.ResumableOptunaSearch`)
    """
    from tuner.search.resumable import ResumableOptunaSearch
    from tuner.search.samplers import build_sampler

    return ResumableOptunaSearch(space=DefineByRun(params), metric=metric, mode=mode,
                                 sampler=build_sampler(cfg, params), budget=budget, folds=folds,
                                 points_to_evaluate=[dict(s) for s in starts] or None, **(study or {}))


def make_scheduler(cfg: SchedulerConfig, steps: int, metric: str, mode: str):
    """ASHA over budget steps (a data fraction or a CV fold = one training iteration), or FIFO."""
    from ray.tune.schedulers import ASHAScheduler, FIFOScheduler

    if cfg.type == "fifo":
        return FIFOScheduler()
    return ASHAScheduler(time_attr="training_iteration", metric=metric, mode=mode, max_t=steps,
                         grace_period=min(cfg.grace_period, steps), reduction_factor=cfg.reduction_factor)
