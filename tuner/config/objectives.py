"""Multi-objective search settings: ``search.objectives`` (two or more reported metrics with their modes) and
``search.select`` (which Pareto-front member is refit), checked before any cluster starts."""

from __future__ import annotations

from typing import Any

from tuner.config._errors import (ASHA_MULTI, METRIC_NOT_PRIMARY, MODE_CONTRADICTS, OBJECTIVE_METRIC,
                                  PATIENCE_MULTI, SAMPLER_MULTI, SELECT_BOUND, SELECT_KEY, SELECT_NEEDS_OBJECTIVES, Where,
                                  did_you_mean, one_of, show)
from tuner.config.families import Mode, ModelType

#: what every trial reports besides the model's metrics, usable as an objective (both minimised):
#: ``fit_seconds`` is the fit time of the trial's last fold, ``work_seconds`` its fits and scorings together
TIMING_METRICS: dict[str, Mode] = {"fit_seconds": "min", "work_seconds": "min"}

__all__ = ["TIMING_METRICS", "check_objectives", "objectives", "primary_metric", "resolved_objective"]


def _mode(mt: ModelType, metric: str) -> Mode:
    return TIMING_METRICS.get(metric) or mt.mode_for(metric)


def objectives(exp: Any) -> list[tuple[str, Mode]] | None:
    """``[(metric, mode), ...]`` of ``search.objectives`` (modes filled from the metrics), or None."""
    from tuner.config.families import family

    if not exp.search.objectives:
        return None
    mt = family(exp)
    return [(o.metric, o.mode or _mode(mt, o.metric)) for o in exp.search.objectives]


def primary_metric(exp: Any) -> str | None:
    """The metric that ranks a front (``search.select.metric``, else the first objective); None: one objective."""
    if not exp.search.objectives:
        return None
    select = exp.search.select
    return (select.metric if select and select.metric else None) or exp.search.objectives[0].metric


def check_objectives(exp: Any, mt: ModelType, where: Where) -> None:
    """Objectives name reported metrics in their direction, the scheduler and stopper fit several of them,
    and ``search.select`` names objectives.

    Raises:
        ConfigError: the first failed check.
    """
    search = exp.search
    if not search.objectives:
        if search.select is not None:
            raise where.error("search.select", SELECT_NEEDS_OBJECTIVES.format(key="search.select"))
        return
    names = [*mt.metrics, *TIMING_METRICS]
    for i, o in enumerate(search.objectives):
        key = f"search.objectives[{i}].metric"
        if o.metric not in names and mt.parse_metric(o.metric) is None:
            body = OBJECTIVE_METRIC.format(key=key, expected=one_of(names), got=show(o.metric))
            raise where.error(key, body + did_you_mean(o.metric, names))
        if o.mode is not None and o.mode != _mode(mt, o.metric):
            key = f"search.objectives[{i}].mode"
            raise where.error(key, MODE_CONTRADICTS.format(key=key, mode=o.mode, metric=o.metric,
                                                           right=_mode(mt, o.metric)))
    n, chosen = len(search.objectives), [o.metric for o in search.objectives]
    if exp.scheduler.type == "asha":
        raise where.error("scheduler.type", ASHA_MULTI.format(key="scheduler.type", n=n))
    if search.patience is not None:
        raise where.error("search.patience", PATIENCE_MULTI.format(key="search.patience", n=n))
    if search.sampler == "skgp":
        raise where.error("search.sampler", SAMPLER_MULTI.format(key="search.sampler", n=n))
    if search.select is not None:
        if search.select.metric is not None and search.select.metric not in chosen:
            body = OBJECTIVE_METRIC.format(key="search.select.metric", expected=one_of(chosen),
                                           got=show(search.select.metric))
            raise where.error("search.select.metric", body + did_you_mean(search.select.metric, chosen))
        for key, value in (search.select.model_extra or {}).items():
            path = f"search.select.{key}"
            if not (key.startswith(("max_", "min_")) and key[4:] in chosen):
                bounds = [f"{side}_{m}" for m in chosen for side in ("max", "min")]
                body = SELECT_KEY.format(key=path, names=one_of(chosen), got=key)
                raise where.error(path, body + did_you_mean(key, bounds))
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise where.error(path, SELECT_BOUND.format(key=path, got=show(value)))
    primary = primary_metric(exp)
    if search.metric is not None and search.metric != primary:
        body = METRIC_NOT_PRIMARY.format(key="search.metric", got=search.metric, primary=primary)
        raise where.error("search.metric", body)
    if search.mode is not None and search.mode != _mode(mt, primary):
        body = MODE_CONTRADICTS.format(key="search.mode", mode=search.mode, metric=primary, right=_mode(mt, primary))
        raise where.error("search.mode", body)


def resolved_objective(exp: Any, mt: ModelType) -> tuple[str, Mode]:
    """``(search.metric, search.mode)`` as the loader fills them: the primary objective with objectives, else
    the set metric or the family's default, in its direction."""
    metric = exp.search.metric or primary_metric(exp) or mt.default_metric
    return metric, exp.search.mode or _mode(mt, metric)
