"""The one registry of model families, keyed by ``model.type``: what each accepts, reports and searches.

A family is one module in ``tuner.models`` (its adapter class and its :class:`ModelType`), registered with
``tuner.models.register(MODEL_TYPE)``. The config layer reads this registry for validation and defaults; it
holds the adapter class only as an opaque object (it never imports Spark, Ray or the adapter's libraries).
Built-in families register when ``tuner.models`` is imported, which the first lookup does (by name: the
one place this bottom layer names a higher one, as Ray Tune's ``SEARCH_ALG_IMPORT`` does).
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from tuner.config._errors import expected, one_of
from tuner.config.tasks import task as get_task
from tuner.errors import UserError

__all__ = ["BOOL", "NONNEG_FLOAT", "POS_FLOAT", "POS_INT", "RANKING_METRICS", "UNIT", "ModelType", "ParamRule", "UnknownModelError", "family", "model_type", "model_types",
           "objective", "register_model_type", "short_name", "unregister_model_type"]

Mode = Literal["min", "max"]
BUILTIN_FAMILIES = "tuner.models"
#: metrics that take a cut-off, ``name@K`` (K a positive int); all are maximised
RANKING_METRICS = ("ndcg", "map", "precision", "recall")
_AT_K = re.compile(r"^([a-z_]+)@(.*)$")


@dataclass(frozen=True)
class ParamRule:
    """The values one model param accepts.

    Attributes:
        kind: 'int', 'float' (an int is accepted too), 'bool' or 'str'.
        min, max: inclusive bounds, or None.
        min_exclusive: True if ``min`` itself is not allowed.
        choices: the only allowed values, or None.
    """

    kind: Literal["int", "float", "bool", "str"]
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    choices: tuple[Any, ...] | None = None

    def accepts(self, value: Any) -> bool:
        """True if ``value`` is of the right kind, within the bounds and among the choices."""
        if self.kind == "bool" or isinstance(value, bool):
            return self.kind == "bool" and isinstance(value, bool)
        kinds = {"int": int, "float": (int, float), "str": str}[self.kind]
        if not isinstance(value, kinds) or (isinstance(value, float) and not math.isfinite(value)):
            return False
        if self.choices is not None and value not in self.choices:
            return False
        if self.min is not None and (value < self.min or (self.min_exclusive and value == self.min)):
            return False
        return self.max is None or value <= self.max

    def describe(self) -> str:
        """What follows "must be" in a message, e.g. ``an int >= 1``."""
        if self.choices is not None:
            return one_of(self.choices)
        return expected(self.kind, self.min, self.max, self.min_exclusive)


@dataclass(frozen=True)
class ModelType:
    """One model family as the rest of tuner sees it.

    Attributes:
        name: the ``model.type`` value.
        task: the task used when ``data.task`` is not set (a name in :mod:`tuner.config.tasks`).
        tasks: every task the family supports (empty: only ``task``).
        metrics: what a trial reports, each with its direction (``min`` or ``max``); ``search.metric`` is one
            of them (or, with ``ranking``, ``ndcg@K``-style names). None: the task's metrics.
        default_metric: the objective when ``search.metric`` is not set (None: the task's).
        default_space: the ``search_spaces/<name>.yaml`` merged when ``model.space`` is absent, or None.
        params: a rule per allowed param, under the upstream library's own names.
        branch_params: for a choice param with ``branches``, the rules of each choice's own params.
        task_choices: param -> task -> the values of that choice param the task allows (sklearn's estimators:
            regressors for regression, classifiers for binary / multiclass).
        task_spaces: task -> its default search space, where it is not ``default_space``.
        fixed_params: params that cannot be searched, with why.
        ranking: the family also reports :data:`RANKING_METRICS` at any cut-off K.
        requires: import name -> pip package, for what the adapter needs beyond tuner's own dependencies
            (the error names the ``pip install`` line when one is missing).
        adapter: the adapter class (set by ``tuner.models.register``).
    """

    name: str
    task: str
    metrics: Mapping[str, Mode] | None = None
    default_metric: str | None = None
    default_space: str | None = None
    params: Mapping[str, ParamRule] = field(default_factory=dict)
    branch_params: Mapping[str, Mapping[str, ParamRule]] = field(default_factory=dict)
    tasks: tuple[str, ...] = ()
    task_choices: Mapping[str, Mapping[str, tuple[Any, ...]]] = field(default_factory=dict)
    task_spaces: Mapping[str, str] = field(default_factory=dict)
    fixed_params: Mapping[str, str] = field(default_factory=dict)
    ranking: bool = False
    requires: Mapping[str, str] = field(default_factory=dict)
    adapter: Any = None

    def __post_init__(self) -> None:
        t = get_task(self.task)
        if self.metrics is None:
            object.__setattr__(self, "metrics", t.modes)
        if self.default_metric is None:
            object.__setattr__(self, "default_metric", t.default_metric)
        if not self.tasks:
            object.__setattr__(self, "tasks", (self.task,))
        if self.default_metric not in self.metrics:
            raise ValueError(f"model type {self.name!r}: default_metric {self.default_metric!r} is not a metric")

    def for_task(self, name: str | None) -> "ModelType":
        """This family as it runs ``name`` (None: its default task): that task's metrics and default metric,
        and each choice param of ``task_choices`` narrowed to the values the task allows."""
        if name is None or name == self.task:
            return self
        t = get_task(name)
        params = dict(self.params)
        for param, by_task in self.task_choices.items():
            params[param] = dataclasses.replace(params[param], choices=tuple(by_task.get(name, ())))
        return dataclasses.replace(self, task=name, metrics=t.modes, default_metric=t.default_metric,
                                   params=params, default_space=self.task_spaces.get(name, self.default_space))

    @property
    def metric_names(self) -> tuple[str, ...]:
        """The always-reported metric names, in declaration order."""
        return tuple(self.metrics)

    def mode_for(self, metric: str) -> Mode:
        """Whether ``metric`` is minimised or maximised (ranking metrics ``name@K`` are maximised)."""
        if metric in self.metrics:
            return self.metrics[metric]
        return "max"

    def parse_metric(self, metric: str) -> tuple[str, int] | None:
        """``("ndcg", 10)`` for ``ndcg@10`` when this family ranks, else None (also for a malformed K)."""
        m = _AT_K.match(metric)
        if not (self.ranking and m and m.group(1) in RANKING_METRICS and m.group(2).isdigit()):
            return None
        k = int(m.group(2))
        return (m.group(1), k) if k >= 1 else None


def short_name(choice: Any) -> str:
    """The last dotted part of a choice: ``RandomForestClassifier`` for ``sklearn.ensemble.RandomForestClassifier``
    (the prefix of its branch params, e.g. ``RandomForestClassifier.max_depth``)."""
    return str(choice).rsplit(".", 1)[-1]


#: rules many families share
POS_INT = ParamRule("int", min=1)
POS_FLOAT = ParamRule("float", min=0, min_exclusive=True)
NONNEG_FLOAT = ParamRule("float", min=0)
UNIT = ParamRule("float", min=0, max=1)
BOOL = ParamRule("bool")


class UnknownModelError(UserError):
    """``model.type`` names no registered family, or one whose libraries are missing (config validation
    reports an unknown name as a ConfigError first)."""


_REGISTRY: dict[str, ModelType] = {}
_loaded = False


def register_model_type(mt: ModelType) -> ModelType:
    """Make ``mt`` available as ``model: {type: mt.name}``; a later registration of the same name replaces it."""
    _REGISTRY[mt.name] = mt
    return mt


def unregister_model_type(name: str) -> None:
    """Remove a family (tests that register a toy family clean up with this)."""
    _REGISTRY.pop(name, None)


def _builtins() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        importlib.import_module(BUILTIN_FAMILIES)


def model_types() -> dict[str, ModelType]:
    """Every registered family by name (the built-in ones are imported first)."""
    _builtins()
    return dict(sorted(_REGISTRY.items()))


def family(exp: Any) -> ModelType:
    """The family of ``model.type`` as it runs the experiment's task (``data.task``, else its default)."""
    return model_type(exp.model.type).for_task(exp.data.task)


def objective(exp: Any) -> tuple[str, Mode]:
    """``(search.metric, search.mode)`` of an experiment, the family's defaults filling what is unset (an
    Experiment built without ``load_experiment``, e.g. in a benchmark, has them unset)."""
    mt = family(exp)
    metric = exp.search.metric or mt.default_metric
    return metric, exp.search.mode or mt.mode_for(metric)


def model_type(name: str) -> ModelType:
    """The family registered as ``name``.

    Raises:
        UnknownModelError: no such family; the message lists the registered ones.
    """
    _builtins()
    if name not in _REGISTRY:
        raise UnknownModelError(f"unknown model type {name!r}; registered: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]
