"""Module-level functions the runner sends to the Spark service (Ray pickles them by reference)."""

from __future__ import annotations

from tuner.cluster.service import ServiceContext
from tuner.models.registry import get_adapter


def prepare(ctx: ServiceContext, model_type: str, data_cfg, ranking=None) -> dict:
    """Load, clean, split and cache the experiment's data once; keep the run's ``RankingPlan`` (or None) for
    the ranking family's scoring and export."""
    ctx.state["ranking"] = ranking
    return get_adapter(model_type).prepare(ctx, data_cfg)


def fit_fold(ctx: ServiceContext, model_type: str, params: dict, fold: int, seed: int, fraction: float = 1.0) -> dict:
    """One trial's fit on one CV fold (on a fraction of its training rows if ``fraction`` < 1)."""
    return get_adapter(model_type).fit_fold(ctx, params, fold, seed, fraction)


def fit_fold_here(data, model_type: str, params: dict, fold: int, seed: int, fraction: float = 1.0) -> dict:
    """One trial's fit on one CV fold in the calling process (adapters with ``trials_in_worker``).

    Args:
        data: the handle the adapter's ``prepare`` returned under ``TRIAL_DATA`` (e.g. an ObjectRef).
    """
    ctx = ServiceContext(spark=None, state={"data": data})
    return get_adapter(model_type).fit_fold(ctx, params, fold, seed, fraction)


def refit_and_test(ctx: ServiceContext, model_type: str, params: dict, seed: int, path: str | None,
                   mlflow_path: str | None = None) -> dict:
    """Refit the chosen configuration on all training rows and score the held-out test set (and write it as an
    MLflow model folder at ``mlflow_path``)."""
    return get_adapter(model_type).refit_and_test(ctx, params, seed, path, mlflow_path)
