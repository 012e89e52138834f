"""The one registry of tasks, keyed by ``data.task``: what a label must look like, which metrics a task reports
(with their direction and the name the CLI prints), how its rows are split, and what ``tuner predict`` writes.

A task is declarative and lives here, low in the stack (no Spark, no sklearn): ``tuner validate`` checks a
config and a sample of the label against it without a JVM. How a family *does* a task (Spark evaluators, sklearn
estimators) lives in the family's module in ``tuner.models``; a family lists the tasks it supports
(:attr:`tuner.config.families.ModelType.tasks`). A new task is one :func:`register_task` call.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from tuner.errors import UserError

__all__ = ["Metric", "Task", "UnknownTaskError", "display_name", "register_task", "task", "tasks",
           "unregister_task"]

Mode = Literal["min", "max"]
#: a multi-class label with more distinct values than this in a sample is almost surely a number or an id
MAX_CLASSES = 100


@dataclass(frozen=True)
class Metric:
    """One metric of a task: its direction and how the CLI prints it (``Test <display>: 0.87``)."""

    mode: Mode
    display: str


@dataclass(frozen=True)
class Task:
    """One kind of problem a family can be tuned for.

    Attributes:
        name: the ``data.task`` value.
        describes: words for messages, e.g. ``a classification table with two classes``.
        metrics: what a trial reports, in order, with direction and display name.
        default_metric: the objective when ``search.metric`` is not set.
        label: ``ratings`` (user, item, rating columns), ``required`` (``data.label`` names the target),
            ``optional`` (a reference column, never a feature nor the objective: clustering).
        stratified: the test split and folds keep each class's share (classification).
        synthetic_format: the ``data.format`` that generates data for this task, or None.
        predicts: what ``tuner predict`` adds to each row (model_card.json repeats it).
        label_problem: given a sample of the label's non-blank values (strings, as read), why they cannot be
            this task's label, or None (``tuner validate`` runs it on the file's first rows).
        reference_metrics: reported on the test set beside ``metrics`` when the data allow (clustering: the
            agreement with a reference ``data.label``), never an objective.
    """

    name: str
    describes: str
    metrics: Mapping[str, Metric]
    default_metric: str
    label: Literal["ratings", "required", "optional"] = "required"
    stratified: bool = False
    synthetic_format: str | None = None
    predicts: str = "prediction"
    label_problem: Callable[[Sequence[str]], str | None] = field(default=lambda values: None, compare=False)
    reference_metrics: Mapping[str, Metric] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.default_metric not in self.metrics:
            raise ValueError(f"task {self.name!r}: default_metric {self.default_metric!r} is not a metric")

    @property
    def modes(self) -> dict[str, Mode]:
        """Metric name -> ``min`` / ``max``."""
        return {k: m.mode for k, m in self.metrics.items()}

    @property
    def table(self) -> bool:
        """True: a labelled table (CSV/Parquet at ``data.path``), not MovieLens ratings."""
        return self.label != "ratings"


class UnknownTaskError(UserError):
    """``data.task`` names no registered task (config validation reports it as a ConfigError first)."""


def _is_number(v: str) -> bool:
    try:
        return math.isfinite(float(v))
    except ValueError:
        return False


def _shown(values: Sequence[str], n: int = 5) -> str:
    distinct = list(dict.fromkeys(values))
    return ", ".join(repr(v) for v in distinct[:n]) + (", ..." if len(distinct) > n else "")


def _two_classes(values: Sequence[str]) -> str | None:
    distinct = set(values)
    if len(distinct) > 2:
        return f"{len(distinct)} distinct values ({_shown(values)}), but a binary label has two classes " \
               "(use data.task: multiclass, or regression for a number)"
    return None


def _classes(values: Sequence[str]) -> str | None:
    distinct = set(values)
    if len(distinct) > MAX_CLASSES:
        hint = "regression" if all(_is_number(v) for v in distinct) else "an id column is no label"
        return f"{len(distinct)} distinct values ({_shown(values)}), more than {MAX_CLASSES} classes ({hint})"
    return None


def _number(values: Sequence[str]) -> str | None:
    text = [v for v in values if not _is_number(v)]
    if text:
        return f"text values ({_shown(text)}), but a regression label is a number (use data.task: multiclass)"
    return None


_CLASSIFICATION = {"log_loss": Metric("min", "log loss"), "accuracy": Metric("max", "accuracy")}
BUILTIN = (
    Task("ratings", "a ratings table (user, item, rating)",
         {"rmse": Metric("min", "RMSE"), "mae": Metric("min", "MAE")}, "rmse", label="ratings",
         synthetic_format="synthetic", predicts="prediction (the predicted rating of each user, item pair)"),
    Task("binary", "a classification table with two classes",
         {"auc_roc": Metric("max", "AUC"), "auc_pr": Metric("max", "AUC-PR"), **_CLASSIFICATION,
          "f1": Metric("max", "F1")}, "auc_roc", stratified=True, synthetic_format="synthetic-churn",
         predicts="probability (P(label == positive_label)) and prediction (1.0 = positive)",
         label_problem=_two_classes),
    Task("multiclass", "a classification table with two or more classes",
         {"f1_macro": Metric("max", "macro F1"), **_CLASSIFICATION}, "f1_macro", stratified=True,
         predicts="prediction (the class) and probability_<class> for each class of model_card.json classes",
         label_problem=_classes),
    Task("regression", "a table with a numeric label",
         {"rmse": Metric("min", "RMSE"), "mae": Metric("min", "MAE"), "r2": Metric("max", "R^2")}, "rmse",
         predicts="prediction (the predicted label)", label_problem=_number),
    Task("clustering", "a table of features (data.label, if set, is a reference, never a feature)",
         {"silhouette": Metric("max", "silhouette")}, "silhouette", label="optional",
         predicts="cluster (the index of the nearest cluster centre)",
         reference_metrics={"adjusted_rand": Metric("max", "adjusted Rand index vs data.label (not tuned on)")}),
)

_REGISTRY: dict[str, Task] = {t.name: t for t in BUILTIN}


def register_task(t: Task) -> Task:
    """Make ``t`` available as ``data.task: t.name``; a later registration of the same name replaces it."""
    _REGISTRY[t.name] = t
    return t


def unregister_task(name: str) -> None:
    """Remove a task (tests that register a toy task clean up with this)."""
    _REGISTRY.pop(name, None)


def tasks() -> dict[str, Task]:
    """Every registered task by name."""
    return dict(_REGISTRY)


def task(name: str) -> Task:
    """The task registered as ``name``.

    Raises:
        UnknownTaskError: no such task; the message lists the registered ones.
    """
    if name not in _REGISTRY:
        raise UnknownTaskError(f"unknown task {name!r}; registered: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def display_name(metric: str) -> str:
    """How the CLI prints ``metric`` (``AUC`` for auc_roc); a metric no task declares is upper-cased."""
    for t in _REGISTRY.values():
        if metric in t.metrics:
            return t.metrics[metric].display
        if metric in t.reference_metrics:
            return t.reference_metrics[metric].display
    return metric.upper()
