"""The model adapter contract: one small class per model family."""

from __future__ import annotations

import math
import time
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # the adapter modules import no Spark or Ray at import time, so validation stays light
    from tuner.cluster.service import ServiceContext
    from tuner.config.families import ModelType

TRIAL_DATA = "trial_data"  # key of prepare()'s result holding the handle trials read their data from


def cache_split(train: Any, test: Any, fold_col: str) -> tuple[Any, Any, dict[int, int]]:
    """Persist a prepared (train, test) pair of Spark frames and count the training rows per fold.

    Returns:
        (train, test, {fold: rows}), the frames cached in memory and on disk.
    """
    from pyspark import StorageLevel

    train = train.persist(StorageLevel.MEMORY_AND_DISK)
    test = test.persist(StorageLevel.MEMORY_AND_DISK)
    return train, test, {int(r[fold_col]): int(r["count"]) for r in train.groupBy(fold_col).count().collect()}


class ModelAdapter(ABC):
    """How tuner prepares data for, fits, scores, saves and loads one model family.

    Everything here runs inside the Spark service (or a trial worker), never in the driver process.
    Subclasses register with :func:`tuner.models.register` and keep the upstream library's parameter names.
    """

    spec: ClassVar["ModelType"]  # set by ``register``, as are the two below
    name: ClassVar[str]
    metrics: ClassVar[tuple[str, ...]]
    #: False: trials ask the Spark service to run ``fit_fold``. True: ``prepare`` returns the data handle under
    #: ``TRIAL_DATA`` and each trial runs ``fit_fold`` in its own Ray worker (see :meth:`trial_resources`).
    trials_in_worker: ClassVar[bool] = False
    #: True: one fit already runs a task on every executor core (ALS: user and item blocks =
    #: ``defaultParallelism``), so by default trials run one at a time (``tuner.runner.resources``).
    fit_uses_every_core: ClassVar[bool] = False

    def task_of(self, ctx: ServiceContext) -> str:
        """The task this adapter runs in ``ctx`` (``prepare`` keeps ``data.task`` there), else the family's."""
        return ctx.state.get("task") or self.spec.task

    def metric_names(self, ctx: ServiceContext) -> tuple[str, ...]:
        """What ``score`` reports for the task of ``ctx``."""
        return self.spec.for_task(self.task_of(ctx)).metric_names

    def trial_resources(self, params: dict) -> dict:
        """What one trial asks Ray for when ``trials_in_worker`` (e.g. ``{"cpu": n_jobs}``)."""
        return {"cpu": 1}

    @abstractmethod
    def predict(self, ctx: ServiceContext, model: Any, frame: Any) -> list:
        """Predictions of ``model`` on a small ``frame``, as a list (for tests: save -> load gives the same)."""

    @abstractmethod
    def fitted_params(self, model: Any) -> dict:
        """The params of a fitted model in the config's vocabulary (names and values a trial receives)."""

    @abstractmethod
    def prepare(self, ctx: ServiceContext, data_cfg: Any) -> dict:
        """Load, clean and split the data once, cache it in ``ctx.state``.

        Returns:
            Row accounting for summary.json (``read``, ``kept``, ``dropped``, ``train``, ``test``, ...).
        """

    @abstractmethod
    def fit(self, ctx: ServiceContext, train: Any, params: dict, seed: int) -> Any:
        """Fit a model on ``train`` with ``params`` (upstream names)."""

    @abstractmethod
    def score(self, ctx: ServiceContext, model: Any, frame: Any) -> dict:
        """Metrics of ``model`` on ``frame``: every name in ``metrics``, plus counts such as ``rows``."""

    @abstractmethod
    def save(self, model: Any, path: str) -> None:
        """Write ``model`` in the library's native format under ``path``."""

    @abstractmethod
    def load(self, ctx: ServiceContext, path: str) -> Any:
        """Read a model written by :meth:`save`."""

    @abstractmethod
    def fold_frames(self, ctx: ServiceContext, fold: int) -> tuple[Any, Any]:
        """(train, validation) of CV fold ``fold`` from the cached data."""

    @abstractmethod
    def full_frames(self, ctx: ServiceContext) -> tuple[Any, Any]:
        """(all training rows, held-out test rows)."""

    def subsample(self, frame: Any, fraction: float, seed: int) -> Any:
        """A seeded sample of about ``fraction`` of ``frame``'s rows (the data-fraction budget)."""
        return frame.sample(fraction=fraction, seed=seed)

    def fraction_params(self, params: dict, fraction: float) -> dict:
        """The params to fit with on a ``fraction`` of the rows so that the fit stands for ``params`` on all of
        them (the data-fraction budget ranks configurations by these fits). Default: unchanged."""
        return params

    def card(self, ctx: ServiceContext, model: Any) -> dict:
        """Facts for model_card.json: format, how to load it, input columns."""
        return {}

    def score_split(self, ctx: ServiceContext, model: Any, train: Any, frame: Any, final: bool = False) -> dict:
        """Metrics of ``model`` on ``frame`` knowing the rows it was fitted on (a ranking family excludes each
        user's training items from its recommendations); ``final``: ``frame`` is the test set. Default:
        :meth:`score`."""
        return self.score(ctx, model, frame)

    def export(self, ctx: ServiceContext, model: Any, train: Any, path: str) -> dict:
        """Write what serving needs beside the saved native model at ``path``; returns model-card keys.
        Default: nothing."""
        return {}

    def release(self, model: Any) -> None:
        """Free what a fitted model keeps cached (called after a trial scores it)."""

    def fit_fold(self, ctx: ServiceContext, params: dict, fold: int, seed: int, fraction: float = 1.0) -> dict:
        """Fit on every fold but ``fold`` (or a seeded ``fraction`` of those rows) and score on ``fold``.

        Returns:
            Metrics plus ``fit_seconds`` and ``score_seconds``.
        """
        train, valid = self.fold_frames(ctx, fold)
        if fraction < 1.0:
            train = self.subsample(train, fraction, seed)
            params = self.fraction_params(params, fraction)
        return self.timed_fit_score(ctx, train, valid, params, seed)

    def timed_fit_score(self, ctx: ServiceContext, train: Any, valid: Any, params: dict, seed: int) -> dict:
        """Fit on ``train``, score on ``valid``, release the model.

        Returns:
            Metrics plus ``fit_seconds`` and ``score_seconds``.
        """
        t0 = time.monotonic()
        model = self.fit(ctx, train, params, seed)
        t1 = time.monotonic()
        result = self.score_split(ctx, model, train, valid)
        t2 = time.monotonic()
        self.release(model)
        return {**result, "fit_seconds": t1 - t0, "score_seconds": t2 - t1}

    def mlflow_input(self, ctx: ServiceContext, test: Any) -> Any:
        """The model's input columns of ``test`` (an MLflow signature's inputs). Default: every column."""
        return test

    def save_mlflow(self, ctx: ServiceContext, model: Any, test: Any, path: str) -> None:
        """Write ``model`` as an MLflow model folder (with a signature) at ``path``. Default: ``mlflow.spark``."""
        from tuner.models.mlflow_flavour import save_spark_model

        save_spark_model(model, path, self.mlflow_input(ctx, test))

    def refit_and_test(self, ctx: ServiceContext, params: dict, seed: int, path: str | None,
                       mlflow_path: str | None = None) -> dict:
        """Refit on all training rows and score the test set; with ``path``, save, reload, score again, export;
        with ``mlflow_path``, also write the model as an MLflow model folder there.

        Returns:
            Test metrics, ``seconds``, and ``card`` (the adapter's :meth:`card` plus ``reload_test_metrics``
            and ``reload_identical``: the reloaded model's test metrics equal the reported ones); with
            ``mlflow_path``, ``mlflow_model`` (the folder) or ``mlflow_model_error`` (why it was not written:
            the run goes on without it).
        """
        train, test = self.full_frames(ctx)
        t0 = time.monotonic()
        model = self.fit(ctx, train, params, seed)
        result = self.score_split(ctx, model, train, test, final=True)
        card: dict[str, Any] = {}
        if path:
            metrics = self.metric_names(ctx)
            self.save(model, path)
            again = self.score(ctx, self.load(ctx, path), test)
            card = {**self.card(ctx, model), "reload_test_metrics": {m: again[m] for m in metrics},
                    "reload_identical": all(_same(again[m], result[m]) for m in metrics),
                    **self.export(ctx, model, train, path)}
        seconds = time.monotonic() - t0
        if mlflow_path:
            try:
                self.save_mlflow(ctx, model, test, mlflow_path)
                result["mlflow_model"] = mlflow_path
            except Exception as exc:  # noqa: BLE001 - an MLflow folder is extra; the tested model stands
                result["mlflow_model_error"] = f"{type(exc).__name__}: {str(exc).strip()[:300]}"
        self.release(model)
        return {**result, "seconds": seconds, "card": card}


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
