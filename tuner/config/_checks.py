"""Checks that need the model type: params against its rules, and cross-field checks of the whole experiment."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tuner.config._errors import (DOWNLOAD_RATINGS_ONLY, PATH_WITH_SYNTHETIC, RANKED, FIXED_PARAM, MODE_CONTRADICTS, GRACE_FOLDS, MUST_BE, NEEDS_LABEL, NOTHING_TO_TUNE, SPACE_KIND,
                                  TASK_OF_FAMILY, UNKNOWN_KEY, WRONG_TASK, Where, did_you_mean, one_of, show)
from tuner.config.families import RANKING_METRICS, ModelType, ParamRule, model_types
from tuner.config.tasks import task as get_task
from tuner.config.tasks import tasks
from tuner.config.schema import ChoiceSpec, Experiment, IntSpec, LogIntSpec, LogUniformSpec, UniformSpec, is_space

_DRAWS = {UniformSpec: "floats", LogUniformSpec: "floats", IntSpec: "ints", LogIntSpec: "ints"}
_FITS = {"int": ("ints",), "float": ("floats", "ints"), "bool": (), "str": ()}
_FIX = {"int": "int or logint", "float": "uniform or loguniform", "bool": "choice", "str": "choice"}


def model_type(exp: Experiment, where: Where) -> ModelType:
    """The ModelType of ``model.type``.

    Raises:
        ConfigError: an unknown type, listing the valid ones.
    """
    name, known = exp.model.type, model_types()
    if name not in known:
        options = list(known)
        body = MUST_BE.format(key="model.type", expected=one_of(options), got=show(name))
        raise where.error("model.type", body + did_you_mean(name, options))
    mt = known[name]
    chosen = exp.data.task
    if chosen is not None and chosen not in mt.tasks:
        if chosen not in tasks():
            body = MUST_BE.format(key="data.task", expected=one_of(tasks()), got=show(chosen))
            raise where.error("data.task", body + did_you_mean(chosen, list(tasks())))
        body = TASK_OF_FAMILY.format(key="data.task", task=chosen, model=name, tasks=", ".join(mt.tasks))
        raise where.error("data.task", body)
    return mt.for_task(chosen)


def check_params(params: Mapping[str, Any], mt: ModelType, origins: Mapping[str, tuple[Where, str]]) -> None:
    """Check every param (fixed value or space) against the model type's rules.

    Args:
        params: the merged params.
        mt: the model type.
        origins: per param, the file it came from and the key path of ``params`` in that file.

    Raises:
        ConfigError: an unknown param (with did-you-mean), a value or space bound outside its rule, or a
            space type that cannot draw values of the param's kind.
    """
    for name, value in params.items():
        where, parent = origins[name]
        _check_param(name, value, mt.params, where, parent)
        if name in mt.fixed_params and is_space(value):
            key = f"{parent}.{name}"
            raise where.error(key, FIXED_PARAM.format(key=key, why=mt.fixed_params[name]))
        if isinstance(value, ChoiceSpec) and value.branches:
            for branch, branch_params in value.branches.items():
                rules = mt.branch_params.get(branch, {}) if isinstance(branch, str) else {}
                for sub, sub_value in branch_params.items():
                    _check_param(sub, sub_value, rules, where, f"{parent}.{name}.branches.{branch}")


def _check_param(name: str, value: Any, rules: Mapping[str, ParamRule], where: Where, parent: str) -> None:
    key = f"{parent}.{name}"
    rule = rules.get(name)
    if rule is None:
        body = UNKNOWN_KEY.format(name=name, parent=parent) + did_you_mean(name, list(rules))
        raise where.error(key, body)
    if not is_space(value):
        _check_value(value, rule, key, where)
    elif isinstance(value, ChoiceSpec):
        for i, v in enumerate(value.values):
            _check_value(v, rule, f"{key}.values[{i}]", where)
    elif _DRAWS[type(value)] not in _FITS[rule.kind]:
        body = SPACE_KIND.format(key=f"{key}.type", space=value.type, draws=_DRAWS[type(value)], name=name,
                                 expected=rule.describe(), fix=_FIX[rule.kind])
        raise where.error(f"{key}.type", body)
    else:
        _check_value(value.low, rule, f"{key}.low", where)
        _check_value(value.high, rule, f"{key}.high", where)


def _check_value(value: Any, rule: ParamRule, key: str, where: Where) -> None:
    if not rule.accepts(value):
        raise where.error(key, MUST_BE.format(key=key, expected=rule.describe(), got=show(value)))


def check_experiment(exp: Experiment, params: Mapping[str, Any], mt: ModelType, where: Where) -> None:
    """Cross-field checks: the metric fits the model, something is tuned, ASHA's grace period fits the folds.

    Raises:
        ConfigError: the first failed check.
    """
    _check_metric(exp, mt, where)
    if not any(is_space(v) for v in params.values()):
        raise where.error("model.params", NOTHING_TO_TUNE.format(key="model.params"))
    _check_data(exp, mt, where)
    steps = exp.data.folds + len(exp.scheduler.data_fractions)
    if exp.scheduler.grace_period > steps:
        body = GRACE_FOLDS.format(key="scheduler.grace_period", grace=exp.scheduler.grace_period, folds=steps)
        raise where.error("scheduler.grace_period", body)


def _check_metric(exp: Experiment, mt: ModelType, where: Where) -> None:
    """``search.metric`` is one the family reports (``ndcg@10`` style when it ranks); ``search.mode`` agrees."""
    if exp.search.objectives:  # the objectives' own checks (tuner.config.objectives) cover metric and mode
        return
    metric = exp.search.metric
    if metric is not None and metric not in mt.metrics and mt.parse_metric(metric) is None:
        names = list(mt.metrics)
        allowed = one_of(names)
        if mt.ranking:
            allowed += RANKED.format(names=" / ".join(f"{m}@K" for m in RANKING_METRICS))
            names += [f"{m}@10" for m in RANKING_METRICS]
        body = MUST_BE.format(key="search.metric", expected=allowed, got=show(metric))
        raise where.error("search.metric", body + did_you_mean(metric, names))
    if exp.search.mode is not None:
        metric = metric or mt.default_metric
        if exp.search.mode != mt.mode_for(metric):
            body = MODE_CONTRADICTS.format(key="search.mode", mode=exp.search.mode, metric=metric,
                                           right=mt.mode_for(metric))
            raise where.error("search.mode", body)


def _check_data(exp: Experiment, mt: ModelType, where: Where) -> None:
    """The data block makes the kind of table the task needs; a task with a required label names it."""
    t = get_task(mt.task)
    makers = {x.synthetic_format: x for x in tasks().values() if x.synthetic_format}
    if exp.data.path is not None and exp.data.format in makers:
        raise where.error("data.path", PATH_WITH_SYNTHETIC.format(key="data.path", format=exp.data.format))
    made = makers.get(exp.data.format)
    if made is not None and made.name != t.name:
        body = WRONG_TASK.format(key="data.format", format=exp.data.format, made=made.describes, model=mt.name,
                                 task=t.name, needs=t.describes)
        raise where.error("data.format", body)
    if t.label == "required" and exp.data.label is None and made is None:
        raise where.error("data.label", NEEDS_LABEL.format(key="data.label", model=mt.name, task=t.name))
    if t.table and exp.data.download is not None:
        raise where.error("data.download", DOWNLOAD_RATINGS_ONLY.format(key="data.download", model=mt.name,
                                                                        task=t.name))
