"""The run's outcome as one typed, immutable record: what summary.json, the model card, report.html, MLflow and the
CLI all read.

The runner learns a run's facts step by step (the cluster, the data, the search, the best trial, its refit), so it
holds a :class:`RunRecord` and replaces it with ``record.but(...)`` as each step ends; no writer changes it. Every
mapping and list inside is frozen (``MappingProxyType``, tuples), so a writer that tried would fail loudly.
:meth:`RunRecord.summary` is the summary.json dict, built fresh from the record each time (its keys are the ones
users and the README read; they did not change with the record).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

__all__ = ["RunRecord", "new_record"]

_ALWAYS = "always"  # field metadata: a summary.json key written even while null


def _key(always: bool = False, default: Any = None, factory=None):
    if factory is not None:
        return field(default_factory=factory, metadata={_ALWAYS: always})
    return field(default=default, metadata={_ALWAYS: always})


def _freeze(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return tuple(_freeze(v) for v in obj)
    return obj


def _thaw(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {k: _thaw(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return [_thaw(v) for v in obj]
    return obj


@dataclass(frozen=True)
class RunRecord:
    """One run's outcome; each attribute is the summary.json key of the same name (null/absent: not known yet).

    Attributes (the ones written even while null come first):
        experiment, model_type, folds, num_samples: what ran (``num_samples`` grows with ``resume --more``).
        status: ``running``, ``completed``, ``failed`` (no trial completed) or ``interrupted``.
        metric, mode: the objective.
        best_params, best_cv_metric, best_cv_metrics, best_trial: the trial that was refit, and its CV metrics.
        test_metrics: the refit best model on the test set (+ the task's reference metrics, not tuned on).
        model_path: the exported model folder (None: not exported).
        rows: the data step's accounting (read, kept, dropped by reason, train, test, data facts).
        trials: completed / pruned / failed / unfinished counts.
        wall_seconds, tune_seconds, refit_seconds, work_seconds, spark_start_seconds: where the time went.
        phase_seconds: the wall time split by step, in order (``tracking``, ``ray_start``, ``spark_start``,
            ``prepare``, ``search``, ``refit``, ``shutdown``): a run's fixed cost is all but ``search``. Writing
            the run directory and closing the MLflow run come after it and are not counted.
        dashboard_url, metrics_url, spark_ui: the run's live pages (dead once the run ends).
        versions: of everything that must fit together.
        stop_reason: ``num_samples``, ``time_budget`` or ``patience``.
        concurrency: trials at once, and why that many; trial_actors: worker processes that ran trials.
        pareto: with ``search.objectives``: the objectives, the front, the selected trial and why.
        failure_reasons: distinct reasons of failed trials, with counts (status ``failed``).
        bound_hits: searched params whose best value lies at or near a bound.
        baseline_test_metrics, ranking: the popular-items baseline and how ranking was scored (ranking runs).
        refit: ``kept`` when ``resume --more`` kept the earlier refit (the best did not change).
        service_calls: per trial, the [start, end] of each fit the Spark service ran for it.
        study, mlflow: where the Optuna study and the MLflow parent run are.
        report: report.html.
    """

    experiment: str = _key(True)
    status: str = _key(True, "running")
    metric: str = _key(True)
    mode: str = _key(True)
    best_params: Mapping[str, Any] | None = _key(True)
    best_cv_metric: float | None = _key(True)
    best_cv_metrics: Mapping[str, float] | None = _key(True)
    test_metrics: Mapping[str, float | None] | None = _key(True)
    model_path: str | None = _key(True)
    rows: Mapping[str, Any] | None = _key(True)
    trials: Mapping[str, int] = _key(True, factory=lambda: {"completed": 0, "pruned": 0, "failed": 0,
                                                                    "unfinished": 0})
    wall_seconds: float | None = _key(True)
    dashboard_url: str | None = _key(True)
    metrics_url: str | None = _key(True)
    versions: Mapping[str, str | None] | None = _key(True)
    model_type: str = _key(True)
    folds: int = _key(True)
    num_samples: int = _key(True)
    spark_start_seconds: float | None = _key()
    spark_ui: str | None = _key()
    stop_reason: str | None = _key()
    tune_seconds: float | None = _key()
    concurrency: Mapping[str, Any] | None = _key()
    trial_actors: int | None = _key()
    work_seconds: float | None = _key()
    pareto: Mapping[str, Any] | None = _key()
    failure_reasons: Mapping[str, int] | None = _key()
    best_trial: str | None = _key()
    bound_hits: tuple[Mapping[str, Any], ...] | None = _key()
    baseline_test_metrics: Mapping[str, Any] | None = _key()
    ranking: Mapping[str, Any] | None = _key()
    refit_seconds: float | None = _key()
    refit: str | None = _key()
    phase_seconds: Mapping[str, float] | None = _key()
    service_calls: Mapping[str, Any] | None = _key()
    study: Mapping[str, str] | None = _key()
    mlflow: Mapping[str, Any] | None = _key()
    report: str | None = _key()

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _freeze(getattr(self, f.name)))

    def but(self, **facts: Any) -> RunRecord:
        """A new record with ``facts`` changed (a name that is not a field is a TypeError: the schema is closed)."""
        return dataclasses.replace(self, **facts)

    def summary(self) -> dict[str, Any]:
        """The summary.json dict: a fresh, plain copy (lists and dicts), keys in the schema's order; a key that is
        not always written is left out while it is None."""
        return {f.name: _thaw(getattr(self, f.name)) for f in fields(self)
                if f.metadata[_ALWAYS] or getattr(self, f.name) is not None}


def new_record(exp, metric: str, mode: str) -> RunRecord:
    """The record of a run of ``exp`` that has not started yet."""
    return RunRecord(experiment=exp.name, metric=metric, mode=mode, model_type=exp.model.type, folds=exp.data.folds,
                     num_samples=exp.search.num_samples)
